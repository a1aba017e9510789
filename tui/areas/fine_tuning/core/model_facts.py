"""What fine-tuning knows of a fine-tuned model or checkpoint, for the model browser's
details (`Area.model_facts`): the job that made it, its trained tokens, final metrics and
checkpoints, and `j` to open the job in the cockpit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.context import ModelExtra
from tui.core.text import safe

if TYPE_CHECKING:
    from tui.areas.fine_tuning.core.service import FineTuningService


async def facts_of(service: FineTuningService, model_id: str) -> ModelExtra | None:
    """The job behind `model_id`, if a job of this server made it (None otherwise, or
    when the jobs cannot be listed: the details go on without them)."""
    from tui.api.errors import APIError

    try:
        job, checkpoints = await service.made_model(model_id)
    except APIError:
        return None
    if job is None:
        return None
    rows = [("job", f"{job.id} ({job.status}; j opens it)")]
    if job.trained_tokens:
        rows.append(("trained tokens", f"{job.trained_tokens:,}"))
    lines: list[str] = []
    if checkpoints:
        last = checkpoints[-1].metrics
        figures = [
            f"{name} {value:.4f}"
            for name, value in (
                ("train loss", last.train_loss),
                ("valid loss", last.valid_loss),
                ("full valid loss", last.full_valid_loss),
                ("accuracy", last.full_valid_mean_token_accuracy),
            )
            if value is not None
        ]
        rows.append(("final metrics", " · ".join(figures) or "–"))
        for c in checkpoints:
            m = c.metrics
            loss = m.full_valid_loss if m.full_valid_loss is not None else m.train_loss
            mark = "  ← this one" if c.fine_tuned_model_checkpoint == model_id else ""
            shown = "–" if loss is None else f"{loss:.4f}"
            lines.append(
                f"  step {c.step_number:>6,}  loss {shown}  "
                f"{safe(c.fine_tuned_model_checkpoint)}{mark}"
            )
    return ModelExtra(
        rows=tuple(rows),
        heading="checkpoints" if lines else "",
        lines=tuple(lines),
        opens=("fine-tuning", "open_job", job.id),
    )
