"""Pydantic models of the chat and model resources, shaped by the official OpenAPI spec.

Response models allow unknown fields, so a newer server (or a compatible one with its own
additions) never breaks parsing.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from tui.api.values import Count, Moment, OptionalCount, OptionalMoment


class _Tolerant(BaseModel):
    """Base of response models: unknown fields are kept, not rejected."""

    model_config = ConfigDict(extra="allow")


class _Request(BaseModel):
    """Base of request models: extra parameters pass through to the server."""

    model_config = ConfigDict(extra="allow")


# --- lists -------------------------------------------------------------------------------

Item = TypeVar("Item", bound=BaseModel)


class CursorPage(_Tolerant, Generic[Item]):
    """One page of a list that pages with `after` and `has_more`."""

    object: str = "list"
    data: list[Item] = Field(default_factory=list)
    has_more: bool = False
    first_id: str | None = None
    last_id: str | None = None

    def next_cursor(self) -> str | None:
        """What to send as `after` for the next page: `last_id`, else the last item's id."""
        if self.last_id:
            return self.last_id
        last = self.data[-1] if self.data else None
        value = getattr(last, "id", None)
        return value if isinstance(value, str) else None


# --- errors ------------------------------------------------------------------------------


class ErrorObject(_Tolerant):
    """`Error`: the object inside an error response."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(_Tolerant):
    """`ErrorResponse`: `{"error": {...}}`."""

    error: ErrorObject


# --- files -------------------------------------------------------------------------------


class FileObject(_Tolerant):
    """`OpenAIFile`: a file uploaded for fine-tuning, batches, assistants, vision..."""

    id: str
    object: str = "file"
    bytes: Count = 0
    created_at: Moment = 0
    expires_at: OptionalMoment = None
    filename: str = ""
    purpose: str = ""
    """Any purpose the server names, listed in the spec or not."""
    status: str | None = None
    status_details: str | None = None


class Deleted(_Tolerant):
    """`Delete*Response`: what a DELETE answers."""

    id: str
    object: str = ""
    deleted: bool = False


# --- models ------------------------------------------------------------------------------


class Model(_Tolerant):
    """`Model`: one model the server offers."""

    id: str
    object: str | None = "model"
    created: OptionalMoment = 0
    """0 or None where the server gives no date (or one no clock can show)."""
    owned_by: str | None = ""


class ModelList(_Tolerant):
    """`ListModelsResponse`."""

    object: str = "list"
    data: list[Model]


# --- chat request ------------------------------------------------------------------------

Role = Literal["developer", "system", "user", "assistant", "tool"]


class ChatMessage(_Request):
    """One entry of `messages`: text, or a list of content parts (text, image_url)."""

    role: Role
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None


class StreamOptions(_Request):
    """`ChatCompletionStreamOptions`."""

    include_usage: bool | None = None


class ChatCompletionRequest(_Request):
    """`CreateChatCompletionRequest`: the fields Loom sets; others pass through as extras."""

    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    max_completion_tokens: int | None = None
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    seed: int | None = None
    stop: str | list[str] | None = None
    reasoning_effort: str | None = None
    response_format: dict[str, Any] | None = None
    user: str | None = None

    def to_json_body(self) -> dict[str, Any]:
        """The request body, without unset fields."""
        return self.model_dump(mode="json", exclude_none=True)


# --- usage -------------------------------------------------------------------------------


class PromptTokensDetails(_Tolerant):
    """Breakdown of prompt tokens."""

    cached_tokens: OptionalCount = None
    audio_tokens: OptionalCount = None


class CompletionTokensDetails(_Tolerant):
    """Breakdown of completion tokens."""

    reasoning_tokens: OptionalCount = None
    audio_tokens: OptionalCount = None
    accepted_prediction_tokens: OptionalCount = None
    rejected_prediction_tokens: OptionalCount = None


class Usage(_Tolerant):
    """`CompletionUsage`."""

    prompt_tokens: Count = 0
    completion_tokens: Count = 0
    total_tokens: Count = 0
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None


# --- chat response -----------------------------------------------------------------------


class FunctionCall(_Tolerant):
    """A function name and its JSON arguments."""

    name: str = ""
    arguments: str = ""


class ToolCall(_Tolerant):
    """`ChatCompletionMessageToolCall`."""

    id: str
    type: str = "function"
    function: FunctionCall


class AssistantMessage(_Tolerant):
    """`ChatCompletionResponseMessage`."""

    role: str = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | None = None


class Choice(_Tolerant):
    """One choice of a non-streamed completion."""

    index: int = 0
    message: AssistantMessage
    finish_reason: str | None = None


class ChatCompletion(_Tolerant):
    """`CreateChatCompletionResponse`."""

    id: str
    object: str = "chat.completion"
    created: Moment = 0
    model: str = ""
    choices: list[Choice]
    usage: Usage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None


# --- chat stream -------------------------------------------------------------------------


class FunctionCallDelta(_Tolerant):
    """Part of a tool call's function name or arguments."""

    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(_Tolerant):
    """`ChatCompletionMessageToolCallChunk`."""

    index: int
    id: str | None = None
    type: str | None = None
    function: FunctionCallDelta | None = None


class ChunkDelta(_Tolerant):
    """`ChatCompletionStreamResponseDelta`."""

    role: str | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCallDelta] | None = None


class ChunkChoice(_Tolerant):
    """One choice of a stream chunk."""

    index: int = 0
    delta: ChunkDelta = Field(default_factory=ChunkDelta)
    finish_reason: str | None = None


class ChatCompletionChunk(_Tolerant):
    """`CreateChatCompletionStreamResponse`: one server-sent event of a chat stream."""

    id: str = ""
    object: str = "chat.completion.chunk"
    created: Moment = 0
    model: str = ""
    choices: list[ChunkChoice] = Field(default_factory=list)
    usage: Usage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None


# --- fine-tuning -------------------------------------------------------------------------

FINISHED_STATUSES = frozenset({"succeeded", "failed", "cancelled"})
"""Job statuses after which nothing changes any more."""


class JobError(_Tolerant):
    """`FineTuningJob.error`: why a job failed."""

    code: str | None = None
    message: str | None = None
    param: str | None = None


class FineTuningJob(_Tolerant):
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


class FineTuningEvent(_Tolerant):
    """`FineTuningJobEvent`: a message, or a metrics point (`type` = metrics, `data`)."""

    id: str
    object: str = "fine_tuning.job.event"
    created_at: Moment = 0
    level: str = "info"
    message: str = ""
    type: str | None = None
    data: dict[str, Any] | None = None


class CheckpointMetrics(_Tolerant):
    """The metrics of a checkpoint (each may be missing)."""

    step: float | None = None
    train_loss: float | None = None
    train_mean_token_accuracy: float | None = None
    valid_loss: float | None = None
    valid_mean_token_accuracy: float | None = None
    full_valid_loss: float | None = None
    full_valid_mean_token_accuracy: float | None = None


class FineTuningCheckpoint(_Tolerant):
    """`FineTuningJobCheckpoint`: a model saved at the end of an epoch."""

    id: str
    object: str = "fine_tuning.job.checkpoint"
    created_at: Moment = 0
    fine_tuned_model_checkpoint: str = ""
    step_number: Count = 0
    metrics: CheckpointMetrics = Field(default_factory=CheckpointMetrics)
    fine_tuning_job_id: str = ""


class CheckpointPermission(_Tolerant):
    """`FineTuningCheckpointPermission`: a project that may use a checkpoint."""

    id: str
    object: str = "checkpoint.permission"
    created_at: Moment = 0
    project_id: str = ""


# --- uploads -----------------------------------------------------------------------------


class Upload(_Tolerant):
    """`Upload`: a file sent in parts; `file` is the file made once it is complete."""

    id: str
    object: str = "upload"
    created_at: Moment = 0
    filename: str = ""
    bytes: Count = 0
    purpose: str = ""
    status: str = ""
    expires_at: OptionalMoment = None
    file: FileObject | None = None


class UploadPart(_Tolerant):
    """`UploadPart`: one part of an upload."""

    id: str
    object: str = "upload.part"
    created_at: Moment = 0
    upload_id: str = ""


# --- organisation usage and costs ------------------------------------------------------


class UsageBucket(_Tolerant):
    """`UsageTimeBucket`: one stretch of time and what was used in it, per group. The
    results stay as the server wrote them (each kind of usage has its own fields)."""

    object: str = "bucket"
    start_time: Moment
    end_time: Moment
    results: list[dict[str, Any]] = Field(default_factory=list)


class UsagePage(_Tolerant):
    """`UsageResponse`: a page of buckets; `next_page` goes on."""

    object: str = "page"
    data: list[UsageBucket] = Field(default_factory=list)
    has_more: bool = False
    next_page: str | None = None
