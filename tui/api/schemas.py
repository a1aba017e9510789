"""Pydantic models of the chat and model resources, shaped by the official OpenAPI spec.

Response models allow unknown fields, so a newer server (or a compatible one with its own
additions) never breaks parsing.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field


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
    bytes: int = 0
    created_at: int = 0
    expires_at: int | None = None
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
    object: str = "model"
    created: int = 0
    owned_by: str = ""


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

    cached_tokens: int | None = None
    audio_tokens: int | None = None


class CompletionTokensDetails(_Tolerant):
    """Breakdown of completion tokens."""

    reasoning_tokens: int | None = None
    audio_tokens: int | None = None
    accepted_prediction_tokens: int | None = None
    rejected_prediction_tokens: int | None = None


class Usage(_Tolerant):
    """`CompletionUsage`."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
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
    created: int = 0
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
    created: int = 0
    model: str = ""
    choices: list[ChunkChoice] = Field(default_factory=list)
    usage: Usage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
