"""A job's details as text: method and hyperparameters, files, seed, times, integrations,
metadata, its error and what to do, its result files. All of it is outside text."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rich.text import Text

from tui.areas.fine_tuning.core.text import error_advice, job_name, status_words
from tui.core.text import safe, size_words
from tui.core.words import duration, when
from tui.widgets.plain import Facts

if TYPE_CHECKING:
    from tui.areas.fine_tuning.core.follower import JobState
    from tui.areas.fine_tuning.core.results import FileFacts


HYPER_WORDS = {
    "n_epochs": "epochs",
    "batch_size": "batch size",
    "learning_rate_multiplier": "LR multiplier",
    "compute_multiplier": "compute mult.",
    "reasoning_effort": "reasoning",
}


def details_text(state: JobState, watched: bool, files: dict[str, FileFacts] | None = None) -> Text:
    """Everything known of the job, one fact a line."""
    job = state.job
    sheet = Facts(16)
    out = sheet.text
    if job is None:
        out.append("Loading the job…" if state.problem is None else safe(state.problem))
        return out

    row = sheet.row

    row("job", f"{job_name(job)}  ({job.id})")
    row("status", status_words(job.status) + ("  · watched" if watched else ""))
    row("base model", job.model)
    if job.fine_tuned_model:
        row("fine-tuned", job.fine_tuned_model)
    hyper = job.method_hyperparameters()
    row("method", job.method_type)
    for key, value in hyper.items():
        row(f"  {HYPER_WORDS.get(key, key)}"[:15], str(value))
    method = job.method or {}
    grader = (
        (method.get(job.method_type) or {}).get("grader")
        if isinstance(method.get(job.method_type), dict)
        else None
    )
    if grader:
        row("  grader", json.dumps(grader, ensure_ascii=False)[:300])
    for label, file_id in (
        ("training file", job.training_file),
        ("validation", job.validation_file),
    ):
        if not file_id:
            continue
        facts = (files or {}).get(file_id)
        if facts is None:
            row(label, file_id)
        elif facts.problem:
            row(label, f"{file_id}: {facts.problem}")
        else:
            lines = f", {facts.lines:,} lines" if facts.lines is not None else ""
            row(label, f"{facts.name} ({file_id}), {size_words(facts.size)}{lines}")
    row("seed", "–" if job.seed is None else str(job.seed))
    row("created", when(job.created_at))
    if job.finished_at:
        took = f" (took {duration(job.finished_at - job.created_at)})" if job.created_at else ""
        row("finished", when(job.finished_at) + took)
    elif job.estimated_finish:
        row("estimated end", when(job.estimated_finish))
    if state.step is not None:
        row("progress", f"step {state.step[0]:,} of {state.step[1]:,}")
    if job.trained_tokens:
        row("trained tokens", f"{job.trained_tokens:,}")
    for integration in job.integrations or []:
        row("integration", json.dumps(integration, ensure_ascii=False)[:200])
    for key, value in (job.metadata or {}).items():
        row(f"metadata {key}"[:15], str(value))
    advice = error_advice(job.error)
    if advice is not None:
        said, fix = advice
        code = job.error.code if job.error is not None and job.error.code else "error"
        row("error", f"{code}: {said}", "bold")
        row("what to do", fix)
    if job.result_files:
        row("result files", ", ".join(job.result_files) + "  (4 shows, d downloads)")
    best = state.best_checkpoint()
    if best is not None:
        row("best checkpoint", f"step {best.step_number:,}: {best.fine_tuned_model_checkpoint}")
    if state.events_seen:
        more = "" if state.history_complete else " (older ones load while shown)"
        row("events", f"{state.events_seen:,} fetched{more}")
    return out
