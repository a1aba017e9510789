"""Pydantic models of chat completions — the request, the whole reply, the stream's chunks —
shaped by the official OpenAPI spec (`CreateChatCompletionRequest`, …)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from tui.api.schemas import RequestBody, Tolerant, Usage
from tui.api.values import Moment

# --- chat request ------------------------------------------------------------------------

Role = Literal["developer", "system", "user", "assistant", "tool"]


class ChatMessage(RequestBody):
    """One entry of `messages`: text, or a list of content parts (text, image_url)."""

    role: Role
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None


class StreamOptions(RequestBody):
    """`ChatCompletionStreamOptions`."""

    include_usage: bool | None = None


class ChatCompletionRequest(RequestBody):
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


# --- chat response -----------------------------------------------------------------------


class FunctionCall(Tolerant):
    """A function name and its JSON arguments."""

    name: str = ""
    arguments: str = ""


class ToolCall(Tolerant):
    """`ChatCompletionMessageToolCall`."""

    id: str
    type: str = "function"
    function: FunctionCall


class AssistantMessage(Tolerant):
    """`ChatCompletionResponseMessage`."""

    role: str = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCall] | None = None


class Choice(Tolerant):
    """One choice of a non-streamed completion."""

    index: int = 0
    message: AssistantMessage
    finish_reason: str | None = None


class ChatCompletion(Tolerant):
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


class FunctionCallDelta(Tolerant):
    """Part of a tool call's function name or arguments."""

    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(Tolerant):
    """`ChatCompletionMessageToolCallChunk`."""

    index: int
    id: str | None = None
    type: str | None = None
    function: FunctionCallDelta | None = None


class ChunkDelta(Tolerant):
    """`ChatCompletionStreamResponseDelta`."""

    role: str | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ToolCallDelta] | None = None


class ChunkChoice(Tolerant):
    """One choice of a stream chunk."""

    index: int = 0
    delta: ChunkDelta = Field(default_factory=ChunkDelta)
    finish_reason: str | None = None


class ChatCompletionChunk(Tolerant):
    """`CreateChatCompletionStreamResponse`: one server-sent event of a chat stream."""

    id: str = ""
    object: str = "chat.completion.chunk"
    created: Moment = 0
    model: str = ""
    choices: list[ChunkChoice] = Field(default_factory=list)
    usage: Usage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
