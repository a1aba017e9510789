"""The request inspector: every request Loom made in this session, newest first — method,
endpoint, status, duration, time to first token, request id, the server's processing time,
the rate limits left (as gauges), the attempt — and each one in full: headers and bodies
(a stream as its events), every configured secret masked, to copy as curl or Python."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tui.areas.requests.screens.detail import RequestDetail, gauge, seconds
from tui.core.text import moment, safe
from tui.screens.base import HELP_BINDING, LoomScreen
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain
from tui.widgets.relay import Relayed
from tui.widgets.row_table import Column, Row, RowTable

if TYPE_CHECKING:
    from tui.api.observe import RequestRecord


WIDE = 110
"""From this many columns the server's time and the request id are listed too."""


def _key(record: RequestRecord) -> str:
    """A row's key that stays the record's while newer requests are listed above it."""
    return f"{record.started_at:.6f}:{id(record)}"


def _short_path(path: str) -> str:
    """A path with its long ids left out (`/fine_tuning/jobs/…/events`): the request in
    full, opened with Enter, has them."""
    return "/".join(part if len(part) <= 16 else "…" for part in path.split("/"))


class RecordAdded(Relayed):
    """A request ended (relayed from the services' `request_ended`)."""


class RequestsScreen(LoomScreen):
    """The last requests, newest first."""

    MODE = "requests"
    AREA = "requests"
    HELP_TITLE = "requests"
    HELP_INTRO = (
        "Every request Loom made in this session (the last 300), newest first: how long it "
        "took, when the first token came, what the server said of its own time, how much "
        "of the rate limits is left, and which attempt it was (retries are listed with "
        "why). Enter shows it in full; there, c copies it as curl and p as Python, with "
        "the key as $OPENAI_API_KEY. Bodies are cut at 32 KB; [ledger] keep_bodies = true "
        "in the config keeps them in the store too."
    )
    CSS = """
    RequestsScreen { layout: vertical; }
    RequestsScreen #request-list { height: 1fr; border: round $panel-lighten-2; }
    RequestsScreen #request-list:focus { border: round $primary; }
    RequestsScreen #request-status {
        height: 1; padding: 0 1; background: $panel; color: $text-muted;
    }
    """
    BINDINGS = [
        Binding("enter", "open", "Open", id="requests.open", tooltip="The request in full"),
        Binding("x", "clear", "Clear", show=False, id="requests.clear", tooltip="Forget the list"),
        HELP_BINDING,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.records: list[RequestRecord] = []
        self._stale = False

    def compose(self) -> ComposeResult:
        bar = self.mode_bar()
        if bar is not None:
            yield bar
        yield RowTable(self._columns(), id="request-list")
        yield Static("", id="request-status")
        yield KeyFooter()

    def _columns(self) -> list[Column]:
        """At 80 columns what matters; from WIDE the server's time and the request id."""
        wide = self.app.size.width >= WIDE
        columns = [
            Column("time", "time", width=8),
            Column("call", "request", most=60, middle=True),
            Column("status", "st", width=3),
            Column("took", "took", width=6, right=True),
            Column("ttft", "first", width=6, right=True),
            # Below WIDE what is left is a share alone (its style marks a low budget): the
            # room goes to the request's path.
            Column("req", "req left" if wide else "req", width=10 if wide else 4, right=True),
            Column("tok", "tok left" if wide else "tok", width=10 if wide else 4, right=True),
            Column("try", "try", width=3, right=True),
        ]
        if wide:
            columns[5:5] = [Column("proc", "server", width=6, right=True)]
            columns.append(Column("id", "request id", most=30))
        return columns

    def on_resize(self) -> None:
        table = self.query_one(RowTable)
        if [c.key for c in table.columns] != [c.key for c in self._columns()]:
            table.columns = self._columns()
            self._fill()

    def on_mount(self) -> None:
        self.listen(self.service.ended, RecordAdded)
        self.query_one(RowTable).focus()
        self._fill()

    @on(RecordAdded)
    def _added(self) -> None:
        if self.is_current:
            self._fill()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self._fill()

    def _fill(self) -> None:
        self.records = self.service.records()
        columns = self.query_one(RowTable).columns
        bars = 5 if self.app.size.width >= WIDE else 0
        rows = []
        for r in self.records:
            limit = r.rate_limit
            status = Text(str(r.status) if r.status is not None else "–")
            if r.error or (r.status or 0) >= 400:
                status.stylize("bold reverse")
            # The stream mark first, so a narrow column never loses it; long ids shortened.
            call = Text("⇣ " if r.stream else "", style="dim")
            call.append(f"{r.method} {_short_path(safe(r.path.split('?', 1)[0]))}")
            cells = {
                "time": Text(moment(r.started_at, "%H:%M:%S")),
                "call": call,
                "status": status,
                "took": Text(seconds(r.latency)),
                "ttft": Text(seconds(r.first_token)),
                "proc": Text(f"{r.processing_ms}ms" if r.processing_ms is not None else "–"),
                "req": gauge(limit.remaining_requests, limit.limit_requests, bars)
                if limit
                else Text("–"),
                "tok": gauge(limit.remaining_tokens, limit.limit_tokens, bars)
                if limit
                else Text("–"),
                "try": Text(str(r.attempt + 1)),
                "id": plain(r.request_id or ""),
            }
            rows.append(Row(_key(r), tuple(cells[c.key] for c in columns)))
        table = self.query_one(RowTable)
        keep = table.current.key if table.current is not None else None
        table.show(rows, keep=keep)
        line = Text(no_wrap=True, overflow="ellipsis")
        failed = sum(1 for r in self.records if r.error or (r.status or 0) >= 400)
        retried = sum(1 for r in self.records if r.attempt)
        line.append(f"{len(self.records)} requests", style="bold")
        line.append(f" · {failed} failed · {retried} retries · Enter opens one")
        self.query_one("#request-status", Static).update(line)

    @on(RowTable.Chosen, "#request-list")
    def _chosen(self, message: RowTable.Chosen) -> None:
        self.action_open()

    def action_open(self) -> None:
        """The request under the cursor, in full."""
        row = self.query_one(RowTable).current
        record = next((r for r in self.records if row is not None and _key(r) == row.key), None)
        if record is not None:
            self.app.push_screen(RequestDetail(record))

    def action_clear(self) -> None:
        """Forget the requests listed (the ledger keeps its own)."""
        self.service.clear()
        self._fill()
