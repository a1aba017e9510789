"""The batches list's rows: the status as a mark and a word (coloured where there are
colours, readable without), the counts as a bar, the endpoint, when it was made, what is
left of its window, its description."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from tui.areas.batches.core.follower import status_words
from tui.core.text import moment, safe
from tui.widgets.plain import plain
from tui.widgets.row_table import Column, Row

if TYPE_CHECKING:
    from tui.areas.batches.api.schemas import Batch

STYLES = {
    "completed": "green",
    "failed": "bold red",
    "in_progress": "bold",
    "finalizing": "bold cyan",
    "validating": "yellow",
    "expired": "magenta",
    "cancelling": "dim",
    "cancelled": "dim",
}
SHORT = {
    "chat/completions": "chat",
    "completions": "compl",
    "embeddings": "embed",
    "moderations": "moder",
    "responses": "resp",
    "images/generations": "images",
    "images/edits": "imgedit",
    "videos": "video",
}
"""Endpoints by a shorter name."""
BAR = 8
"""Cells of the progress bar."""


def columns(width: int) -> list[Column]:
    """The list's columns for a screen `width` wide (80 holds them all but the model)."""
    chosen = [
        Column("status", " status", width=14),
        Column("done", "requests", width=BAR + 8),
        Column("endpoint", "for", width=7),
        Column("created", "created", width=11),
        Column("left", "left", width=5),
        Column("about", "description", most=60),
    ]
    if width >= 110:
        chosen.insert(3, Column("model", "model", most=24))
        chosen.append(Column("id", "id", most=32))
    return chosen


def bar(batch: Batch) -> Text:
    """`███▓··· 37/40`: done, failed (▓) and left (·), then the counts."""
    counts = batch.counts
    text = Text(no_wrap=True)
    if counts.total <= 0:
        text.append("·" * BAR, style="dim")
        text.append(" –")
        return text
    done = round(BAR * min(1.0, counts.completed / counts.total))
    failed = min(BAR - done, round(BAR * counts.failed / counts.total))
    if counts.failed and not failed and done < BAR:
        failed = 1
    text.append("█" * done)
    text.append("▓" * failed, style="bold red")
    text.append("·" * (BAR - done - failed), style="dim")
    text.append(f" {counts.completed + counts.failed:,}/{counts.total:,}")
    return text


def short_duration(seconds: float) -> str:
    """`40s`, `12m`, `23h59` — what is left of a window, in six cells."""
    if seconds < 60:
        return f"{max(0, int(seconds))}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}h{rest // 60:02d}"


def short_endpoint(endpoint: str) -> str:
    """`/v1/chat/completions` as `chat`, `/v1/embeddings` as `embeddings`."""
    name = endpoint.removeprefix("/v1/")
    return {
        "chat/completions": "chat",
        "images/generations": "images",
        "images/edits": "img edits",
    }.get(name, name)


def row(batch: Batch, keys: list[str], now: float, watched: bool) -> Row:
    """One batch's row."""
    status = Text("◉" if watched else " ", style="bold")
    status.append(status_words(batch.status), style=STYLES.get(batch.status, ""))
    left = ""
    if batch.expires_at and not batch.finished:
        left = short_duration(batch.expires_at - now) if batch.expires_at > now else "over"
    cells = {
        "status": status,
        "done": bar(batch),
        "endpoint": plain(short_endpoint(safe(batch.endpoint))),
        "model": plain(safe(batch.model or "")),
        "created": Text(moment(batch.created_at, "%m-%d %H:%M")),
        "left": Text(left),
        "about": plain(safe((batch.metadata or {}).get("description", ""))),
        "id": plain(safe(batch.id)),
    }
    return Row(batch.id, tuple(cells[k] for k in keys))
