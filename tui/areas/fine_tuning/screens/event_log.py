"""A job's events, one line each, newest at the top or at the bottom as the user chose.

It shows a list it is handed (newest first) through a line-based scroll view, so thousands
of events cost only the lines on screen. Following: while the view is at the newest end,
new events keep it there; scrolled away, it stays where the user put it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.areas.fine_tuning.core.follower import LogLine
from tui.core.text import safe
from tui.core.words import clock

LEVELS = {"warn": ("!", "bold"), "error": ("✗", "bold reverse")}


class EventLog(ScrollView, can_focus=True):
    """The events of one job."""

    DEFAULT_CSS = """
    EventLog {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    """

    BINDINGS = [
        Binding("o", "flip", "Order", id="events.order", tooltip="Newest at the top / bottom"),
        Binding("up", "scroll_up", "Up", show=False),
        Binding("down", "scroll_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]

    newest_first: reactive[bool] = reactive(True)
    """Whether the newest event is at the top."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: Sequence[LogLine] = ()

    def show(self, lines: Sequence[LogLine]) -> None:
        """Show these events (newest first), keeping the view on the newest end if it was
        there."""
        at_newest = self._at_newest()
        before = len(self._lines)
        self._lines = lines
        self.virtual_size = Size(self.size.width, len(lines))
        if at_newest:
            self._to_newest()
        elif self.newest_first and len(lines) > before:
            # Lines were added above what the user is reading: keep reading it.
            self.scroll_to(y=self.scroll_y + len(lines) - before, animate=False)
        self.refresh()

    def _at_newest(self) -> bool:
        if self.newest_first:
            return self.scroll_y <= 0
        return self.scroll_y >= self.max_scroll_y - 1

    def _to_newest(self) -> None:
        if self.newest_first:
            self.scroll_to(y=0, animate=False)
        else:
            self.scroll_to(y=max(0, len(self._lines) - self.size.height), animate=False)

    def watch_newest_first(self) -> None:
        self.call_after_refresh(self._to_newest)
        self.refresh()

    def action_flip(self) -> None:
        """Newest at the top, or at the bottom."""
        self.newest_first = not self.newest_first

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        lines = self._lines
        if not 0 <= index < len(lines):
            return Strip.blank(self.size.width)
        line = lines[index] if self.newest_first else lines[len(lines) - 1 - index]
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(clock(line.created_at), style="dim")
        mark, style = LEVELS.get(line.level, (" ", ""))
        text.append(f" {mark} ", style=style)
        body = " ".join(safe(line.message).split())
        room = self.scrollable_content_region.width - text.cell_len
        if len(body) > room > 12:
            # Cut in the middle: a message's end (a model's name, a file id) says as much as
            # its start; the details show it whole.
            head = (room - 1) * 2 // 3
            body = body[:head] + "…" + body[len(body) - (room - 1 - head) :]
        text.append(body, style="dim" if line.kind == "metrics" else style)
        segments = list(text.render(self.app.console))
        strip = Strip(segments).crop_extend(0, self.size.width, Style())
        return strip.apply_style(self.rich_style)
