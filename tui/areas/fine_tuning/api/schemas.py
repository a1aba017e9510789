"""The fine-tuning API's objects, shaped by the official OpenAPI spec: jobs, their events,
checkpoints and checkpoint permissions. Unknown fields are kept (a newer server, or a
compatible one with its own additions, never breaks parsing)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tui.api.schemas import Tolerant
from tui.api.values import Count, Moment, OptionalCount, OptionalMoment

FINISHED_STATUSES = frozenset({"succeeded", "failed", "cancelled"})
"""Job statuses after which nothing changes any more."""


class JobError(Tolerant):
    """`FineTuningJob.error`: why a job failed."""

    code: str | None = None
    message: str | None = None
    param: str | None = None


class FineTuningJob(Tolerant):
    """`FineTuningJob`. `status` is any word the server sends (`paused` is not in the spec's
    list yet); the method and hyperparameters stay as the server wrote them."""

    id: str
    object: str = "fine_tuning.job"
    created_at: Moment = 0
    model: str = ""
    status: str = ""
    fine_tuned_model: str | None = None
    finished_at: OptionalMoment = None
    estimated_finish: OptionalMoment = None
    error: JobError | None = None
    hyperparameters: dict[str, Any] | None = None
    method: dict[str, Any] | None = None
    organization_id: str | None = None
    result_files: list[str] = Field(default_factory=list)
    trained_tokens: OptionalCount = None
    training_file: str = ""
    validation_file: str | None = None
    integrations: list[dict[str, Any]] | None = None
    seed: int | None = None
    user_provided_suffix: str | None = None
    """Not in the spec's object, though OpenAI sends it: the suffix asked for."""
    metadata: dict[str, str] | None = None

    @property
    def finished(self) -> bool:
        """Whether the job has ended (nothing more will happen to it)."""
        return self.status in FINISHED_STATUSES

    @property
    def method_type(self) -> str:
        """`supervised`, `dpo`, `reinforcement`, or what the server names (supervised when
        it names none: the API's default)."""
        kind = (self.method or {}).get("type")
        return str(kind) if kind else "supervised"

    def method_hyperparameters(self) -> dict[str, Any]:
        """The hyperparameters of the job's method (or the older top-level ones)."""
        method = self.method or {}
        inner = method.get(self.method_type)
        if isinstance(inner, dict) and isinstance(inner.get("hyperparameters"), dict):
            return dict(inner["hyperparameters"])
        return dict(self.hyperparameters or {})


class FineTuningEvent(Tolerant):
    """`FineTuningJobEvent`: a message, or a metrics point (`type` = metrics, `data`)."""

    id: str
    object: str = "fine_tuning.job.event"
    created_at: Moment = 0
    level: str = "info"
    message: str = ""
    type: str | None = None
    data: dict[str, Any] | None = None


class CheckpointMetrics(Tolerant):
    """The metrics of a checkpoint (each may be missing)."""

    step: float | None = None
    train_loss: float | None = None
    train_mean_token_accuracy: float | None = None
    valid_loss: float | None = None
    valid_mean_token_accuracy: float | None = None
    full_valid_loss: float | None = None
    full_valid_mean_token_accuracy: float | None = None


class FineTuningCheckpoint(Tolerant):
    """`FineTuningJobCheckpoint`: a model saved at the end of an epoch."""

    id: str
    object: str = "fine_tuning.job.checkpoint"
    created_at: Moment = 0
    fine_tuned_model_checkpoint: str = ""
    step_number: Count = 0
    metrics: CheckpointMetrics = Field(default_factory=CheckpointMetrics)
    fine_tuning_job_id: str = ""


class CheckpointPermission(Tolerant):
    """`FineTuningCheckpointPermission`: a project that may use a checkpoint."""

    id: str
    object: str = "checkpoint.permission"
    created_at: Moment = 0
    project_id: str = ""
