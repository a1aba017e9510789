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
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui.core.text import moment, safe
from tui.screens.base import HELP_BINDING, LoomScreen
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import Facts, plain
from tui.widgets.relay import Relayed
from tui.widgets.row_table import Column, Row, RowTable

if TYPE_CHECKING:
    from tui.api.observe import RequestRecord


WIDE = 110
"""From this many columns the server's time and the request id are listed too."""


def gauge(left: int | None, limit: int | None, width: int = 5) -> Text:
    """What is left of a rate limit as a bar: `▰▰▰▱▱ 62%`."""
    if left is None or not limit:
        return Text("–", style="dim")
    share = max(0.0, min(1.0, left / limit))
    full = round(share * width)
    style = "bold reverse" if share < 0.1 else ("bold" if share < 0.3 else "")
    bar = "▰" * full + "▱" * (width - full) + " " if width else ""
    return Text(f"{bar}{100 * share:3.0f}%", style=style)


def _key(record: RequestRecord) -> str:
    """A row's key that stays the record's while newer requests are listed above it."""
    return f"{record.started_at:.6f}:{id(record)}"


def _short_path(path: str) -> str:
    """A path with its long ids left out (`/fine_tuning/jobs/…/events`): the request in
    full, opened with Enter, has them."""
    return "/".join(part if len(part) <= 16 else "…" for part in path.split("/"))


def _seconds(value: float | None) -> str:
    return "–" if value is None else (f"{value * 1000:.0f}ms" if value < 1 else f"{value:.2f}s")


class RecordAdded(Relayed):
    """A request ended (relayed from the services' `request_ended`)."""


class RequestsScreen(LoomScreen):
    """The last requests, newest first."""

    MODE = "requests"
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
        self.listen(self.services.request_ended, RecordAdded)
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
        self.records = list(reversed(list(self.services.requests)))
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
                "took": Text(_seconds(r.latency)),
                "ttft": Text(_seconds(r.first_token)),
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
        self.services.requests.clear()
        self._fill()


class RequestDetail(Screen[None]):
    """One request in full."""

    DEFAULT_CSS = """
    RequestDetail { layout: vertical; }
    RequestDetail #request-title { text-style: bold; padding: 0 1; background: $panel; }
    RequestDetail VerticalScroll { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q", "back", "Back", id="request.back"),
        Binding("c", "curl", "curl", id="request.curl", tooltip="Copy it as a curl command"),
        Binding("p", "python", "Python", id="request.python", tooltip="Copy it as Python (openai)"),
        Binding(
            "w", "write", "Save", id="request.write", tooltip="Write it (and its curl) to a file"
        ),
        Binding("pageup", "page(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", "Down", show=False),
    ]

    def __init__(self, record: RequestRecord) -> None:
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        r = self.record
        yield Static(plain(f"{r.method} {r.url}"), id="request-title")
        with VerticalScroll():
            yield Static(Content.from_rich_text(self.text()))
        yield KeyFooter()

    def text(self) -> Text:
        """Everything about the request, secrets masked."""
        r = self.record
        sheet = Facts(16)
        out = sheet.text

        row = sheet.row

        row("when", moment(r.started_at, "%Y-%m-%d %H:%M:%S"))
        row(
            "status",
            str(r.status) if r.status is not None else "no answer",
            "bold" if r.error else "",
        )
        if r.error:
            row("error", r.error, "bold")
        row("attempt", f"{r.attempt + 1}" + (" (a retry of the one before)" if r.attempt else ""))
        row("took", _seconds(r.latency) + f" · headers after {_seconds(r.ttfb)}")
        if r.first_token is not None:
            row("first token", _seconds(r.first_token))
        if r.processing_ms is not None:
            row("server time", f"{r.processing_ms} ms (openai-processing-ms)")
        if r.request_id:
            row("request id", r.request_id)
        if r.model:
            row("model", r.model)
        if r.prompt_tokens is not None:
            row(
                "tokens",
                f"{r.prompt_tokens:,} in ({r.cached_tokens or 0:,} cached) · "
                f"{r.completion_tokens or 0:,} out",
            )
        limit = r.rate_limit
        if limit is not None:
            out.append("rate limits     ", style="bold")
            out.append("requests ")
            out.append_text(gauge(limit.remaining_requests, limit.limit_requests, 10))
            out.append(
                f" {limit.remaining_requests}/{limit.limit_requests} "
                f"(resets in {limit.reset_requests or '?'})\n"
            )
            out.append(" " * 16 + "tokens   ")
            out.append_text(gauge(limit.remaining_tokens, limit.limit_tokens, 10))
            out.append(
                f" {limit.remaining_tokens}/{limit.limit_tokens} "
                f"(resets in {limit.reset_tokens or '?'})\n"
            )
            for header, raw in limit.unusable:
                out.append(" " * 16 + f"{header}: ", style="dim")
                out.append(f"{safe(raw)!r} is not a usable number (left out)\n", style="bold")
        for title, headers in (
            ("Request headers", r.request_headers),
            ("Response headers", r.response_headers),
        ):
            if headers:
                out.append(f"\n{title}\n", style="bold")
                for name, value in headers.items():
                    out.append(f"  {safe(name)}: ", style="dim")
                    out.append(safe(value) + "\n")
        if r.request_body:
            out.append("\nRequest body\n", style="bold")
            out.append(safe(_pretty(r.request_body)) + "\n")
        if r.response_body:
            out.append(
                "\nResponse body"
                + (" (the stream's events as they came)" if r.stream else "")
                + "\n",
                style="bold",
            )
            out.append(safe(_pretty(r.response_body)) + "\n")
        return out

    def action_back(self) -> None:
        """Back to the list."""
        self.dismiss(None)

    def action_page(self, direction: int) -> None:
        """Scroll a page."""
        scroll = self.query_one(VerticalScroll)
        if direction < 0:
            scroll.scroll_page_up()
        else:
            scroll.scroll_page_down()

    def _copy(self, text: str, what: str) -> None:
        self.app.copy_and_say(text, f"the {what}", "w saves it to a file")  # type: ignore[attr-defined]

    def action_curl(self) -> None:
        """Copy the request as a curl command."""
        from tui.core.replay import as_curl

        self._copy(as_curl(self.record), "curl command")

    def action_python(self) -> None:
        """Copy the request as Python with the official SDK."""
        from tui.core.replay import as_python

        self._copy(as_python(self.record), "Python")

    def action_write(self) -> None:
        """Write the request, its curl and its Python to a file in exports/."""
        from tui.core.replay import as_curl, as_python
        from tui.core.safe_files import write_inside

        folder = self.app.services.settings.store_dir / "exports"  # type: ignore[attr-defined]
        stamp = moment(self.record.started_at, "%Y%m%d-%H%M%S")
        try:
            path = write_inside(
                folder,
                f"request-{stamp}.txt",
                f"{self.text().plain}\n# curl\n{as_curl(self.record)}\n\n"
                f"# Python\n{as_python(self.record)}",
            )
        except OSError as error:
            self.notify(
                f"Could not write into {folder}: {error.strerror or error}",
                title="Requests",
                severity="error",
            )
            return
        self.notify(f"Wrote {path}", title="Requests", timeout=8)


def _pretty(body: str) -> str:
    """JSON bodies indented; anything else as it came."""
    import json

    text = body.strip()
    if text[:1] in "{[":
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            return body
    return body
