"""Fine-tuning jobs in words: statuses that read without colour, names, progress, times,
and what to do about a job's error. No Textual here: the screen and the CLI share them."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from tui.core.text import moment, safe

if TYPE_CHECKING:
    from tui.api.schemas import FineTuningJob, JobError

STATUSES: dict[str, tuple[str, str]] = {
    "validating_files": ("…", "warning"),
    "queued": ("…", "warning"),
    "running": ("▶", "primary"),
    "paused": ("‖", "warning"),
    "succeeded": ("✓", "success"),
    "failed": ("✗", "error"),
    "cancelled": ("■", "muted"),
}
"""Each status's mark and the theme colour it is drawn in; any other word the server sends
is shown as it is, marked "?"."""
ACTIVE = ("validating_files", "queued", "running", "paused")
METHOD_SHORT = {"supervised": "SFT", "dpo": "DPO", "reinforcement": "RFT"}


def status_mark(status: str) -> tuple[str, str]:
    """(mark, colour name) of a status."""
    return STATUSES.get(status, ("?", "muted"))


WORDS = {"validating_files": "validating"}


def status_words(status: str) -> str:
    """A status as it reads: `✓ succeeded`, `… validating`."""
    mark, _ = status_mark(status)
    word = WORDS.get(status) or safe(status).replace("_", " ") or "unknown"
    return f"{mark} {word}"


def job_name(job: FineTuningJob) -> str:
    """What to call a job: its suffix, else its fine-tuned model's, else its metadata's
    name, else the end of its id."""
    if job.user_provided_suffix:
        return safe(job.user_provided_suffix)
    model = job.fine_tuned_model or ""
    parts = model.split(":")
    if model.startswith("ft:") and len(parts) >= 4 and parts[3]:
        return safe(parts[3])
    named = (job.metadata or {}).get("name")
    if named:
        return safe(named)
    return "job …" + safe(job.id[-8:])


def short_model(model: str) -> str:
    """A model id without its date (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`)."""
    import re

    return safe(re.sub(r"-\d{4}-\d{2}-\d{2}$", "", model))


def method_short(job: FineTuningJob) -> str:
    """SFT, DPO, RFT (or the server's word)."""
    kind = job.method_type
    return METHOD_SHORT.get(kind, safe(kind))


def progress(step: tuple[int, int] | None, job: FineTuningJob) -> str:
    """Progress from the newest metrics point ("16/60 27%"); else "done" or a dash."""
    if step is not None:
        done, total = step
        share = f" {100 * done // total}%" if total else ""
        return f"{done:,}/{total:,}{share}"
    return "done" if job.status == "succeeded" else "–"


def duration(seconds: float) -> str:
    """`45s`, `3m 20s`, `2h 05m`, `3d 4h`."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {s:02d}s"
    hours, m = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {m:02d}m"
    days, h = divmod(hours, 24)
    return f"{days}d {h}h"


def eta(job: FineTuningJob, now: float | None = None) -> str:
    """Time left to `estimated_finish` (a dash when none is given or the job ended)."""
    if job.finished or not job.estimated_finish:
        return "–"
    left = job.estimated_finish - (time.time() if now is None else now)
    return "soon" if left <= 0 else duration(left)


def when(timestamp: int | float | None) -> str:
    """A moment in local time, short: `12-01 14:03`."""
    return moment(timestamp, "%m-%d %H:%M")


def clock(timestamp: int | float | None) -> str:
    """A moment in local time with seconds: `14:03:27`."""
    return moment(timestamp, "%H:%M:%S")


def error_advice(error: JobError | None) -> tuple[str, str] | None:
    """(what happened, what to do) for a failed job's error."""
    if error is None or not (error.code or error.message):
        return None
    code = error.code or ""
    said = safe(error.message or code)
    if error.param:
        said += f" (parameter: {safe(error.param)})"
    if "training_file" in code or "file" in (error.param or ""):
        fix = (
            "Check the file with `loom fine-tuning validate FILE`, fix the lines it names, "
            "upload it again and start a new job (n)."
        )
    elif "quota" in code or "billing" in code:
        fix = "Check the organisation's billing and limits, then start the job again."
    elif "moderation" in code or "safety" in code:
        fix = "The data did not pass the safety checks: remove the examples named and retry."
    else:
        fix = "Start a new job (n) after fixing what the message names; the job id helps support."
    return said, fix
