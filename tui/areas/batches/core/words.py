"""A batch in words, the same for the screen and `loom batches`: a line of the list, and
the batch in full (what it runs, its counts, every stage reached, what `finalizing` means,
its errors with their line numbers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.areas.batches.core.follower import status_words
from tui.core.text import moment, safe
from tui.core.words import duration

if TYPE_CHECKING:
    from tui.areas.batches.api.schemas import Batch
    from tui.areas.batches.core.follower import BatchState

FINALIZING = (
    "finalizing: every request has run; the server is writing the output and error files "
    "(this can take a while for a large batch; nothing more runs)"
)


def description(batch: Batch) -> str:
    """What the batch is called: its metadata's description, else its id."""
    return safe((batch.metadata or {}).get("description") or batch.id)


def list_line(batch: Batch) -> str:
    """One batch in a line: id, status, counts, endpoint, when, description."""
    counts = batch.counts
    done = f"{counts.completed:,}/{counts.total:,}"
    if counts.failed:
        done += f" ({counts.failed:,} failed)"
    about = safe((batch.metadata or {}).get("description", ""))
    when = moment(batch.created_at, "%Y-%m-%d %H:%M")
    return (
        f"{safe(batch.id):<28} {status_words(batch.status):<14} {done:<18} "
        f"{safe(batch.endpoint):<22} {when}  {about}"
    ).rstrip()


def pace_line(state: BatchState | None) -> str | None:
    """`12.5 requests a minute, about 8 min left` from the counts' history."""
    rate = state.rate() if state is not None else None
    if rate is None:
        return None
    eta = state.eta() if state is not None else None
    text = f"{rate * 60:,.1f} requests a minute"
    return text + (f", about {duration(eta)} left" if eta is not None else "")


def detail_lines(
    batch: Batch, state: BatchState | None = None, now: float | None = None
) -> list[str]:
    """One batch in full: what it runs, its counts and pace, every stage reached, what
    `finalizing` means, when its window closes, its errors with their line numbers."""
    counts = batch.counts
    lines = [
        f"{safe(batch.id)}  {status_words(batch.status)}",
        f"endpoint {safe(batch.endpoint)}"
        + (f", model {safe(batch.model)}" if batch.model else ""),
        f"requests {counts.total:,}: {counts.completed:,} done, {counts.failed:,} failed",
    ]
    pace = pace_line(state)
    if pace:
        lines.append(pace)
    lines.append(
        f"input {safe(batch.input_file_id)}"
        + (f", output {safe(batch.output_file_id)}" if batch.output_file_id else "")
        + (f", errors {safe(batch.error_file_id)}" if batch.error_file_id else "")
    )
    if batch.status == "finalizing":
        lines.append(FINALIZING)
    for stage, when in batch.stages():
        lines.append(f"  {stage:<12} {moment(when, '%Y-%m-%d %H:%M:%S')}")
    if batch.expires_at and not batch.finished:
        left = ""
        if now is not None:
            left = f" (in {duration(batch.expires_at - now)})" if batch.expires_at > now else ""
        lines.append(f"  {'window ends':<12} {moment(batch.expires_at, '%Y-%m-%d %H:%M:%S')}{left}")
    if batch.usage is not None and batch.usage.total_tokens:
        lines.append(
            f"tokens {batch.usage.input_tokens or 0:,} in, {batch.usage.output_tokens or 0:,} out"
        )
    for key, value in (batch.metadata or {}).items():
        lines.append(f"metadata {safe(key)} = {safe(value)}")
    errors = batch.errors.data if batch.errors is not None else []
    if errors:
        lines.append(f"{len(errors):,} problem(s) in the input file:")
        for error in errors:
            where = f"line {error.line}: " if error.line else ""
            lines.append(f"  {where}{safe(error.message or error.code or '')}")
    return lines
