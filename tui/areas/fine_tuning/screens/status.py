"""The cockpit's status line: how many jobs in each state (as marks that read in 16
colours when the words do not fit), how many watched, then what matters now of the job
followed — why it cannot be followed, since when it reconnects, what the server did, when
it ended, or when it was last heard of — and a hint on the checkpoints."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text

from tui.core.text import moment, safe
from tui.core.words import duration, when

if TYPE_CHECKING:
    from tui.areas.fine_tuning.api.schemas import FineTuningJob
    from tui.areas.fine_tuning.core.follower import JobState

MARKS = {"running": "▶", "paused": "‖", "waiting": "…", "failed": "✗"}


def status_line(
    jobs: dict[str, FineTuningJob],
    *,
    watched: int,
    state: JobState | None,
    problem: str | None,
    checkpoints: bool,
    width: int,
) -> Text:
    """The line, fitted to `width` cells: the counts in words, else in marks."""
    counts: dict[str, int] = {}
    for job in jobs.values():
        key = "waiting" if job.status in ("queued", "validating_files") else job.status
        counts[key] = counts.get(key, 0) + 1
    words = [f"{counts[k]} {k}" for k in MARKS if k in counts]
    short = [f"{MARKS[k]}{counts[k]}" for k in MARKS if k in counts]
    if watched:
        words.append(f"watching {watched}")
        short.append(f"◉{watched}")
    tail, tail_style = _tail(state, problem, checkpoints)
    head = " · ".join([f"{len(jobs)} jobs", *words])
    if len(head) + len(tail) > width:
        head = " ".join([f"{len(jobs)} jobs", *short])
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(head, style="bold")
    line.append(tail, style=tail_style)
    return line


def _tail(state: JobState | None, problem: str | None, checkpoints: bool) -> tuple[str, str]:
    if state is not None and state.stopped:
        return f" │ {safe(state.stopped)}", "bold"
    if state is not None and state.failing_since is not None:
        since = moment(state.failing_since, "%H:%M:%S")
        return f" │ reconnecting (since {since}): {safe(state.problem or '')}", "bold"
    if problem:
        return f" │ {safe(problem)}", "bold"
    if state is not None and state.note:
        return f" │ {safe(state.note)}", "bold"
    hint = " │ Enter chats, c copies" if checkpoints else ""
    job = state.job if state is not None else None
    if job is not None and job.finished:
        return f" │ {job.status} {when(job.finished_at)}{hint}", "dim"
    if state is not None and state.updated_at is not None:
        ago = duration(time.time() - state.updated_at).split(" ", 1)[0]
        return f" │ updated {ago} ago{hint}", "dim"
    return hint, "dim"
