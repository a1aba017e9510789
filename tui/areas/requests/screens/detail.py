"""One request in full: when, status, attempt, timings, the server's time, its request id,
model and tokens, the rate limits left (a header that is not a usable number named as
such), the headers and bodies sent and received (a stream as its events, cut at 32 KB),
every secret masked; copied as curl or Python, or written to a file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui.core.text import moment, safe
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import Facts, plain

if TYPE_CHECKING:
    from tui.api.observe import RequestRecord


def gauge(left: int | None, limit: int | None, width: int = 5) -> Text:
    """What is left of a rate limit as a bar: `▰▰▰▱▱ 62%`."""
    if left is None or not limit:
        return Text("–", style="dim")
    share = max(0.0, min(1.0, left / limit))
    full = round(share * width)
    style = "bold reverse" if share < 0.1 else ("bold" if share < 0.3 else "")
    bar = "▰" * full + "▱" * (width - full) + " " if width else ""
    return Text(f"{bar}{100 * share:3.0f}%", style=style)


def seconds(value: float | None) -> str:
    """A time taken, short: `12ms`, `1.25s`, or a dash."""
    return "–" if value is None else (f"{value * 1000:.0f}ms" if value < 1 else f"{value:.2f}s")


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
        row("took", seconds(r.latency) + f" · headers after {seconds(r.ttfb)}")
        if r.first_token is not None:
            row("first token", seconds(r.first_token))
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
        from tui.areas.requests.core.replay import as_curl

        self._copy(as_curl(self.record), "curl command")

    def action_python(self) -> None:
        """Copy the request as Python with the official SDK."""
        from tui.areas.requests.core.replay import as_python

        self._copy(as_python(self.record), "Python")

    def action_write(self) -> None:
        """Write the request, its curl and its Python to a file in exports/."""
        from tui.areas.requests.core.replay import as_curl, as_python

        service = self.app.services.area("requests")  # type: ignore[attr-defined]
        stamp = moment(self.record.started_at, "%Y%m%d-%H%M%S")
        text = (
            f"{self.text().plain}\n# curl\n{as_curl(self.record)}\n\n"
            f"# Python\n{as_python(self.record)}"
        )
        try:
            path = service.write(f"request-{stamp}.txt", text)
        except OSError as error:
            self.notify(
                f"Could not write the request: {error.strerror or error}",
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
