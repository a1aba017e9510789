"""Usage at scale, headless: 90 days of hourly buckets for 20 models (about 43,000
points), and Loom's ledger of 1,000,000 requests.

- first chart: the fetched results added up (for every grouping at once) and the chart
  drawn at 100x30, beside drawing the chart alone (the floor: the same bars, no adding);
- switching grouping: the next grouping's chart, already added up, drawn;
- the ledger: 1,000,000 requests over 90 days (a temporary SQLite file), added up by day
  and model from its hourly roll-up, beside a plain SQL scan of the same rows.

    python bench/usage.py [--quick]   # the last stdout line is a JSON object
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median

MODELS = tuple(f"model-{n:02d}" for n in range(20))


def hourly_buckets() -> list[dict[str, Any]]:
    """90 days of 1-hour completions buckets, grouped by every field, as the API gives."""
    from tui.areas.usage.sim.routes import UsageData, answer

    data = UsageData(seed=1, models=MODELS, density=5.0)  # every model, every hour

    class Query(dict[str, Any]):
        def getlist(self, name: str) -> list[Any]:
            value = self.get(name)
            return value if isinstance(value, list) else ([] if value is None else [value])

    end = int(data.now) // 3600 * 3600
    start = end - 90 * 86400
    buckets: list[dict[str, Any]] = []
    page = None
    while True:
        query = Query(
            start_time=start,
            end_time=end,
            bucket_width="1h",
            limit=168,
            group_by=["model", "project_id", "api_key_id", "user_id"],
        )
        if page:
            query["page"] = page
        got = answer(data, "completions", query, end)
        buckets += got["data"]
        page = got["next_page"]
        if not got["has_more"]:
            return buckets


async def charts(repeats: int) -> dict[str, Any]:
    from textual.app import App, ComposeResult

    from tui.areas.usage.core.book import Query, UsageBook
    from tui.config import Settings
    from tui.core.services import Services
    from tui.widgets.bar_chart import BarChart, Stack

    buckets = hourly_buckets()
    points = sum(len(b["results"]) for b in buckets)
    book = UsageBook(Services(Settings(base_url="http://127.0.0.1:9/v1", api_key="k")).context)

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield BarChart()

    result: dict[str, Any] = {"points": points, "buckets": len(buckets)}
    app = One()
    async with app.run_test(size=(100, 30)) as pilot:
        chart = app.query_one(BarChart)

        def draw(dataset: Any) -> None:
            names = list(dataset.totals())[:6]
            stacks = [
                Stack(n, [sum(c) for c in zip(*dataset.values[n], strict=True)]) for n in names
            ]
            chart.show(dataset.starts, stacks)
            chart.render()

        firsts, switches, floors = [], [], []
        for _ in range(repeats):
            kept = [dict(b) for b in buckets]  # a new fetch each time: nothing added up yet
            query = Query(source="org", metric="tokens", days=90, width="1h", group="model")
            begin = time.perf_counter()
            dataset = book._sum(query, kept, complete=True)
            draw(dataset)
            firsts.append(time.perf_counter() - begin)
            await pilot.pause()
            begin = time.perf_counter()
            other = book._sum(
                Query(source="org", metric="tokens", days=90, width="1h", group="project_id"),
                kept,
                complete=True,
            )
            draw(other)
            switches.append(time.perf_counter() - begin)
            begin = time.perf_counter()
            draw(dataset)
            floors.append(time.perf_counter() - begin)
            await pilot.pause()
    result["first_chart_ms"] = round(median(firsts) * 1000, 1)
    result["switch_grouping_ms"] = round(median(switches) * 1000, 2)
    result["floor_chart_draw_ms"] = round(median(floors) * 1000, 2)
    return result


def ledger(count: int) -> dict[str, Any]:
    from tui.store.db import open_store
    from tui.store.ledger import Ledger, LedgerRow

    folder = Path(tempfile.mkdtemp(prefix="loom-bench-ledger-"))
    db = open_store(folder / "loom.sqlite3")
    book = Ledger(db)
    rng = random.Random(2)
    now = time.time()
    start = now - 90 * 86400
    begin = time.perf_counter()
    batch: list[LedgerRow] = []
    for n in range(count):
        at = start + (n / count) * 90 * 86400
        batch.append(
            LedgerRow(
                at,
                "https://api.openai.com/v1",
                "work",
                "POST",
                "/chat/completions",
                MODELS[rng.randrange(20)],
                200,
                None,
                rng.randint(10, 4000),
                rng.randint(10, 800),
                0,
                0.8,
                0.2,
                0.001,
                None,
                None,
                0,
                True,
            )
        )
        if len(batch) == 20000:
            book.add(batch)
            batch = []
    if batch:
        book.add(batch)
    written = time.perf_counter() - begin
    sums, scans = [], []
    for _ in range(3):
        begin = time.perf_counter()
        rows = book.totals(start, now, 86400, "model")
        sums.append(time.perf_counter() - begin)
        begin = time.perf_counter()
        db.execute(
            "SELECT CAST((at - ?) / 86400 AS INTEGER), model, COUNT(*), SUM(prompt_tokens), "
            "SUM(completion_tokens), SUM(cost) FROM ledger WHERE at >= ? GROUP BY 1, 2",
            (start, start),
        ).fetchall()
        scans.append(time.perf_counter() - begin)
    db.close()
    return {
        "ledger_requests": count,
        "ledger_write_s": round(written, 1),
        "ledger_aggregate_s": round(median(sums), 4),
        "ledger_rows_out": len(rows),
        "floor_ledger_scan_s": round(median(scans), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    drawn = asyncio.run(charts(3 if args.quick else 7))
    print("charts:", json.dumps(drawn), file=sys.stderr, flush=True)
    kept = ledger(1_000_000)
    print("ledger:", json.dumps(kept), file=sys.stderr, flush=True)
    print(json.dumps({**drawn, **kept}))


if __name__ == "__main__":
    main()
