"""A batch's results: a row per request — its custom_id, status, tokens, cost at the batch
price, the start of its reply or its error — streamed in as the output and error files come
down (the first rows show before the rest has arrived), joined with the input by custom_id
once the input file is in. Filter by text (/), only the failed (x), sort (s), open one to
see its request beside its answer (Enter), export JSONL and CSV (e)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Static

from tui.areas.batches.core.results import (
    Inputs,
    LineStore,
    ResultRow,
    as_csv,
    as_jsonl,
    cost_of,
    join,
)
from tui.areas.batches.core.words import description
from tui.core.failures import APIError
from tui.core.words import money
from tui.screens.base import AreaScreen
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain
from tui.widgets.row_table import Column, Row, RowTable

if TYPE_CHECKING:
    from tui.areas.batches.api.schemas import Batch
    from tui.core.pricing import PriceTable

SORTS = ("line", "status", "tokens", "cost")
REFRESH = 0.15
"""Seconds between redraws while rows stream in."""


class ResultsScreen(AreaScreen, Screen[None]):
    """Every request of one batch with what became of it."""

    AREA = "batches"
    DEFAULT_CSS = """
    ResultsScreen { layout: vertical; }
    ResultsScreen #results-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    ResultsScreen #results-filter { height: 1; margin: 0 1; display: none; }
    ResultsScreen #results-filter.-shown { display: block; }
    ResultsScreen #results-list { height: 1fr; border: round $panel-lighten-2; }
    ResultsScreen #results-list:focus { border: round $primary; }
    ResultsScreen #results-status {
        height: 1; padding: 0 1; background: $panel; color: $text-muted;
    }
    """
    BINDINGS = [
        Binding("enter", "open", "Open", id="results.open", tooltip="Request and answer"),
        Binding("slash", "filter", "Filter", id="results.filter", tooltip="Filter by text"),
        Binding("x", "failed", "Failed", id="results.failed", tooltip="Only the failed"),
        Binding("s", "sort", "Sort", id="results.sort", tooltip="Sort by line, status, …"),
        Binding("e", "export", "Export", id="results.export", tooltip="JSONL and CSV"),
        Binding("escape", "back", "Back", id="results.back", tooltip="Back to the batches"),
    ]

    def __init__(self, batch: Batch) -> None:
        super().__init__()
        self.target = batch
        self.rows: list[ResultRow] = []
        self.inputs: Inputs | None = None
        self.store = LineStore()
        """The raw lines of every result and request, on disk while the screen lives."""
        self.needle = ""
        self.failed_only = False
        self.sort = "line"
        self.problem: str | None = None
        self.complete = False
        self._drawn_at = 0.0
        self.prices: PriceTable | None = None
        self._table_rows: list[Row] = []
        """A table row per result, made once (its cells when first drawn)."""
        self._failed = 0
        self._tokens = 0
        self._cost: float | None = None
        self._sorted: tuple[tuple[int, str, bool], list[int]] | None = None
        self._picked: tuple[list[int], bool, str, list[int]] | None = None
        """The last filter's order, switch, needle and the indices it let through."""
        self._list: RowTable | None = None

    def compose(self) -> ComposeResult:
        yield Static(plain(f"Results of {description(self.target)}"), id="results-title")
        yield Field(placeholder="filter: custom_id, status, text…", id="results-filter")
        yield RowTable(
            [
                Column("id", "custom_id", most=24),
                Column("status", "st", width=3),
                Column("tokens", "tokens", width=11, right=True),
                Column("cost", "cost", width=8, right=True),
                Column("reply", "reply or error", most=200),
            ],
            id="results-list",
        )
        yield Static("", id="results-status")
        yield KeyFooter()

    def on_unmount(self) -> None:
        self.store.close()
        if self.complete and self.problem is None:
            # The batch's usage goes into the ledger once the viewer is left, not while the
            # user filters 50,000 rows (the store's thread would compete with every key).
            self.service.account_later(self.target, self.rows)
        # The rows go now, not when the screen is collected: a cancelled timeout of one of
        # its downloads stays in the event loop's timer heap (with its context, and so with
        # this screen) until it would have fired, a minute or more later.
        self.rows, self._table_rows, self.inputs = [], [], None
        self._sorted = self._picked = None
        if self._list is not None:  # (its children are gone from the DOM by now)
            self._list.rows = []

    def on_mount(self) -> None:
        self.prices = self.services.prices()
        self._list = self.query_one(RowTable)
        self._list.focus()
        self._show_status()
        self.load_rows()
        self.load_inputs()

    # --- loading --------------------------------------------------------------------------

    @work(group="results-rows", exclusive=True, exit_on_error=False)
    async def load_rows(self) -> None:
        """The rows, as the files stream down: drawn every REFRESH seconds meanwhile."""
        try:
            async for row in self.service.results(self.target):
                row.keep_in(self.store)
                if self.inputs is not None:
                    join(row, self.inputs, self.store)
                self._add(row)
                if time.monotonic() - self._drawn_at > REFRESH:
                    self._fill()
        except APIError as error:
            self.problem = self.service.told(error, "downloading the results")
        self.complete = True
        self._fill()

    @work(group="results-inputs", exclusive=True, exit_on_error=False)
    async def load_inputs(self) -> None:
        """The input file, for each row's request and line."""
        try:
            inputs = await self.service.input_index(self.target, self.store)
        except APIError as error:
            self.problem = self.service.told(error, "downloading the input file")
            self._show_status()
            return
        self.inputs = inputs
        for row in self.rows:
            join(row, inputs, self.store)
        self._sorted = None
        self._fill()

    # --- what is shown ----------------------------------------------------------------------

    def shown(self) -> list[ResultRow]:
        """The rows the filter and the failed-only switch let through, in the sort's order."""
        return [self.rows[i] for i in self._shown_indices()]

    def _shown_indices(self) -> list[int]:
        needle = self.needle.lower().strip()
        order = self._order()
        if not needle and not self.failed_only:
            return order
        # A character typed onto the needle can only narrow what the last one let through:
        # the next keystroke scans those rows, not all 50,000 again.
        last = self._picked
        if (
            last is not None
            and last[0] is order
            and last[1] == self.failed_only
            and needle.startswith(last[2])
        ):
            among = last[3]
        else:
            among = order
        rows = self.rows
        picked = [
            i
            for i in among
            if (not self.failed_only or not rows[i].ok) and needle in rows[i].haystack()
        ]
        self._picked = (order, self.failed_only, needle, picked)
        return picked

    def _order(self) -> list[int]:
        """Every row's index in the sort's order, sorted once until rows come or the sort
        changes (a filter keystroke then only picks)."""
        wanted = (len(self.rows), self.sort, self.inputs is not None)
        if self._sorted is not None and self._sorted[0] == wanted:
            return self._sorted[1]
        rows, prices = self.rows, self.prices
        order = list(range(len(rows)))
        if self.sort == "status":
            order.sort(key=lambda i: (rows[i].ok, rows[i].status or 0))
        elif self.sort == "tokens":
            order.sort(key=lambda i: -(rows[i].input_tokens + rows[i].output_tokens))
        elif self.sort == "cost":
            order.sort(key=lambda i: -(cost_of(rows[i], prices) or 0.0))
        elif self.inputs is not None:
            order.sort(key=lambda i: rows[i].line or 0)
        self._sorted = (wanted, order)
        return order

    def _cells(self, row: ResultRow) -> tuple[Text, ...]:
        """A row's cells, made when it is first drawn (a list of 50,000 costs its keys)."""
        status = Text(str(row.status) if row.status is not None else "–")
        if not row.ok:
            status.stylize("bold reverse")
        cost = cost_of(row, self.prices)
        reply = plain(row.error or row.preview)
        if row.error:
            reply.stylize("bold")
        return (
            plain(row.custom_id),
            status,
            Text(f"{row.input_tokens:,}/{row.output_tokens:,}"),
            Text("" if cost is None else money(cost)),
            reply,
        )

    def _add(self, row: ResultRow) -> None:
        row.haystack()  # made as it comes, not on the first keystroke
        self.rows.append(row)
        self._table_rows.append(Row(str(len(self.rows) - 1), make=self._cells, source=row))
        self._failed += not row.ok
        self._tokens += row.input_tokens + row.output_tokens
        cost = cost_of(row, self.prices)
        if cost is not None:
            self._cost = (self._cost or 0.0) + cost

    def _fill(self) -> None:
        self._drawn_at = time.monotonic()
        table = self.query_one(RowTable)
        keep = table.current.key if table.current is not None else None
        table.show([self._table_rows[i] for i in self._shown_indices()], keep=keep)
        self._show_status()

    def _show_status(self) -> None:
        line = Text(no_wrap=True, overflow="ellipsis")
        if self.problem:
            line.append(f"⚠ {self.problem}", style="bold")
            self.query_one("#results-status", Static).update(line)
            return
        line.append(f"{len(self.rows):,} requests", style="bold")
        if not self.complete:
            line.append(" (coming in…)")
        line.append(f" · {self._failed:,} failed · {self._tokens:,} tokens")
        if self._cost is not None:
            line.append(f" · {money(self._cost)} at the batch price")
        if self.failed_only or self.needle:
            line.append(f" · {len(self.query_one(RowTable).rows):,} shown")
        line.append(f" · by {self.sort}")
        self.query_one("#results-status", Static).update(line)

    # --- keys -------------------------------------------------------------------------------

    def action_filter(self) -> None:
        """Filter the rows by text."""
        field = self.query_one("#results-filter", Field)
        field.add_class("-shown")
        field.focus()

    @on(Input.Changed, "#results-filter")
    def _typed(self, event: Input.Changed) -> None:
        self.needle = event.value
        self._fill()

    @on(Input.Submitted, "#results-filter")
    def _filtered(self) -> None:
        self.query_one(RowTable).focus()

    def action_failed(self) -> None:
        """Only the failed requests, or all again."""
        self.failed_only = not self.failed_only
        self._fill()

    def action_sort(self) -> None:
        """The next order: by line, status, tokens, cost."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._fill()

    def action_back(self) -> None:
        """Leave the filter, else back to the batches."""
        field = self.query_one("#results-filter", Field)
        if field.has_focus:
            self.query_one(RowTable).focus()
            if not field.value:
                field.remove_class("-shown")
            return
        self.dismiss(None)

    @on(RowTable.Chosen, "#results-list")
    def _chosen(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        """The request under the cursor beside its answer."""
        from tui.areas.batches.screens.result_detail import ResultDetail

        table = self.query_one(RowTable)
        if table.current is None:
            return
        index = int(table.current.key)
        if 0 <= index < len(self.rows):
            self.app.push_screen(ResultDetail(self.rows[index]))

    @work(group="results-export", exit_on_error=False)
    async def action_export(self) -> None:
        """The joined results as JSONL and CSV, into exports/ of the data folder."""
        import asyncio

        from tui.core.safe_files import slug, write_inside

        if not self.complete:
            self.notify("The results are still coming in: export once they are all here.")
            return
        folder = self.services.settings.store_dir / "exports"
        name = slug(self.target.id, "batch")
        prices = self.prices
        rows = list(self.rows)
        try:
            jsonl = await asyncio.to_thread(
                write_inside, folder, f"{name}-results.jsonl", "".join(as_jsonl(rows))
            )
            table = await asyncio.to_thread(
                write_inside, folder, f"{name}-results.csv", "".join(as_csv(rows, prices))
            )
        except OSError as error:
            self.notify(
                f"Could not write the export: {error}", severity="error", timeout=12, markup=False
            )
            return
        self.notify(f"Saved {jsonl} and {table}", markup=False)
