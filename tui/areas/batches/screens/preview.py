"""The requests a build would make, one at a time, before anything is written or sent:
each request's messages and parameters as the results viewer shows a request."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.areas.batches.screens.result_detail import request_text
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain


class PreviewScreen(ModalScreen[bool]):
    """Step through the first requests; True when the user asks to build them all."""

    DEFAULT_CSS = """
    PreviewScreen { align: center middle; }
    PreviewScreen > KeyFooter { dock: bottom; }
    PreviewScreen > VerticalScroll {
        width: 96; max-width: 100%; height: 1fr; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    PreviewScreen #preview-where { text-style: bold; }
    """
    BINDINGS = [
        Binding("right,n,pagedown", "move(1)", "Next", id="bpreview.next", tooltip="The next row"),
        Binding(
            "left,p,pageup", "move(-1)", "Previous", id="bpreview.prev", tooltip="The row before"
        ),
        Binding("home", "first", "First", id="bpreview.first", show=False),
        Binding("ctrl+b,enter", "build", "Build", id="bpreview.build", tooltip="Build them all"),
        Binding("escape", "close", "Back", id="bpreview.back", tooltip="Back to the form"),
    ]

    def __init__(self, lines: list[dict[str, Any]], source: str, more: bool) -> None:
        super().__init__()
        self.lines = lines
        self.source = source
        self.more = more
        """Whether the source makes more requests than those previewed."""
        self.at = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="preview-where")
            yield Static(id="preview-request")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        count = f"{len(self.lines):,}{' shown (there are more)' if self.more else ''}"
        line = self.lines[self.at]
        where = Text(f"Request {self.at + 1} of {count} · ")
        where.append_text(plain(f"{line.get('custom_id')} · from {self.source}"))
        self.query_one("#preview-where", Static).update(where)
        self.query_one("#preview-request", Static).update(request_text(json.dumps(line)))

    def action_move(self, step: int) -> None:
        """Show the next (or the previous) request."""
        self.at = max(0, min(len(self.lines) - 1, self.at + step))
        self._draw()

    def action_first(self) -> None:
        """Back to the first request."""
        self.at = 0
        self._draw()

    def action_build(self) -> None:
        """Build every request into the input file."""
        self.dismiss(True)

    def action_close(self) -> None:
        """Back to the form, nothing built."""
        self.dismiss(False)
