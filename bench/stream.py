"""Streaming: a reply of N tokens rendered by the real chat screen (headless), against the
bare API client and raw httpx reading the same stream without any UI.

Child modes print one JSON object: `stream.py ui|client|raw URL`. The simulator runs in
its own process (see _common.simulator), so only the reader's CPU is counted here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

from _common import rss_mib

PROMPT = "Benchmark: please write at length."


class StallMeter:
    """The lateness of a 10 ms ticker: how long the event loop could not run it."""

    def __init__(self) -> None:
        self.max_late = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            late = time.perf_counter() - started - 0.01
            self.max_late = max(self.max_late, late)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._tick())

    def stop(self) -> float:
        if self._task is not None:
            self._task.cancel()
        return self.max_late * 1000


async def ui(url: str) -> dict[str, Any]:
    import tempfile

    from tui.app import LoomApp
    from tui.areas.chat.screens import ChatScreen
    from tui.areas.chat.widgets.messages import ReplyView
    from tui.areas.chat.widgets.prompt_input import PromptInput
    from tui.areas.chat.widgets.status_line import StatusLine
    from tui.config import Settings

    settings = Settings(base_url=url, api_key="bench-key", data_dir=tempfile.mkdtemp())
    # LOOM_BENCH_LEDGER=off: the same run without Loom's ledger (its cost, paired).
    settings.ledger = os.environ.get("LOOM_BENCH_LEDGER", "on") != "off"
    app = LoomApp(settings)
    async with app.run_test(size=(100, 30)):
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        await app.services.client()  # connection set up outside the timed part
        prompt = screen.query_one(PromptInput)
        prompt.load_text(PROMPT)
        await asyncio.sleep(0.2)
        meter = StallMeter()
        meter.start()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        prompt.action_submit()
        # Polled without DOM queries and no more often than the stall meter ticks: the
        # harness's own work is not charged to the UI.
        reply: ReplyView | None = None
        while True:
            await asyncio.sleep(0.01)
            if reply is None and screen.query(ReplyView):
                reply = screen.query(ReplyView).last()
            if reply is not None and reply.settled:
                break
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        stall = meter.stop()
        tokens = screen.query_one(StatusLine).completion_tokens or 0
        return {
            "tokens": tokens,
            "chars": len(reply.text),
            "segments": reply.segments,
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "tokens_per_s": round(tokens / wall, 1),
            "cpu_share": round(cpu / wall, 3),
            "max_stall_ms": round(stall, 1),
            "peak_rss_mib": round(rss_mib("VmHWM"), 1),
            "rss_after_mib": round(rss_mib("VmRSS"), 1),
            "error": None if reply.error is None else reply.error.headline,
        }


async def client(url: str) -> dict[str, Any]:
    from tui.api.client import OpenAIClient
    from tui.areas.chat.api.resource import ChatResource
    from tui.areas.chat.api.schemas import ChatCompletionRequest, ChatMessage

    async with OpenAIClient(base_url=url, api_key="bench-key") as api:
        await api.models.list()
        request = ChatCompletionRequest(
            model="gpt-4o-mini", messages=[ChatMessage(role="user", content=PROMPT)]
        )
        cpu0, wall0 = time.process_time(), time.perf_counter()
        async with ChatResource(api).stream(request) as stream:
            async for _ in stream:
                pass
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        chunks = stream.chunks
    return {
        "chunks": chunks,
        "wall_s": round(wall, 3),
        "tokens_per_s": round(chunks / wall, 1),
        "us_per_chunk": round(cpu / chunks * 1e6, 2),
    }


async def raw(url: str) -> dict[str, Any]:
    import httpx

    body = {
        "model": "gpt-4o-mini",
        "stream": True,
        "messages": [{"role": "user", "content": PROMPT}],
    }
    headers = {"Authorization": "Bearer bench-key"}
    async with httpx.AsyncClient(timeout=60) as http:
        await http.get(url + "/models", headers=headers)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        chunks = 0
        async with http.stream("POST", url + "/chat/completions", json=body, headers=headers) as r:
            async for line in r.aiter_lines():
                if line.startswith("data: "):
                    chunks += 1
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
    return {
        "chunks": chunks,
        "wall_s": round(wall, 3),
        "tokens_per_s": round(chunks / wall, 1),
        "us_per_chunk": round(cpu / chunks * 1e6, 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["ui", "client", "raw"])
    parser.add_argument("url")
    args = parser.parse_args()
    runner = {"ui": ui, "client": client, "raw": raw}[args.mode]
    print(json.dumps(asyncio.run(runner(args.url))))
