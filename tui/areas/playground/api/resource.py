"""`POST /embeddings`, `POST /moderations` and `POST /completions` (whole, or streamed as
server-sent events), through the shared client: retries, typed errors, the record that
the ledger and the request inspector take."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import ValidationError

from tui.api.errors import MalformedResponseError, PartialReply, StreamInterruptedError
from tui.api.sse import SSEEvents
from tui.areas.playground.api.schemas import Completion, EmbeddingList, Moderation

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient


class PlaygroundResource:
    """The one-shot text endpoints of one client."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    async def embed(self, body: dict[str, Any]) -> EmbeddingList:
        """Vectors for `body["input"]` (a CreateEmbeddingRequest)."""
        found: EmbeddingList = await self._client.request(
            "POST", "/embeddings", json_body=body, model=EmbeddingList
        )
        return found

    async def moderate(self, body: dict[str, Any]) -> Moderation:
        """A verdict per input (a CreateModerationRequest)."""
        found: Moderation = await self._client.request(
            "POST", "/moderations", json_body=body, model=Moderation
        )
        return found

    async def complete(self, body: dict[str, Any]) -> Completion:
        """A whole completion (a CreateCompletionRequest without `stream`)."""
        found: Completion = await self._client.request(
            "POST", "/completions", json_body={**body, "stream": False}, model=Completion
        )
        return found

    async def stream(
        self, body: dict[str, Any], *, read_gap: float = 0.0
    ) -> AsyncIterator[Completion]:
        """A completion's chunks as they arrive (a server that answers with one whole
        completion gives it as one chunk). StreamInterruptedError when the stream breaks,
        with what came; MalformedResponseError when what comes is not a completion."""
        client = self._client
        sent = {**body, "stream": True, "stream_options": {"include_usage": True}}
        exchange = await client.send("POST", "/completions", json_body=sent, stream=True)
        response = exchange.response
        assert response is not None
        error: str | None = None
        texts: list[str] = []
        try:
            kind = response.headers.get("content-type", "")
            if "event-stream" not in kind:
                raw = await response.aread()
                exchange.received(raw)
                try:
                    whole = Completion.model_validate_json(raw)
                except ValidationError as exc:
                    error = f"the reply to POST /completions is not a completion: {raw[:120]!r}"
                    raise MalformedResponseError(
                        error, status=response.status_code, request_id=exchange.request_id
                    ) from exc
                exchange.learn(whole.model_dump())
                yield whole
                return
            events = SSEEvents(response, read_gap).data()
            try:
                async for data in events:
                    if exchange.room > 0:
                        exchange.received(data)
                    if data == "[DONE]":
                        return
                    try:
                        chunk = Completion.model_validate_json(data)
                    except ValidationError:
                        error = f"an event of the stream is not a completion chunk: {data[:120]!r}"
                        raise MalformedResponseError(
                            error, status=response.status_code, request_id=exchange.request_id
                        ) from None
                    if exchange.first_token is None and chunk.choices:
                        exchange.first_token = time.monotonic()
                    if chunk.usage is not None:
                        exchange.usage = chunk.usage.model_dump()
                        exchange.model = chunk.model or exchange.model
                    texts.extend(c.text for c in chunk.choices)
                    yield chunk
            except httpx.HTTPError as exc:
                error = f"the connection broke after {len(texts):,} tokens ({type(exc).__name__})"
                raise StreamInterruptedError(
                    error,
                    partial=PartialReply(text="".join(texts), refusal="", chunks=len(texts)),
                    request_id=exchange.request_id,
                    status=None,
                ) from None
        except BaseException as exc:
            if error is None:
                stopped = isinstance(exc, GeneratorExit | asyncio.CancelledError)
                error = "cancelled" if stopped else (str(exc) or type(exc).__name__)
            raise
        finally:
            await response.aclose()
            client.observe(exchange.record(error=error))
