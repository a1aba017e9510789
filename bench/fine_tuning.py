"""Fine-tuning at scale: a job with 50,000 events, its chart, and 20 jobs watched at once.

- A job of 50,000 events (a simulator in its own process): the first poll (job, first
  page of events, checkpoints) that puts a useful screen up, beside one plain GET of the
  job with httpx (the floor); a poll when nothing is new; and the whole history fetched
  backwards, for the record.
- The chart with 50,000 points: one redraw of the LineChart at 100x30 in a headless app,
  beside drawing the same number of cells of plain text (the floor), and the cost of one
  more point.
- 20 running jobs watched in the background at their polling rate for 30 s (20 in the
  quick run): this process's CPU share, beside plain httpx making the same requests.

    python bench/fine_tuning.py [--quick]      # the last stdout line is a JSON object
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, ROOT, median

SERVER = r"""
import sys, time
from tui.sim.app import SimConfig
from tui.areas.fine_tuning.sim.routes import add_file, make_job, parse_job_request, training_jsonl
from tui.areas.fine_tuning.sim.jobs import Timing
from tui.sim.server import SimServer

server = SimServer(SimConfig(seed=1)).start()
state = server.state
now = time.time()
big_file = add_file(state, "big.jsonl", training_jsonl(200), created_at=now)
request = parse_job_request({"model": "gpt-4o-mini", "training_file": big_file,
    "method": {"type": "supervised", "supervised": {"hyperparameters":
        {"n_epochs": 50, "batch_size": 1}}}}, state)
# 200 examples x 50 epochs = 10,000 steps ... made 50,000 with the step count below.
big = make_job(state, request, created_at=now - 10**6, timing=Timing(0, 0, 1))
big.examples = 1000  # 1,000 steps an epoch, 50 epochs: 50,000 metrics events
state.fine_tuning.job(big.id)  # make its events now, not in the first timed request
running = []
for n in range(20):
    f = add_file(state, f"r{n}.jsonl", training_jsonl(100), created_at=now)
    r = parse_job_request({"model": "gpt-4o-mini", "training_file": f}, state)
    running.append(make_job(state, r, created_at=now - 30, timing=Timing(1, 1, 2)).id)
print(server.base_url, big.id, ",".join(running), flush=True)
sys.stdin.read()
"""


@contextmanager
def ft_server() -> Iterator[tuple[str, str, list[str]]]:
    proc = subprocess.Popen(
        [PYTHON, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert proc.stdout is not None
        base, big, running = proc.stdout.readline().split()
        yield base, big, running.split(",")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


async def big_job(base: str, job_id: str, repeats: int) -> dict[str, Any]:
    import httpx

    from tui.api.client import OpenAIClient
    from tui.areas.fine_tuning.api.resource import FineTuningResource
    from tui.areas.fine_tuning.core.follower import JobFollower

    firsts, floors, again, requests_again = [], [], [], []
    async with (
        OpenAIClient(base_url=base, api_key="sk-bench") as client,
        httpx.AsyncClient(headers={"Authorization": "Bearer sk-bench"}) as raw,
    ):
        resource = FineTuningResource(client)

        async def source() -> FineTuningResource:
            return resource

        for _ in range(repeats):
            start = time.perf_counter()
            await raw.get(f"{base}/fine_tuning/jobs/{job_id}")
            floors.append(time.perf_counter() - start)
            follower = JobFollower(source, job_id)
            start = time.perf_counter()
            await follower.poll()
            firsts.append(time.perf_counter() - start)
            before = len(client.request_log)
            start = time.perf_counter()
            await follower.poll()
            again.append(time.perf_counter() - start)
            requests_again.append(len(client.request_log) - before)
        follower = JobFollower(source, job_id)
        await follower.poll()
        start = time.perf_counter()
        pages = 0
        while await follower.fetch_older():
            pages += 1
        history = time.perf_counter() - start
        state = follower.state
    return {
        "events": state.events_seen,
        "first_poll_s": median(firsts),
        "floor_one_get_s": median(floors),
        "poll_nothing_new_s": median(again),
        "poll_nothing_new_requests": max(requests_again),
        "history_s": round(history, 3),
        "history_pages": pages + 1,
        "history_points": len(state.metrics["train_loss"]),
    }


def chart(points: int, repeats: int) -> dict[str, Any]:
    import random

    from rich.console import Console
    from rich.text import Text
    from textual.app import App, ComposeResult

    from tui.core.series import Series
    from tui.widgets.line_chart import Line, LineChart

    series = [Series(), Series()]
    rng = random.Random(1)
    start = time.perf_counter()
    for step in range(points):
        series[0].add(step, 2 * 0.9999**step + rng.random() * 0.1)
        if step % 5 == 0:
            series[1].add(step, 2.1 * 0.9999**step + rng.random() * 0.1)
    per_point_us = (time.perf_counter() - start) / (points * 1.2) * 1e6
    result: dict[str, Any] = {}

    class ChartApp(App[None]):
        def compose(self) -> ComposeResult:
            yield LineChart(id="chart")

    async def run() -> None:
        app = ChartApp()
        async with app.run_test(size=(100, 30)) as pilot:
            widget = app.query_one(LineChart)
            widget.set_lines(
                [Line("a", "train", series[0], "T"), Line("b", "valid", series[1], "V")]
            )
            await pilot.pause()
            console = Console(width=100, file=io.StringIO(), color_system="truecolor")
            draws, floors = [], []
            for _ in range(repeats):
                series[0].add(series[0].xs[-1] + 1, 0.5)  # one more point: a redraw
                begin = time.perf_counter()
                drawn = widget.render()
                lines = list(console.render_lines(drawn, console.options.update_width(99)))
                draws.append(time.perf_counter() - begin)
                text = Text(("⣿" * 99 + "\n") * 30)
                begin = time.perf_counter()
                list(console.render_lines(text, console.options.update_width(99)))
                floors.append(time.perf_counter() - begin)
            result["chart_redraw_ms"] = round(median(draws) * 1000, 2)
            result["floor_text_redraw_ms"] = round(median(floors) * 1000, 2)
            result["chart_rows"] = len(lines)

    asyncio.run(run())
    result["chart_points"] = points
    result["chart_add_point_us"] = round(per_point_us, 2)
    return result


async def watched(base: str, jobs: list[str], seconds: float) -> dict[str, Any]:
    import httpx

    from tui.api.client import OpenAIClient
    from tui.areas.fine_tuning.api.resource import FineTuningResource
    from tui.areas.fine_tuning.core.follower import JobFollower
    from tui.core.supervisor import Supervisor
    from tui.core.watcher import Watcher

    async with OpenAIClient(base_url=base, api_key="sk-bench") as client:
        resource = FineTuningResource(client)

        async def source() -> FineTuningResource:
            return resource

        # In the background, as the app follows them: the shared watcher's loops.
        followers = [JobFollower(source, job) for job in jobs]
        await asyncio.gather(*(f.poll() for f in followers))  # the first page, before timing
        watcher = Watcher(supervisor=Supervisor(), server=lambda: base)
        before_requests = len(client.request_log)
        cpu, wall = time.process_time(), time.perf_counter()
        for follower in followers:
            watcher.follow(follower)
        await asyncio.sleep(seconds)
        share = (time.process_time() - cpu) / (time.perf_counter() - wall)
        made = len(client.request_log) - before_requests
        watcher.stop_all()
    # The floor: plain httpx, the same number of requests over the same time.
    async with httpx.AsyncClient(headers={"Authorization": "Bearer sk-bench"}) as raw:
        gap = seconds / max(1, made // 2)
        cpu, wall = time.process_time(), time.perf_counter()
        for n in range(max(1, made // 2)):
            job = jobs[n % len(jobs)]
            await raw.get(f"{base}/fine_tuning/jobs/{job}")
            await raw.get(f"{base}/fine_tuning/jobs/{job}/events", params={"limit": 100})
            await asyncio.sleep(gap)
        floor = (time.process_time() - cpu) / (time.perf_counter() - wall)
    return {
        "watched_jobs": len(jobs),
        "watched_seconds": seconds,
        "watched_requests": made,
        "watched_cpu_share": round(share, 4),
        "floor_watched_httpx_cpu_share": round(floor, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats = 3 if args.quick else 5
    with ft_server() as (base, big, running):
        events = asyncio.run(big_job(base, big, repeats))
        log("50,000 events:", json.dumps(events))
        watching = asyncio.run(watched(base, running, 20.0 if args.quick else 30.0))
        log("20 watched:", json.dumps(watching))
    drawing = chart(50_000, 10 if args.quick else 30)
    log("chart:", json.dumps(drawing))
    print(json.dumps({**events, **watching, **drawing}))


if __name__ == "__main__":
    main()
