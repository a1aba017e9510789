"""The organisation console at scale, in a headless app at 80x24 against the simulator:

- an audit log of 100,000 entries: from asking for the log (the console's `5`) to its
  first page on screen; a filter the server applies (`type:… project:…`) to its page on
  screen; the next older page (`m`). Nothing fetches the whole log: each is one request.
  Floor: plain httpx asking the same simulator for the same page and decoding it.
- 1,000 projects listed and filtered per keystroke (typed letter by letter), the median and
  the worst, drawn; floor: a plain scan of the same rows' text.

    python bench/admin.py   # the last stdout line is a JSON object
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import median

ENTRIES = 100_000
PROJECTS = 1_000
ADMIN = "sk-admin-bench-000000000001"


def drawn(widget: Any) -> None:
    """Draw the lines on screen, as the next frame does."""
    for y in range(widget.size.height):
        widget.render_line(y)


async def until(condition: Any, seconds: float = 30.0) -> None:
    end = time.perf_counter() + seconds
    while not condition():
        if time.perf_counter() > end:
            raise SystemExit("bench/admin.py: timed out")
        await asyncio.sleep(0.001)


async def audit_log(sim: Any) -> dict[str, Any]:
    import httpx

    from tui.app import LoomApp
    from tui.areas.admin.core.audit import AuditQuery
    from tui.areas.admin.screens.console import AdminScreen
    from tui.config import Settings

    org = sim.state.admin
    org.grow_log(ENTRIES, since=time.time() - 365 * 86_400)
    result: dict[str, Any] = {"audit_entries": len(org.log)}
    settings = Settings(base_url=sim.base_url, api_key="sk-bench", admin_key=ADMIN)
    app = LoomApp(settings, mode="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        await until(lambda: screen.view is not None)
        await pilot.press("5")
        await until(lambda: bool(screen.entries))
        table = screen._table()
        firsts, filtered, more = [], [], []
        for _ in range(5):
            screen.entries, screen.audit_query = [], AuditQuery()
            begin = time.perf_counter()
            screen.read_audit()
            await until(lambda: bool(screen.entries))
            drawn(table)
            firsts.append(time.perf_counter() - begin)
            begin = time.perf_counter()
            shown = len(screen.entries)
            screen.read_audit(more=True)
            await until(lambda: len(screen.entries) > shown)  # noqa: B023
            drawn(table)
            more.append(time.perf_counter() - begin)
            screen.entries = []
            screen.audit_query = AuditQuery.parse("type:rate_limit.updated project:proj_docs")
            begin = time.perf_counter()
            screen.read_audit()
            await until(lambda: bool(screen.entries))
            drawn(table)
            filtered.append(time.perf_counter() - begin)
            await pilot.pause()
        result["audit_first_page_s"] = round(median(firsts), 4)
        result["audit_next_page_s"] = round(median(more), 4)
        result["audit_filtered_page_s"] = round(median(filtered), 4)
    floors = []
    async with httpx.AsyncClient(base_url=sim.base_url) as client:
        for _ in range(5):
            begin = time.perf_counter()
            reply = await client.get(
                "/organization/audit_logs",
                params={"limit": 100},
                headers={"Authorization": f"Bearer {ADMIN}"},
            )
            json.loads(reply.content)
            floors.append(time.perf_counter() - begin)
    result["floor_audit_httpx_page_s"] = round(median(floors), 4)
    return result


async def projects(sim: Any) -> dict[str, Any]:
    from tui.app import LoomApp
    from tui.areas.admin.screens import sections
    from tui.areas.admin.screens.console import AdminScreen
    from tui.config import Settings

    org = sim.state.admin
    for n in range(PROJECTS):
        org.add_project(f"Team {n:04d} {('north', 'south', 'east', 'west')[n % 4]}", n)
    settings = Settings(base_url=sim.base_url, api_key="sk-bench", admin_key=ADMIN)
    app = LoomApp(settings, mode="admin")
    result: dict[str, Any] = {"projects": len(org.projects)}
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        await until(lambda: screen.view is not None and len(screen.view.projects) > PROJECTS)
        await pilot.pause(0.5)
        table = screen._table()
        keys = []
        for needle in (
            "t",
            "te",
            "tea",
            "team",
            "team ",
            "team 0",
            "team 04",
            "team 042",
            "s",
            "so",
            "sou",
            "south",
            "w",
            "we",
            "wes",
        ):
            begin = time.perf_counter()
            screen.needles["projects"] = needle
            screen._fill()
            drawn(table)
            keys.append(time.perf_counter() - begin)
            await pilot.pause()
        result["projects_filter_key_ms"] = round(median([k * 1000 for k in keys]), 2)
        result["projects_filter_key_worst_ms"] = round(max(keys) * 1000, 2)
        rows = screen.listed["projects"]
        scans = []
        for needle in ("t", "team 0", "south", "wes"):
            begin = time.perf_counter()
            [r for r in rows if needle in r.text]
            scans.append(time.perf_counter() - begin)
        result["floor_projects_scan_ms"] = round(median([t * 1000 for t in scans]), 3)
        result["floor_projects_rows"] = len(rows)
        assert sections.filtered(rows, "team 0420")
    return result


async def measure() -> dict[str, Any]:
    from tui.sim.app import SimConfig
    from tui.sim.server import SimServer

    result: dict[str, Any] = {}
    with SimServer(SimConfig(seed=4)) as sim:
        result.update(await audit_log(sim))
    with SimServer(SimConfig(seed=5)) as sim:
        result.update(await projects(sim))
    return result


def main() -> None:
    print(json.dumps(asyncio.run(measure())))


if __name__ == "__main__":
    main()
