"""The playground at work, each beside a floor measured in the same run:

- 100 texts embedded (text-embedding-3-large, 3,072 numbers each) on the real screen,
  headless: the time from `f2` until the similarity list is drawn, minus the request alone
  (raw httpx posting the same texts and parsing the JSON) — what Loom adds after the reply;
- a completion with `logprobs=5` streamed at 200 tokens/s into the real `loom playground`
  in a pseudo-terminal: its CPU share, and bytes written per byte of text; the floor a plain
  client printing the same stream to the same kind of terminal.

The simulator runs in its own process (`loom demo-server`), so its CPU is not counted.

    python bench/playground.py [--quick]    # the last stdout line is a JSON object
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, median, simulator
from pty_stream import Terminal

TEXTS = [
    f"Ticket {n}: the {['printer', 'loom', 'invoice', 'login'][n % 4]} "
    f"{['jams', 'breaks', 'is late', 'fails'][n % 3]} every {['morning', 'week'][n % 2]}"
    for n in range(100)
]
MODEL = "text-embedding-3-large"
TOKENS = 2000
RATE = 200
F2 = "\x1bOQ"
F3 = "\x1bOR"


async def embed_floor(url: str, repeats: int) -> float:
    """The request alone: raw httpx, the JSON parsed."""
    import httpx

    times = []
    async with httpx.AsyncClient(timeout=60) as client:
        for _ in range(repeats):
            started = time.perf_counter()
            answer = await client.post(
                url + "/embeddings",
                json={"model": MODEL, "input": TEXTS},
                headers={"Authorization": "Bearer sk-bench"},
            )
            json.loads(answer.content)
            times.append(time.perf_counter() - started)
    return median(times)


async def embed_screen(url: str, repeats: int) -> list[float]:
    """From f2 to the drawn similarity of 100 texts, on the real screen (headless)."""
    from tui.app import LoomApp
    from tui.areas.playground.screens.playground import PlaygroundScreen
    from tui.areas.playground.screens.tools import EmbeddingsTool
    from tui.config import Settings

    times = []
    folder = tempfile.mkdtemp(prefix="loom-bench-play-")
    os.environ["LOOM_DATA_DIR"] = folder
    settings = Settings(base_url=url, api_key="sk-bench", max_retries=0)
    app = LoomApp(settings, mode="playground")
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(100):
            if isinstance(app.screen, PlaygroundScreen):
                break
            await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, PlaygroundScreen)
        screen.action_tool("embeddings")
        tool = screen.query_one("#embeddings", EmbeddingsTool)
        tool.set_text("\n".join(TEXTS))
        tool.query_one("#embeddings-model").value = MODEL  # type: ignore[attr-defined]
        for _ in range(repeats + 1):
            tool.embedded = None
            started = time.perf_counter()
            await pilot.press("f2")
            for _ in range(60_000):  # a wait that runs out fails the bench
                if tool.embedded is not None and not screen.busy:
                    break
                await asyncio.sleep(0.001)
            else:
                raise SystemExit("playground bench: the vectors never came")
            await pilot.pause()  # the drawn result reaches the screen
            times.append(time.perf_counter() - started)
            if tool.embedded.dimensions != 3072 or len(tool.embedded.texts) != 100:
                raise SystemExit("playground bench: the vectors are not those asked for")
    return times[1:]  # the first pays for importing numpy


FLOOR_CLIENT = r"""
import sys, httpx, json
url = sys.argv[1]
body = {"model": "gpt-3.5-turbo-instruct", "prompt": "Once upon a time", "stream": True,
        "max_tokens": int(sys.argv[2]), "logprobs": 5}
with httpx.stream("POST", url + "/completions", json=body,
                  headers={"Authorization": "Bearer sk-bench"}, timeout=120) as response:
    for line in response.iter_lines():
        if line.startswith("data: ") and line != "data: [DONE]":
            for choice in json.loads(line[6:])["choices"]:
                if choice["text"]:
                    sys.stdout.write(choice["text"])
                    sys.stdout.flush()
print("\n[end]", flush=True)
"""


def completion_floor(url: str) -> dict[str, Any]:
    term = Terminal.spawn(
        [PYTHON, "-c", FLOOR_CLIENT, url, str(TOKENS)],
        (80, 24),
        {**os.environ, "TERM": "xterm-256color"},
    )
    started = time.monotonic()
    try:
        term.wait_for(b"[end]", 0)
        wall = time.monotonic() - started
        cpu, total = term.cpu_seconds(), term.total
    finally:
        term.close()
    return {"cpu_share": round(cpu / wall, 4), "bytes": total}


def completion_loom(url: str) -> dict[str, Any]:
    """`loom playground` at 80x24: a prompt, f3 to set max_tokens, f2; until [length]."""
    home = tempfile.mkdtemp(prefix="loom-pty-play-")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LOOM_"))},
        "TERM": "xterm-256color",
        "OPENAI_BASE_URL": url,
        "OPENAI_API_KEY": "sk-bench",
        "LOOM_DATA_DIR": f"{home}/data",
        "LOOM_STATE_DIR": f"{home}/state",
        "XDG_CONFIG_HOME": f"{home}/config",
        "LOOM_CONFIG": f"{home}/config.toml",
    }
    Path(env["LOOM_CONFIG"]).write_text("")
    term = Terminal.spawn([PYTHON, "-m", "tui", "playground"], (80, 24), env)
    try:
        term.wait_quiet()
        # Each key is given time to be taken (quiet output alone does not say it was).
        for keys in ("Once upon a time", F3, "\t", "\x15" + str(TOKENS), F2):
            term.type(keys)  # the prompt; f3; Tab to max_tokens; ctrl+u and the number; save
            time.sleep(0.6)
        before, cpu_before, started = term.total, term.cpu_seconds(), time.monotonic()
        term.type(F2)  # sends
        term.wait_for(b"Done:", before, timeout=120)
        term.wait_quiet(0.3)
        wall = time.monotonic() - started
        cpu = term.cpu_seconds() - cpu_before
        written = term.total - before
    finally:
        term.close()
    return {"cpu_share": round(cpu / wall, 4), "bytes": written, "wall_s": round(wall, 2)}


def completion_text_bytes(url: str) -> int:
    import httpx

    answer = httpx.post(
        url + "/completions",
        json={
            "model": "gpt-3.5-turbo-instruct",
            "prompt": "Once upon a time",
            "max_tokens": TOKENS,
        },
        headers={"Authorization": "Bearer sk-bench"},
        timeout=120,
    ).json()
    return len(answer["choices"][0]["text"].encode())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats = 3 if args.quick else 5
    with simulator() as url:
        floor = asyncio.run(embed_floor(url, repeats))
        shown = asyncio.run(embed_screen(url, repeats))
    with simulator(tokens_per_second=RATE) as url:
        text = completion_text_bytes(url)
        looms, floors = [], []
        for _ in range(1 if args.quick else 3):
            floors.append(completion_floor(url))
            looms.append(completion_loom(url))
    print(
        json.dumps(
            {
                "embed_100_screen_s": median(shown),
                "floor_embed_100_request_s": floor,
                "embed_100_after_reply_s": round(median(shown) - floor, 4),
                "completion_logprobs_cpu_share": median([r["cpu_share"] for r in looms]),
                "completion_logprobs_cpu_share_runs": [r["cpu_share"] for r in looms],
                "completion_bytes_per_text_byte": round(
                    median([r["bytes"] for r in looms]) / text, 2
                ),
                "completion_wall_s": median([r["wall_s"] for r in looms]),
                "floor_completion_cpu_share": median([r["cpu_share"] for r in floors]),
                "floor_completion_bytes_per_text_byte": round(
                    median([r["bytes"] for r in floors]) / text, 2
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
