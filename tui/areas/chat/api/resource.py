"""The chat completions resource: one-shot and streamed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

import httpx
from pydantic import ValidationError

from tui.api.errors import (
    MalformedResponseError,
    PartialReply,
    RateLimitInfo,
    StreamInterruptedError,
    html_excerpt,
    looks_like_html,
)
from tui.api.schemas import Usage
from tui.api.sse import SSEEvents
from tui.areas.chat.api.schemas import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChunkChoice,
    ChunkDelta,
    FunctionCallDelta,
    ToolCallDelta,
)

if TYPE_CHECKING:
    from tui.api.client import Exchange, OpenAIClient

PATH = "/chat/completions"
YIELD_EVERY = 0.004
"""Seconds a stream may run on the event loop before it lets other tasks run."""


class ChatResource:
    """`POST /chat/completions`."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    async def create(self, request: ChatCompletionRequest) -> ChatCompletion:
        """A whole completion in one reply."""
        body = request.to_json_body()
        body.pop("stream", None)
        body.pop("stream_options", None)
        payload = await self._client.request_json("POST", PATH, json_body=body)
        try:
            return ChatCompletion.model_validate(payload)
        except ValidationError as exc:
            raise MalformedResponseError(
                f"the completion is not in the expected shape: {exc}"
            ) from exc

    def stream(self, request: ChatCompletionRequest, *, read_gap: float = 0.0) -> ChatStream:
        """A streamed completion: `async with chat.stream(req) as s: async for chunk in s`.

        `read_gap`: read the socket about this often (see `SSEEvents`); a screen that
        repaints a few times a second loses nothing and saves a wake-up per token.
        """
        return ChatStream(self._client, request, read_gap=read_gap)


@dataclass(slots=True)
class ToolCallRecord:
    """A tool the model asked to call: its call id, the function's name, its arguments."""

    id: str
    name: str
    arguments: str


FINISH_GRACE = 1.0
"""Seconds a stream may stay open after its `finish_reason` (for the usage chunk and
`[DONE]`) before the reply is taken as complete anyway: some servers never send `[DONE]`."""
SSE_STARTS = ("data:", ":", "event:", "id:", "retry:")


class ChatStream:
    """An open chat stream; iterate it for chunk models. Keeps what has arrived.

    It copes with servers that differ from the API: one that ignores `stream: true` and
    answers with a whole completion gives that completion as one chunk (`streamed` is then
    False); one that sends a web page or anything else instead of events raises
    MalformedResponseError saying what came; one that finishes but keeps the connection
    open without `[DONE]` ends FINISH_GRACE seconds after the finish.
    """

    def __init__(
        self, client: OpenAIClient, request: ChatCompletionRequest, *, read_gap: float = 0.0
    ) -> None:
        self._client = client
        self._read_gap = read_gap
        self._events: SSEEvents | None = None
        body = request.to_json_body()
        body["stream"] = True
        self._body = body
        self._response: httpx.Response | None = None
        self._parts: list[str] = []
        self._refusal: list[str] = []
        self._calls: dict[int, ToolCallRecord] = {}
        self.chunks = 0
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.model: str | None = None
        self.completion_id: str | None = None
        self.request_id: str | None = None
        self.rate_limit: RateLimitInfo | None = None
        self.done = False
        self.streamed = True
        """False when the server answered with one whole completion instead of a stream."""
        self.error: str | None = None
        self._exchange: Exchange | None = None

    @property
    def text(self) -> str:
        """The content received so far."""
        return "".join(self._parts)

    @property
    def reads(self) -> int:
        """How many socket reads the body took (see SSEEvents)."""
        return self._events.reads if self._events is not None else 0

    @property
    def refusal(self) -> str:
        """The refusal received so far."""
        return "".join(self._refusal)

    @property
    def tool_calls(self) -> list[ToolCallRecord]:
        """The tools the model asked to call so far, in order."""
        return [self._calls[index] for index in sorted(self._calls)]

    def partial(self) -> PartialReply:
        """What has arrived, for an interrupted-stream error."""
        return PartialReply(text=self.text, refusal=self.refusal, chunks=self.chunks)

    async def __aenter__(self) -> ChatStream:
        exchange = await self._client.send("POST", PATH, json_body=self._body, stream=True)
        assert exchange.response is not None
        self._exchange = exchange
        self._response = exchange.response
        self.request_id = exchange.request_id
        self.rate_limit = RateLimitInfo.from_headers(exchange.response.headers)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        response = self._response
        if response is None:
            return
        await response.aclose()
        if exc is not None and self.error is None:
            cancelled = isinstance(exc, asyncio.CancelledError | GeneratorExit)
            self.error = "cancelled" if cancelled else (str(exc) or type(exc).__name__)
        elif exc is None and not self.done and self.error is None:
            self.error = "closed by the caller before the end"
        if self._exchange is not None:
            self._client.observe(self._exchange.record(error=self.error))

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._iterate()

    def _received(self) -> str:
        """What had arrived, in words, for a message about a broken stream."""
        if not self.text and not self.refusal and not self._calls:
            return "before any of the reply arrived"
        return f"after {len(self.text) + len(self.refusal):,} characters of the reply"

    def _interrupted(self, message: str) -> StreamInterruptedError:
        self.error = message
        return StreamInterruptedError(
            message, partial=self.partial(), request_id=self.request_id, status=None
        )

    def _malformed(self, message: str) -> MalformedResponseError:
        self.error = message
        status = self._response.status_code if self._response is not None else None
        return MalformedResponseError(message, status=status, request_id=self.request_id)

    async def _iterate(self) -> AsyncIterator[ChatCompletionChunk]:
        response = self._response
        if response is None:
            raise RuntimeError("use `async with ChatResource(client).stream(...)` before iterating")
        content_type = response.headers.get("content-type", "")
        texts = response.aiter_text()
        try:
            first = await anext(texts, "")
        except httpx.HTTPError as exc:
            raise self._interrupted(
                f"the connection broke {self._received()} ({type(exc).__name__})"
            ) from None
        if "json" in content_type or first.lstrip().startswith("{"):
            chunk = await self._whole_completion(first, texts)
            self._account(chunk)
            self.done = True
            yield chunk
            return
        if "event-stream" not in content_type and not first.lstrip().startswith(SSE_STARTS):
            raise self._malformed(self._not_events(content_type, first))
        async for chunk in self._stream(response, first, texts):
            yield chunk

    async def _stream(
        self, response: httpx.Response, first: str, texts: AsyncIterator[str]
    ) -> AsyncIterator[ChatCompletionChunk]:
        exchange = self._exchange

        async def body() -> AsyncIterator[str]:
            if exchange is not None:
                exchange.received(first)
            yield first
            async for text in texts:
                if exchange is not None and exchange.room > 0:
                    exchange.received(text)  # the events as they came, for the inspector
                yield text

        self._events = SSEEvents(response, self._read_gap, body())
        events = self._events.data()
        validate = ChatCompletionChunk.model_validate_json
        clock = time.monotonic
        next_yield = clock() + YIELD_EVERY
        try:
            while True:
                try:
                    if self.finish_reason is None:
                        data = await anext(events)
                    else:
                        # Finished: what may follow is the usage chunk and [DONE]. A server
                        # that keeps the connection open after that is not waited for.
                        data = await asyncio.wait_for(anext(events), FINISH_GRACE)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    self.done = True
                    return
                if clock() >= next_yield:
                    # Buffered data is read without suspending: give the event loop a turn
                    # so a fast stream never starves the screen that renders it.
                    await asyncio.sleep(0)
                    next_yield = clock() + YIELD_EVERY
                if data == "[DONE]":
                    self.done = True
                    return
                try:
                    chunk = validate(data)
                except ValidationError:
                    raise self._interrupted(
                        f"the server sent a malformed chunk {self._received()}: {data[:80]!r}"
                    ) from None
                if not chunk.choices and chunk.model_extra and "error" in chunk.model_extra:
                    raise self._interrupted(_stream_error_message(chunk.model_extra["error"]))
                self._account(chunk)
                yield chunk
        except httpx.TimeoutException:
            raise self._interrupted(
                f"the server sent nothing for {self._client.read_timeout:g} s {self._received()}"
            ) from None
        except httpx.TransportError as exc:
            raise self._interrupted(
                f"the connection broke {self._received()} ({type(exc).__name__}: {exc or 'closed'})"
            ) from None
        finally:
            await events.aclose()
        if self.finish_reason is None:
            raise self._interrupted(
                f"the stream ended {self._received()}, before the reply was complete"
            )
        self.done = True

    def _account(self, chunk: ChatCompletionChunk) -> None:
        """Keep what a chunk brings: text, refusal, tool calls, finish, usage, model."""
        self.chunks += 1
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            if delta.content:
                if not self._parts and self._exchange is not None:
                    self._exchange.first_token = time.monotonic()
                self._parts.append(delta.content)
            if delta.refusal:
                self._refusal.append(delta.refusal)
            if delta.tool_calls:
                for call in delta.tool_calls:
                    self._add_call(call)
            if choice.finish_reason is not None:
                self.finish_reason = choice.finish_reason
        if chunk.usage is not None:
            self.usage = chunk.usage
            if self._exchange is not None:
                self._exchange.usage = chunk.usage.model_dump()
        if self.model is None and chunk.model:
            self.model = chunk.model
            self.completion_id = chunk.id
            if self._exchange is not None:
                self._exchange.model = chunk.model

    def _add_call(self, call: ToolCallDelta) -> None:
        record = self._calls.get(call.index)
        if record is None:
            record = self._calls[call.index] = ToolCallRecord(call.id or "", "", "")
        if call.id:
            record.id = call.id
        if call.function is not None:
            record.name += call.function.name or ""
            record.arguments += call.function.arguments or ""

    async def _whole_completion(self, first: str, texts: AsyncIterator[str]) -> ChatCompletionChunk:
        """A server that ignored `stream: true`: its completion, as one chunk."""
        self.streamed = False
        parts = [first]
        try:
            async for text in texts:
                parts.append(text)
        except httpx.HTTPError as exc:
            raise self._interrupted(
                f"the connection broke while reading the reply ({type(exc).__name__})"
            ) from None
        body = "".join(parts)
        try:
            completion = ChatCompletion.model_validate_json(body)
        except ValidationError:
            raise self._malformed(
                "the server answered with JSON that is not a chat completion: "
                f"{' '.join(body.split())[:160]!r}"
            ) from None
        choices = [
            ChunkChoice(
                index=choice.index,
                finish_reason=choice.finish_reason or "stop",
                delta=ChunkDelta(
                    role="assistant",
                    content=choice.message.content,
                    refusal=choice.message.refusal,
                    tool_calls=[
                        ToolCallDelta(
                            index=n,
                            id=call.id,
                            type=call.type,
                            function=FunctionCallDelta(
                                name=call.function.name, arguments=call.function.arguments
                            ),
                        )
                        for n, call in enumerate(choice.message.tool_calls or [])
                    ]
                    or None,
                ),
            )
            for choice in completion.choices
        ]
        return ChatCompletionChunk(
            id=completion.id, model=completion.model, choices=choices, usage=completion.usage
        )

    @staticmethod
    def _not_events(content_type: str, first: str) -> str:
        shown = content_type.split(";")[0].strip() or "no content type"
        if looks_like_html(content_type, first):
            what = "a web page: " + html_excerpt(first, 120)
        else:
            what = repr(" ".join(first.split())[:80]) if first.strip() else "an empty body"
        return (
            f"expected a stream of server-sent events but got {shown}, {what}. Check the "
            "base URL (it usually ends in /v1), and any proxy or captive portal on the way"
        )


def _stream_error_message(error: object) -> str:
    if isinstance(error, dict):
        return f"the server reported an error mid-stream: {error.get('message') or error}"
    return f"the server reported an error mid-stream: {error}"
