"""The chat completions resource: one-shot and streamed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING

import httpx
from pydantic import ValidationError

from tui.api.errors import (
    MalformedResponseError,
    PartialReply,
    RateLimitInfo,
    StreamInterruptedError,
)
from tui.api.observe import RequestRecord
from tui.api.schemas import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, Usage
from tui.api.sse import SSEEvents

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient

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


class ChatStream:
    """An open chat stream; iterate it for chunk models. Keeps what has arrived."""

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
        self.chunks = 0
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.model: str | None = None
        self.completion_id: str | None = None
        self.request_id: str | None = None
        self.rate_limit: RateLimitInfo | None = None
        self.done = False
        self.error: str | None = None
        self._wall = 0.0
        self._started = 0.0
        self._ttfb: float | None = None
        self._attempt = 0

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

    def partial(self) -> PartialReply:
        """What has arrived, for an interrupted-stream error."""
        return PartialReply(text=self.text, refusal=self.refusal, chunks=self.chunks)

    async def __aenter__(self) -> ChatStream:
        response, wall, started, attempt = await self._client.send(
            "POST", PATH, json_body=self._body, stream=True
        )
        self._response = response
        self._wall, self._started, self._attempt = wall, started, attempt
        self._ttfb = time.monotonic() - started
        self.request_id = response.headers.get("x-request-id")
        self.rate_limit = RateLimitInfo.from_headers(response.headers)
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
        self._client.observe(
            RequestRecord(
                method="POST",
                path=PATH,
                status=response.status_code,
                started_at=self._wall,
                latency=time.monotonic() - self._started,
                ttfb=self._ttfb,
                request_id=self.request_id,
                rate_limit=self.rate_limit,
                attempt=self._attempt,
                stream=True,
                error=self.error,
            )
        )

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._iterate()

    def _interrupted(self, message: str) -> StreamInterruptedError:
        self.error = message
        return StreamInterruptedError(
            message, partial=self.partial(), request_id=self.request_id, status=None
        )

    async def _iterate(self) -> AsyncIterator[ChatCompletionChunk]:
        response = self._response
        if response is None:
            raise RuntimeError("use `async with client.chat.stream(...)` before iterating")
        self._events = SSEEvents(response, self._read_gap)
        validate = ChatCompletionChunk.model_validate_json
        clock = time.monotonic
        next_yield = clock() + YIELD_EVERY
        try:
            async for data in self._events.data():
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
                        f"the server sent a malformed chunk after {self.chunks} chunks: "
                        f"{data[:80]!r}"
                    ) from None
                if not chunk.choices and chunk.model_extra and "error" in chunk.model_extra:
                    raise self._interrupted(_stream_error_message(chunk.model_extra["error"]))
                self.chunks += 1
                for choice in chunk.choices:
                    if choice.index != 0:
                        continue
                    delta = choice.delta
                    if delta.content:
                        self._parts.append(delta.content)
                    if delta.refusal:
                        self._refusal.append(delta.refusal)
                    if choice.finish_reason is not None:
                        self.finish_reason = choice.finish_reason
                if chunk.usage is not None:
                    self.usage = chunk.usage
                if self.model is None and chunk.model:
                    self.model = chunk.model
                    self.completion_id = chunk.id
                yield chunk
        except httpx.TimeoutException:
            raise self._interrupted(
                f"the server sent nothing for {self._client.read_timeout:g} s "
                f"after {self.chunks} chunks"
            ) from None
        except httpx.TransportError as exc:
            raise self._interrupted(
                f"the connection broke after {self.chunks} chunks "
                f"({type(exc).__name__}: {exc or 'closed'})"
            ) from None
        if self.finish_reason is None:
            raise self._interrupted(
                f"the stream ended after {self.chunks} chunks before the reply was complete"
            )
        self.done = True


def _stream_error_message(error: object) -> str:
    if isinstance(error, dict):
        return f"the server reported an error mid-stream: {error.get('message') or error}"
    return f"the server reported an error mid-stream: {error}"
