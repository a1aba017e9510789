"""One request of a batch beside its answer: the request's messages (or prompt, or input)
and parameters on the left, the reply as Markdown (as chat shows it) or the error on the
right, then the raw lines. Side by side from 100 columns, one above the other below."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.markdown import Markdown
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tui.core.text import safe
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.areas.batches.core.results import ResultRow

SIDE_BY_SIDE = 100


def request_text(raw: str) -> Text:
    """The request in words: its messages by role, then its other parameters."""
    if not raw:
        return Text("(the input file is still coming in, or has no such custom_id)", style="dim")
    try:
        entry = json.loads(raw)
    except ValueError:
        return plain(safe(raw))
    body: dict[str, Any] = entry.get("body") if isinstance(entry.get("body"), dict) else {}
    text = Text()
    text.append(f"{safe(str(entry.get('method')))} {safe(str(entry.get('url')))}\n", style="bold")
    for message in body.get("messages") or []:
        if isinstance(message, dict):
            text.append(f"{safe(str(message.get('role')))}: ", style="bold")
            content = message.get("content")
            shown = content if isinstance(content, str) else json.dumps(content)
            text.append_text(plain(safe(shown) + "\n"))
    for name in ("prompt", "input", "instructions"):
        if name in body:
            value = body[name]
            text.append(f"{name}: ", style="bold")
            text.append_text(plain(safe(value if isinstance(value, str) else json.dumps(value))))
            text.append("\n")
    others = {
        k: v for k, v in body.items() if k not in ("messages", "prompt", "input", "instructions")
    }
    if others:
        text.append("\n")
        for key, value in others.items():
            text.append(f"{safe(key)} ", style="dim")
            text.append_text(plain(safe(json.dumps(value)) + "\n"))
    return text


def _answer(row: ResultRow) -> Any:
    """The reply as Markdown, else the error in words, else the raw body."""
    if row.error:
        return Text(f"{row.status or '–'}  {row.error}", style="bold")
    try:
        entry = json.loads(row.output_line())
        body = (entry.get("response") or {}).get("body") or {}
        content = body["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return plain(safe(row.preview))
    if not isinstance(content, str):
        return plain(safe(json.dumps(content)))
    return Markdown(safe(content))


class ResultDetail(Screen[None]):
    """One request and its answer."""

    DEFAULT_CSS = """
    ResultDetail { layout: vertical; }
    ResultDetail #detail-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    ResultDetail #detail-sides { height: 1fr; }
    ResultDetail .side { width: 1fr; border: round $panel-lighten-2; padding: 0 1; }
    ResultDetail .side:focus { border: round $primary; }
    ResultDetail #detail-sides.-stacked { layout: vertical; }
    ResultDetail #detail-sides.-stacked .side { width: 1fr; height: 1fr; }
    """
    BINDINGS = [
        Binding("tab", "app.focus_next", "Other side", id="result.next", show=True),
        Binding("escape", "back", "Back", id="result.back", tooltip="Back to the results"),
    ]

    def __init__(self, row: ResultRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        title = f"{safe(row.custom_id)} · line {row.line or '?'} · status {row.status or '–'}"
        title += f" · {row.input_tokens:,} in, {row.output_tokens:,} out"
        yield Static(plain(title), id="detail-title")
        with Horizontal(id="detail-sides"):
            with VerticalScroll(classes="side", id="request-side", can_focus=True):
                yield Static(request_text(row.request_line()))
            with VerticalScroll(classes="side", id="answer-side", can_focus=True):
                yield Static(_answer(row))
        yield KeyFooter()

    def on_mount(self) -> None:
        self._layout()
        self.query_one("#request-side").focus()

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        self.query_one("#detail-sides").set_class(self.app.size.width < SIDE_BY_SIDE, "-stacked")

    def action_back(self) -> None:
        """Back to the results."""
        self.dismiss(None)
