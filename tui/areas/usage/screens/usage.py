"""Usage and cost over time: the organisation's (an admin key's) or Loom's own ledger of
every request it made (any key, any server), as stacked bars with a legend and totals and
a table with the same numbers; CSV for a spreadsheet.

Fetching runs in the background and each page is shown as it arrives; what was fetched is
kept (tui/areas/usage/core/book.py), so changing what is shown or how it is grouped asks
nothing again.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tui.areas.usage.core.book import (
    LEDGER_GROUPS,
    METRICS,
    ORG_GROUPS,
    RANGES,
    Dataset,
    NeedsAdminKey,
    Query,
    UsageBook,
    UsageService,
    short,
)
from tui.areas.usage.screens import figures
from tui.core.text import moment, safe
from tui.screens.base import HELP_BINDING, LoomScreen
from tui.widgets.bar_chart import BarChart
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain
from tui.widgets.row_table import Column, RowTable

WIDTHS_FOR = {0: ("1h", "1m"), 7: ("1d", "1h"), 30: ("1d", "1h"), 90: ("1d", "1h")}
"""Bucket widths offered for each range, the first the default."""


class UsageScreen(LoomScreen):
    """Usage and cost, charted."""

    MODE = "usage"
    AREA = "usage"
    HELP_TITLE = "usage"
    HELP_INTRO = (
        "Usage and cost over time. With an admin key, the organisation's usage API (what "
        "OpenAI bills); always, Loom's own ledger of every request it made, from any key "
        "and any server (o switches; they differ: the ledger sees only Loom). m chooses "
        "what is shown, d the range, b the bucket width, g the grouping; ←/→ on the chart "
        "say what a bar holds; e writes it all as CSV."
    )
    CSS = """
    UsageScreen { layout: vertical; }
    UsageScreen #usage-how { height: 1; padding: 0 1; color: $text-muted; }
    UsageScreen #usage-chart { height: 1fr; padding: 0 1; }
    UsageScreen #usage-readout { height: 1; padding: 0 1; }
    UsageScreen #usage-table { height: 7; border: round $panel-lighten-2; }
    UsageScreen #usage-table:focus { border: round $primary; }
    UsageScreen #usage-status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    BINDINGS = [
        Binding(
            "o",
            "source",
            "Source",
            id="usage.source",
            tooltip="The organisation's usage (admin key) or Loom's ledger",
        ),
        Binding(
            "m",
            "metric",
            "Show",
            id="usage.metric",
            tooltip="Tokens, requests, images, audio seconds or cost",
        ),
        Binding("d", "range", "Range", id="usage.range", tooltip="Today, 7, 30 or 90 days"),
        Binding(
            "b",
            "bucket",
            "Bucket",
            show=False,
            id="usage.bucket",
            tooltip="A bar per day, hour or minute",
        ),
        Binding(
            "g",
            "group",
            "Group",
            id="usage.group",
            tooltip="Group by model, project, key, user, line item…",
        ),
        Binding(
            "e",
            "export",
            "CSV",
            show=False,
            id="usage.export",
            tooltip="Write what is shown as CSV",
        ),
        Binding(
            "c",
            "custom",
            "Custom",
            show=False,
            id="usage.custom",
            tooltip="A range of your own: YYYY-MM-DD..YYYY-MM-DD",
        ),
        Binding("r", "refresh", "Refresh", show=False, id="usage.refresh", tooltip="Ask again"),
        HELP_BINDING,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.want = Query(source="ledger", metric="tokens", days=30, width="1d", group="model")
        self.dataset: Dataset | None = None
        self.problem: str | None = None
        self.progress_words = ""

    @property
    def service(self) -> UsageService:
        """The usage area's service."""
        found: UsageService = self.services.area(self.AREA)
        return found

    @property
    def book(self) -> UsageBook:
        """What was fetched and added up (kept while the app runs)."""
        return self.service.book

    def compose(self) -> ComposeResult:
        bar = self.mode_bar()
        if bar is not None:
            yield bar
        yield Static("", id="usage-how")
        yield BarChart(id="usage-chart")
        yield Static("", id="usage-readout")
        yield RowTable(
            [
                Column("mark", " ", width=2),
                Column("group", "group", most=40),
                Column("total", "total", width=9, right=True),
                Column("share", "share", width=6, right=True),
            ],
            id="usage-table",
        )
        yield Static("", id="usage-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        settings = self.services.settings
        if settings.admin_key or settings.demo:
            self.want = Query(
                source="org",
                metric="tokens",
                days=90 if settings.demo else 30,
                width="1d",
                group="model",
            )
        self.query_one(BarChart).focus()
        self.load()

    # --- data -----------------------------------------------------------------------------

    @work(group="usage-load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """Fetch (or add up) what the query asks for, showing pages as they arrive."""
        from tui.core.failures import APIError, StoreError

        query = self.want
        self.problem = None
        self._show_how()
        self.progress_words = "asking…" if query.source == "org" else "adding up the ledger…"
        self._show_status()
        try:
            if query.source == "org":

                def arrived(partial: Dataset) -> None:
                    self.progress_words = f"page {partial.pages} of about {partial.pages_expected}…"
                    self._show(partial)

                dataset = await self.book.fetch_org(query, arrived)
            else:
                dataset = await self.book.from_ledger(query)
        except NeedsAdminKey as need:
            self.problem = str(need)
            dataset = None
        except APIError as error:
            self.problem = self.said(error, "asking for the organisation's usage", "usage")
            dataset = None
        except StoreError as error:
            self.problem = f"The ledger cannot be read: {error}"
            dataset = None
        self.progress_words = ""
        if query != self.want:
            return  # asked for something else meanwhile
        if dataset is not None:
            self._show(dataset)
            if dataset.problem:
                self.problem = dataset.problem
        else:
            self.dataset = None
            self.query_one(BarChart).show([], [])
            self.query_one(BarChart).empty = self.problem or "Nothing."
        self._show_status()

    def _show(self, dataset: Dataset) -> None:
        self.dataset = dataset
        metric, currency, width = dataset.query.metric, dataset.currency, dataset.width
        chart = self.query_one(BarChart)
        chart.figure = lambda value: short(value, metric, currency)
        chart.label_of = lambda first, last: figures.span(first, last, width)
        chart.empty = "Nothing used in this range." if not dataset.totals() else chart.empty
        chart.show(dataset.starts, figures.stacks(dataset))
        rows = figures.rows(dataset)
        self.query_one(RowTable).show(rows)
        self._show_readout()
        self._show_status()

    # --- words ----------------------------------------------------------------------------

    def _show_how(self) -> None:
        q = self.want
        source = "organisation" if q.source == "org" else "Loom's ledger"
        if q.start is not None:
            first = moment(q.start, "%Y-%m-%d")
            last = moment((q.end or time.time()) - 1, "%Y-%m-%d")
            span = f"{first}..{last}"
        else:
            span = "today" if q.days == 0 else f"{q.days} days"
        group = q.group or "none"
        width = "1d" if q.source == "org" and q.metric == "cost" else q.width
        parts = [
            (source, "o"),
            (q.metric, "m"),
            (span, "d"),
            (f"per {width}", "b"),
            (f"by {group}", "g"),
        ]
        line = " · ".join(f"{words} ({key})" for words, key in parts)
        if len(line) > self.app.size.width - 2:
            line = " · ".join(words for words, _ in parts)  # the keys are in the footer, F1
        self.query_one("#usage-how", Static).update(Text(line, no_wrap=True, overflow="ellipsis"))

    def _show_readout(self) -> None:
        chart = self.query_one(BarChart)
        words = chart.describe()
        if not words and self.dataset is not None:
            totals = self.dataset.totals()
            metric = self.dataset.query.metric
            currency = self.dataset.currency
            words = f"in all {short(sum(totals.values()), metric, currency)}"
            if self.dataset.query.metric == "tokens":
                parts = [
                    sum(
                        v[p][i]
                        for v in self.dataset.values.values()
                        for i in range(len(self.dataset.starts))
                    )
                    for p in range(3)
                ]
                shown = [short(value, metric) for value in parts]
                words += f" ({shown[0]} input, {shown[1]} cached, {shown[2]} output)"
            hint = " · ←/→ on the chart: what each bar holds"
            if len(words) + len(hint) > self.app.size.width - 2:
                hint = " · ←/→: each bar"
            if len(words) + len(hint) <= self.app.size.width - 2:
                words += hint
        self.query_one("#usage-readout", Static).update(plain(words))

    @on(BarChart.Pointed)
    def _pointed(self, message: BarChart.Pointed) -> None:
        self._show_readout()

    def _show_status(self) -> None:
        line = Text(no_wrap=True, overflow="ellipsis")
        q = self.want
        label = (
            "ORGANISATION usage API"
            if q.source == "org"
            else "LOOM'S LEDGER (requests made by Loom)"
        )
        line.append(label, style="bold")
        if self.progress_words:
            line.append(f" │ {self.progress_words}")
        if self.problem:
            line.append(f" │ {safe(self.problem)}", style="bold")
        elif self.dataset is not None and self.dataset.fetched_at and not self.progress_words:
            line.append(f" │ {len(self.dataset.starts)} buckets", style="dim")
        if self.dataset is not None and self.dataset.unusable:
            line.append(f" │ {self.dataset.unusable:,} left out: not usable numbers", style="bold")
        problem = self.service.ledger_problem
        if q.source == "ledger" and problem:
            line.append(f" │ the ledger is not being written: {safe(problem)}", style="bold")
        self.query_one("#usage-status", Static).update(line)

    # --- keys -----------------------------------------------------------------------------

    def _ask(self, **change: Any) -> None:
        fields = {**self.want.__dict__} if hasattr(self.want, "__dict__") else {}
        if not fields:
            fields = {
                name: getattr(self.want, name)
                for name in ("source", "metric", "days", "width", "group", "start", "end")
            }
        fields.update(change)
        groups = ORG_GROUPS[fields["metric"]] if fields["source"] == "org" else LEDGER_GROUPS
        if fields["group"] is not None and fields["group"] not in groups:
            fields["group"] = groups[0]
        self.want = Query(**fields)
        self.load()

    def action_source(self) -> None:
        """The organisation's usage, or Loom's ledger."""
        self._ask(source="ledger" if self.want.source == "org" else "org")

    def action_metric(self) -> None:
        """Show tokens, requests, images, audio seconds or cost."""
        names = list(METRICS)
        self._ask(metric=names[(names.index(self.want.metric) + 1) % len(names)])

    def action_range(self) -> None:
        """Today, 7, 30 or 90 days."""
        days = list(RANGES.values())
        now = self.want.days if self.want.start is None else -1
        nxt = days[(days.index(now) + 1) % len(days)] if now in days else days[1]
        self._ask(days=nxt, width=WIDTHS_FOR[nxt][0], start=None, end=None)

    def action_bucket(self) -> None:
        """Another bucket width for the range."""
        options = WIDTHS_FOR.get(self.want.days, ("1d", "1h"))
        now = self.want.width
        self._ask(
            width=options[(options.index(now) + 1) % len(options)] if now in options else options[0]
        )

    def action_group(self) -> None:
        """Group by the next field (or not at all)."""
        groups: list[str | None] = [
            *(ORG_GROUPS[self.want.metric] if self.want.source == "org" else LEDGER_GROUPS),
            None,
        ]
        now = self.want.group
        self._ask(
            group=groups[(groups.index(now) + 1) % len(groups)] if now in groups else groups[0]
        )

    def action_refresh(self) -> None:
        """Ask again (the kept pages are forgotten)."""
        self.service.forget()
        self.load()

    def action_custom(self) -> None:
        """A range of your own, by dates."""
        from tui.screens.dialogs import AskText

        def answered(text: str | None) -> None:
            if not text:
                return
            try:
                first, _, last = text.partition("..")
                start = time.mktime(time.strptime(first.strip(), "%Y-%m-%d"))
                end = time.mktime(time.strptime((last or first).strip(), "%Y-%m-%d")) + 86400
            except ValueError:
                self.notify(
                    "Write the range as YYYY-MM-DD..YYYY-MM-DD.", title="Usage", severity="warning"
                )
                return
            if end <= start:
                self.notify("The range ends before it starts.", title="Usage", severity="warning")
                return
            width = "1d" if end - start > 2 * 86400 else "1h"
            self._ask(start=int(start), end=int(end), width=width)

        self.app.push_screen(
            AskText("Range (YYYY-MM-DD..YYYY-MM-DD)", placeholder="2026-11-01..2026-11-30"),
            answered,
        )

    def action_export(self) -> None:
        """Write what is shown as CSV, in exports/ of the data folder."""
        from tui.areas.usage.core.export import write_csv

        if self.dataset is None:
            self.notify("Nothing to write yet.", title="Usage", timeout=3)
            return
        try:
            path = write_csv(self.dataset, self.services.settings.store_dir / "exports")
        except OSError as error:
            self.notify(
                f"Could not write the CSV: {error.strerror or error}",
                title="Usage",
                severity="error",
            )
            return
        self.notify(f"Wrote {path}", title="Usage", timeout=8)

    def on_screen_resume(self) -> None:
        if self.want.source == "ledger":
            self.load()  # requests made on other screens since
