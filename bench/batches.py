"""Batches at scale, each beside a floor measured in the same run:

- results of 50,000 requests (a 50,000-line output file of chat completions, and its input
  file): from the viewer opening to its first rows on screen, and to every row joined with
  its input; one keystroke of filtering (median and worst); the process's memory then,
  beside its memory with the files in the simulator before the viewer opened. Floors: plain
  httpx streaming the same output file to its first line and to its end; a plain scan of
  the same rows' text for the same needle.
- the input check of a large file (the 200 MB limit; 50 MB with --quick), 50,000 requests
  of about 4 KB: MB/s, and the peak memory of a process that only runs the check, beside a
  process that only reads the file line by line with `json.loads` (the floor).
- 20 batches watched in the background for 20-30 s: CPU share of a core, beside plain httpx
  making the same requests.

    python bench/batches.py [--quick] [--results-only]   # the last stdout line is JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import median

from tui.areas.batches.sim.engine import Timing
from tui.areas.batches.sim.routes import chat_lines, jsonl, make_batch, parse_create
from tui.sim.app import SimConfig
from tui.sim.files import add_file
from tui.sim.server import SimServer

RESULTS = 50_000


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def rss_mib() -> float:
    """Peak resident memory of this process so far, MiB (VmHWM: ru_maxrss would count the
    parent's, which Linux carries across exec)."""
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM:"))
    return int(peak.split()[1]) / 1024


def output_lines(count: int) -> bytes:
    """`count` output lines as OpenAI writes them: a chat completion each."""
    out = []
    for n in range(count):
        body = {
            "id": f"chatcmpl-{n}",
            "object": "chat.completion",
            "created": 1_780_000_000,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": f"Reply {n}: the printer on floor {n % 9} needs a new "
                        "fuser; a ticket was opened with facilities. " * 3,
                    },
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 40 + n % 17, "completion_tokens": 60, "total_tokens": 100},
        }
        line = {
            "id": f"batch_req_{n:06d}",
            "custom_id": f"ticket-{n:06d}",
            "response": {"status_code": 200, "request_id": f"req_{n}", "body": body},
            "error": None,
        }
        out.append(json.dumps(line))
    return ("\n".join(out) + "\n").encode()


@contextmanager
def results_server() -> Iterator[tuple[str, Any]]:
    """A simulator holding a finished batch of RESULTS requests, in a process of its own
    (so this one's memory is the viewer's): (base URL, the batch)."""
    from tui.areas.batches.api.schemas import Batch

    with child("--serve-results") as told:
        yield told["base"], Batch.model_validate(told["batch"])


def serve_results() -> None:
    """The child of `results_server`: serve until the parent goes."""
    with SimServer(SimConfig(seed=9)) as server:
        state = server.state
        rows = chat_lines(RESULTS)
        for n, row in enumerate(rows):
            row["custom_id"] = f"ticket-{n:06d}"
        input_id = add_file(state, "in.jsonl", jsonl(rows), created_at=0, purpose="batch")
        output_id = add_file(
            state, "out.jsonl", output_lines(RESULTS), created_at=0, purpose="batch_output"
        )
        batch = {
            "id": "batch_bench",
            "endpoint": "/v1/chat/completions",
            "input_file_id": input_id,
            "output_file_id": output_id,
            "completion_window": "24h",
            "status": "completed",
            "created_at": 1_780_000_000,
            "metadata": {"description": "bench"},
        }
        print(json.dumps({"base": server.base_url, "batch": batch}), flush=True)
        sys.stdin.read()  # until the parent closes it (or is gone)


async def waited(condition: Any, what: str, step: float = 0.01, seconds: float = 120) -> None:
    """Wait for `condition()`; a wait that runs out ends the bench, naming `what`."""
    for _ in range(int(seconds / step)):
        if condition():
            return
        await asyncio.sleep(step)
    raise SystemExit(f"bench/batches.py: no {what} after {seconds:g} s")


async def results_viewer(base: str, batch: Any, repeats: int) -> dict[str, Any]:
    from tui.app import LoomApp
    from tui.areas.batches.screens.results import ResultsScreen
    from tui.config import Settings
    from tui.widgets.row_table import RowTable

    before_mib = rss_mib()
    settings = Settings(base_url=base, api_key="sk-bench", max_retries=0)
    app = LoomApp(settings, mode="batches")
    result: dict[str, Any] = {"results": RESULTS}
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        firsts, wholes = [], []
        screen: Any = None
        for _ in range(repeats):
            begin = time.perf_counter()
            screen = ResultsScreen(batch)
            await app.push_screen(screen)
            table = screen.query_one(RowTable)
            await waited(lambda t=table: bool(t.rows), "the first rows", 0.002)
            for y in range(table.size.height):
                table.render_line(y)
            firsts.append(time.perf_counter() - begin)
            await waited(lambda s=screen: s.complete and s.inputs is not None, "every row")
            wholes.append(time.perf_counter() - begin)
            if len(wholes) == 1:
                result["results_rss_mib"] = round(rss_mib(), 1)  # one viewer, every row in
            assert len(screen.rows) == RESULTS and screen.rows[-1].line == RESULTS
            if len(firsts) < repeats:
                app.pop_screen()
                await pilot.pause(0.1)
        result["results_first_rows_s"] = round(median(firsts), 3)
        result["results_all_joined_s"] = round(median(wholes), 3)
        keys = []
        needles = ["t", "ti", "tic", "tick", "ticket-00", "ticket-0001", "ticket-00012", "fuser"]
        for needle in needles:
            begin = time.perf_counter()
            screen.needle = needle
            screen._fill()
            for y in range(table.size.height):
                table.render_line(y)
            keys.append(time.perf_counter() - begin)
            await pilot.pause()
        result["results_filter_key_ms"] = round(median(keys) * 1000, 2)
        result["results_filter_key_worst_ms"] = round(max(keys) * 1000, 2)
        result["results_filter_keys_ms"] = {
            n: round(k * 1000, 1) for n, k in zip(needles, keys, strict=True)
        }
        floors = []
        for needle in needles:
            begin = time.perf_counter()
            [r for r in screen.rows if needle in r.haystack()]
            floors.append(time.perf_counter() - begin)
        result["floor_results_scan_ms"] = round(max(floors) * 1000, 2)
    result["results_rss_after_repeats_mib"] = round(rss_mib(), 1)
    result["floor_results_rss_before_viewer_mib"] = round(before_mib, 1)
    return result


async def streamed_floor(base: str, batch: Any) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(headers={"Authorization": "Bearer sk-bench"}) as raw:
        firsts, wholes = [], []
        for _ in range(3):
            begin = time.perf_counter()
            first = None
            url = f"{base}/files/{batch.output_file_id}/content"
            async with raw.stream("GET", url) as response:
                async for _line in response.aiter_lines():
                    if first is None:
                        first = time.perf_counter() - begin
            firsts.append(first or 0.0)
            wholes.append(time.perf_counter() - begin)
    return {
        "floor_results_httpx_first_line_s": round(median(firsts), 3),
        "floor_results_httpx_whole_s": round(median(wholes), 3),
    }


CHECK = """
import json, sys, time
from pathlib import Path
path = Path(sys.argv[1])
start = time.perf_counter()
if sys.argv[2] == "check":
    from tui.areas.batches.core.check import check_file
    report = check_file(path)
    assert report.ok, report.problems[:3]
else:
    with path.open("rb") as file:
        for line in file:
            json.loads(line)
took = time.perf_counter() - start
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"s": took, "rss": int(peak.split()[1]) / 1024}))
"""


def big_input(folder: Path, megabytes: int) -> Path:
    """A batch input of about `megabytes` MB: requests of ~4 KB (a long ticket each)."""
    path = folder / "big.jsonl"
    count = min(50_000, megabytes * 1024 * 1024 // 4096)
    ticket = "The customer writes: the printer on floor 3 jams daily and the tray clicks. " * 50
    with path.open("w") as out:
        for n in range(count):
            row = chat_lines(1, start=n)[0]
            row["custom_id"] = f"ticket-{n:06d}"
            row["body"]["messages"][1]["content"] = f"{n}: {ticket}"
            out.write(json.dumps(row) + "\n")
    return path


def check_speed(megabytes: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="loom-bench-batches-"))
    path = big_input(folder, megabytes)
    size = path.stat().st_size / 1e6

    def run(kind: str) -> dict[str, float]:
        done = subprocess.run(
            [sys.executable, "-c", CHECK, str(path), kind],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
        return figures

    checks = [run("check") for _ in range(3)]
    floors = [run("floor") for _ in range(3)]
    path.unlink()
    return {
        "check_file_mb": round(size, 1),
        "check_mb_per_s": round(size / median([c["s"] for c in checks]), 1),
        "check_peak_rss_mib": round(median([c["rss"] for c in checks]), 1),
        "floor_check_json_mb_per_s": round(size / median([f["s"] for f in floors]), 1),
        "floor_check_json_peak_rss_mib": round(median([f["rss"] for f in floors]), 1),
    }


def serve_watched() -> None:
    """A child process: a simulator with 20 batches of 200 lines, one line a second each
    (its work — answering the lines — is not Loom's, so it runs apart)."""
    slow = Timing(validating=1, per_request=1.0, finalizing=5, cancelling=5)
    with SimServer(SimConfig(seed=10, timing={"batches": slow})) as server:
        state = server.state
        ids = []
        for n in range(20):
            file_id = add_file(
                state, f"w{n}.jsonl", jsonl(chat_lines(200)), created_at=0, purpose="batch"
            )
            parsed = parse_create(
                {
                    "input_file_id": file_id,
                    "endpoint": "/v1/chat/completions",
                    "completion_window": "24h",
                },
                state,
            )
            ids.append(make_batch(state, parsed, authorization="Bearer sk-bench").id)
        print(json.dumps({"base": server.base_url, "ids": ids}), flush=True)
        sys.stdin.read()


@contextmanager
def child(flag: str) -> Iterator[dict[str, Any]]:
    """This script run with `flag` as a server of its own: what it printed first."""
    process = subprocess.Popen(
        [sys.executable, __file__, flag],
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())
    finally:
        process.kill()
        process.wait()


async def watched(seconds: float) -> dict[str, Any]:
    import httpx

    from tui.api.client import OpenAIClient
    from tui.areas.batches.api.resource import BatchesResource
    from tui.areas.batches.core.follower import BatchFollower
    from tui.core.supervisor import Supervisor
    from tui.core.watcher import Watcher

    with child("--serve-watched") as told:
        base, ids = told["base"], told["ids"]
        async with OpenAIClient(base_url=base, api_key="sk-bench") as client:
            batches = BatchesResource(client)

            async def source() -> BatchesResource:
                return batches

            followers = [BatchFollower(source, batch_id) for batch_id in ids]
            await asyncio.gather(*(f.poll() for f in followers))
            watcher = Watcher(supervisor=Supervisor(), server=lambda: base)
            before = len(client.request_log)
            cpu, wall = time.process_time(), time.perf_counter()
            for follower in followers:
                watcher.follow(follower)
            await asyncio.sleep(seconds)
            share = (time.process_time() - cpu) / (time.perf_counter() - wall)
            made = len(client.request_log) - before
            watcher.stop_all()
        async with httpx.AsyncClient(headers={"Authorization": "Bearer sk-bench"}) as raw:
            gap = seconds / max(1, made)
            cpu, wall = time.process_time(), time.perf_counter()
            for n in range(max(1, made)):
                await raw.get(f"{base}/batches/{ids[n % len(ids)]}")
                await asyncio.sleep(gap)
            floor = (time.process_time() - cpu) / (time.perf_counter() - wall)
    return {
        "watched_batches": len(ids),
        "watched_seconds": seconds,
        "watched_requests": made,
        "watched_cpu_share": round(share, 4),
        "floor_watched_httpx_cpu_share": round(floor, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--results-only", action="store_true", help="only the results viewer")
    parser.add_argument("--serve-results", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-watched", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_results:
        serve_results()
        return
    if args.serve_watched:
        serve_watched()
        return
    with results_server() as (base, batch):
        floor = asyncio.run(streamed_floor(base, batch))
        log("results floor:", json.dumps(floor))
        viewer = asyncio.run(results_viewer(base, batch, 3))
        log("results viewer:", json.dumps(viewer))
    if args.results_only:
        print(json.dumps({**viewer, **floor}))
        return
    checking = check_speed(50 if args.quick else 200)
    log("check:", json.dumps(checking))
    watching = asyncio.run(watched(20.0 if args.quick else 30.0))
    log("20 watched:", json.dumps(watching))
    print(json.dumps({**viewer, **floor, **checking, **watching}))


if __name__ == "__main__":
    main()
