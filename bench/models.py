"""The model browser with 5,000 models (OpenRouter lists hundreds; an organisation with many
fine-tunes more), in a headless app at 100x30, the data already there:

- first paint: from the list arriving to the rows on screen (rows made, filtered,
  sorted, the visible lines drawn), beside a bare Textual DataTable given the same 5,000
  rows and drawn (the floor);
- one keystroke of filtering: the rows that match picked and drawn, typed letter by
  letter ("g", "gp", "gpt", …), the median and the worst, beside the DataTable cleared
  and refilled with the same matches.

    python bench/models.py   # the last stdout line is a JSON object
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

COUNT = 5000


def catalogue_of(count: int) -> Any:
    from tui.core.catalogue import Catalogue
    from tui.core.model_facts import describe
    from tui.core.pricing import load_prices

    prices = load_prices()
    families = ("gpt-4o", "llama-3.1", "mistral", "qwen2.5", "ft:gpt-4o-mini-2024-07-18:org")
    models = []
    for n in range(count):
        family = families[n % len(families)]
        model_id = f"{family}:{n}:v{n % 7}" if family.startswith("ft:") else f"{family}-{n}"
        extra = {"context_length": 8192 * (1 + n % 16), "pricing": {"prompt": "0.000001"}}
        models.append(
            describe(
                model_id,
                owned_by=f"owner-{n % 30}",
                created=1_700_000_000 + n,
                extra=extra,
                prices=prices,
            )
        )
    return Catalogue(models=models, fetched_at=time.time())


async def measure() -> dict[str, Any]:
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from tui.areas.models.screens.browser import ModelsScreen
    from tui.config import Settings

    catalogue = catalogue_of(COUNT)
    settings = Settings(base_url="http://127.0.0.1:9/v1", api_key="k", max_retries=0)
    from tui.app import LoomApp

    app = LoomApp(settings, mode="models")
    result: dict[str, Any] = {"models": COUNT}

    def drawn(widget: Any) -> None:
        """Draw the lines on screen, as the next frame does."""
        for y in range(widget.size.height):
            widget.render_line(y)

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.5)
        screen = app.screen
        assert isinstance(screen, ModelsScreen)
        from tui.widgets.row_table import RowTable

        table_widget = screen.query_one(RowTable)
        firsts = []
        for _ in range(5):
            begin = time.perf_counter()
            screen._catalogue_changed(catalogue)
            drawn(table_widget)
            firsts.append(time.perf_counter() - begin)
            await pilot.pause()
        result["first_paint_ms"] = round(median(firsts) * 1000, 2)
        keys = []
        for needle in (
            "g",
            "gp",
            "gpt",
            "gpt-",
            "gpt-4",
            "gpt-4o",
            "gpt-4o-1",
            "gpt-4o-12",
            "l",
            "ll",
            "lla",
        ):
            begin = time.perf_counter()
            screen.needle = needle
            screen._filter()
            drawn(table_widget)
            keys.append(time.perf_counter() - begin)
            await pilot.pause()
        result["filter_key_ms"] = round(median(keys) * 1000, 2)
        result["filter_key_worst_ms"] = round(max(keys) * 1000, 2)

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    bare = Bare()
    rows = [(Text(m.id), Text(m.kind.value), Text(m.owned_by)) for m in catalogue.models]
    async with bare.run_test(size=(100, 30)) as pilot:
        table = bare.query_one(DataTable)
        table.add_columns("model", "kind", "owner")
        floors = []
        for _ in range(3):
            table.clear()
            await pilot.pause()
            begin = time.perf_counter()
            table.add_rows(rows)
            drawn(table)
            floors.append(time.perf_counter() - begin)
        result["floor_datatable_first_paint_ms"] = round(median(floors) * 1000, 2)
        refills = []
        for needle in ("g", "gp", "gpt", "l", "ll"):
            begin = time.perf_counter()
            table.clear()
            table.add_rows([r for r in rows if needle in r[0].plain])
            drawn(table)
            refills.append(time.perf_counter() - begin)
            await pilot.pause()
        result["floor_datatable_filter_ms"] = round(median(refills) * 1000, 2)
    return result


def main() -> None:
    result = asyncio.run(measure())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
