"""A completion drawn line by line: tokens wrapped into lines once, each line rendered only
when it changes. A streamed completion of thousands of tokens then costs the last line per
new token, not the whole text again (what a Static would re-render and the terminal would be
sent on every frame)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.text import safe

GROW = 40
"""Lines of room added at a time while a completion streams."""


@dataclass(slots=True)
class Piece:
    """Text on one line: a token (its index), or words Loom wrote (index None)."""

    text: str
    style: str = ""
    token: int | None = None


class TokenLines(ScrollView, can_focus=True):
    """The completion's tokens, wrapped; ←/→ move the token cursor (told by `moved`)."""

    DEFAULT_CSS = """
    TokenLines { height: 1fr; padding: 0 1; scrollbar-gutter: stable; }
    TokenLines:focus { background: $boost; }
    """
    BINDINGS = [
        Binding("right", "move(1)", "Next token", id="play.token.next", show=False),
        Binding("left", "move(-1)", "Previous token", id="play.token.prev", show=False),
        Binding("home", "move(-1000000000)", "First token", id="play.token.first", show=False),
        Binding("end", "move(1000000000)", "Last token", id="play.token.last", show=False),
    ]

    def __init__(self, moved: Callable[[int], None], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.moved = moved
        self.pieces: list[Piece] = []
        self.lines: list[list[Piece]] = [[]]
        self.widths: list[int] = [0]
        self.cursor: int | None = None
        self._where: dict[int, list[int]] = {}
        """Token index -> the lines it is on."""
        self._width = 0

    def action_move(self, step: int) -> None:
        self.moved(step)

    # --- content ------------------------------------------------------------------------

    def replace(self, pieces: Iterable[Piece], cursor: int | None = None) -> None:
        """Show these pieces instead (wrapped again)."""
        self.pieces = []
        self.lines, self.widths, self._where = [[]], [0], {}
        self.cursor = cursor
        self._wrap_width()
        self._place(list(pieces))
        self._sized()
        self.refresh()

    def extend(self, pieces: Iterable[Piece], follow: bool = True) -> None:
        """Add pieces at the end: only the lines they reach are drawn again."""
        first = len(self.lines) - 1
        self._place(list(pieces))
        if len(self.lines) - 1 == first:  # the same last line: only it is drawn again
            self._refresh_lines(first, 1)
            return
        # Growing the scrollable height lays the screen out again: it grows a page at a
        # time while the text streams (`replace` makes it exact at the end).
        if len(self.lines) > self.virtual_size.height:
            self._sized(room=GROW)
        bottom = len(self.lines) - self.size.height
        if follow and bottom > self.scroll_y:
            # Jump-scroll, as terminals do: half a page at a time, so the view (every line
            # of it drawn and sent again) moves once per half page, not once per line.
            jump = bottom + self.size.height // 2
            if len(self.lines) + self.size.height > self.virtual_size.height:
                self._sized(room=GROW + self.size.height)
            self.scroll_to(y=jump, animate=False)
        else:
            self._refresh_lines(first, len(self.lines) - first)

    def set_cursor(self, token: int | None) -> None:
        """Mark one token (the lines of the old and the new cursor are drawn again)."""
        if token == self.cursor:
            return
        touched = self._where.get(self.cursor, []) if self.cursor is not None else []
        self.cursor = token
        touched = touched + (self._where.get(token, []) if token is not None else [])
        for line in touched:
            self._refresh_lines(line, 1)
        if token is not None and token in self._where:
            line = self._where[token][0]
            if not self.scroll_y <= line < self.scroll_y + self.size.height:
                self.scroll_to(y=max(0, line - self.size.height // 2), animate=False)

    def _wrap_width(self) -> int:
        # The room inside the padding and beside the scrollbar's gutter (kept stable, so
        # that the scrollbar showing up does not change it).
        gutter = int(self.styles.scrollbar_size_vertical or 0)
        self._width = max(8, (self.scrollable_content_region.width or 60) - gutter)
        return self._width

    def _place(self, pieces: list[Piece]) -> None:
        width = self._width or self._wrap_width()
        for piece in pieces:
            self.pieces.append(piece)
            parts = safe(piece.text).split("\n")
            for n, part in enumerate(parts):
                if n > 0:
                    self.lines.append([])
                    self.widths.append(0)
                while part:
                    room = width - self.widths[-1]
                    if len(part) > room and self.widths[-1] > 0 and len(part) <= width:
                        self.lines.append([])  # the token goes whole onto the next line
                        self.widths.append(0)
                        continue
                    taken, part = part[: max(1, room)], part[max(1, room) :]
                    self.lines[-1].append(Piece(taken, piece.style, piece.token))
                    self.widths[-1] += len(taken)
                    if piece.token is not None:
                        self._where.setdefault(piece.token, []).append(len(self.lines) - 1)
                    if part:
                        self.lines.append([])
                        self.widths.append(0)

    def _sized(self, room: int = 0) -> None:
        self.virtual_size = Size(self._width, len(self.lines) + room)

    def _refresh_lines(self, first: int, count: int) -> None:
        top = int(self.scroll_y)
        self.refresh_lines(max(0, first - top), max(1, count))

    def on_resize(self) -> None:
        gutter = int(self.styles.scrollbar_size_vertical or 0)
        if self.scrollable_content_region.width - gutter != self._width:
            self.replace(list(self.pieces), self.cursor)

    # --- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.size.width
        base = self.rich_style
        if not 0 <= index < len(self.lines):
            return Strip.blank(width, base)
        segments = []
        for piece in self.lines[index]:
            style = Style.parse(piece.style) if piece.style else Style()
            if piece.token is not None and piece.token == self.cursor:
                style += Style(reverse=True)
            segments.append(Segment(piece.text, base + style))
        return Strip(segments).crop_extend(int(self.scroll_x), int(self.scroll_x) + width, base)
