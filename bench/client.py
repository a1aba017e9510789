"""The API layer's own cost per chunk: parsing a recorded 20,000-chunk SSE body into chunk
models, with no network in the way, against raw httpx splitting the same body into lines.

Over loopback the wake-up per network read dominates and varies run to run on a shared
machine (see stream.py's `client` and `raw` figures); this isolates what Loom's code adds.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import AsyncIterator

import httpx

from tui.api.client import OpenAIClient
from tui.areas.chat.api.resource import ChatResource
from tui.areas.chat.api.schemas import ChatCompletionRequest, ChatMessage
from tui.areas.chat.sim.routes import stream_events
from tui.sim.reply import compose_reply, tokenize


async def recorded_body(tokens: int) -> list[bytes]:
    """The simulator's SSE body for a reply of `tokens` tokens, one part per event."""
    pieces = tokenize(compose_reply("bench", seed=1, min_tokens=tokens))
    events = stream_events(
        completion_id="chatcmpl-bench",
        created=0,
        model="gpt-4o-mini",
        tokens=pieces,
        finish="stop",
        usage=None,
        include_usage=False,
        fault=None,
        tokens_per_second=0,
    )
    return [part async for part in events]


class Replay(httpx.AsyncByteStream):
    """A response body replayed part by part."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            yield part


async def measure(tokens: int = 20000, repeats: int = 5) -> dict[str, float]:
    parts = await recorded_body(tokens)
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=Replay(parts)
        )
    )
    request = ChatCompletionRequest(
        model="gpt-4o-mini", messages=[ChatMessage(role="user", content="bench")]
    )
    client_us, raw_us = [], []
    async with OpenAIClient(base_url="http://bench/v1", api_key="k", transport=transport) as api:
        for _ in range(repeats):
            cpu = time.process_time()
            async with ChatResource(api).stream(request) as stream:
                async for _ in stream:
                    pass
            client_us.append((time.process_time() - cpu) / stream.chunks * 1e6)
    async with httpx.AsyncClient(transport=transport) as http:
        for _ in range(repeats):
            cpu = time.process_time()
            count = 0
            async with http.stream("POST", "http://bench/v1/chat/completions") as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        count += 1
            raw_us.append((time.process_time() - cpu) / count * 1e6)
    return {
        "client_us_per_chunk": round(statistics.median(client_us), 2),
        "raw_lines_us_per_chunk": round(statistics.median(raw_us), 2),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(measure())))
