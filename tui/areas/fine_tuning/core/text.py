"""Fine-tuning jobs in words: statuses that read without colour, names, progress, times,
and what to do about a job's error. No Textual here: the screen and the CLI share them."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from tui.core.text import safe
from tui.core.words import duration

if TYPE_CHECKING:
    from tui.areas.fine_tuning.api.schemas import FineTuningJob, JobError

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


def eta(job: FineTuningJob, now: float | None = None) -> str:
    """Time left to `estimated_finish` (a dash when none is given or the job ended)."""
    if job.finished or not job.estimated_finish:
        return "–"
    left = job.estimated_finish - (time.time() if now is None else now)
    return "soon" if left <= 0 else duration(left)


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
