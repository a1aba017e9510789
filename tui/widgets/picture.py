"""A picture drawn with half blocks: each cell is `▀` in the colour of the pixel above on
the colour of the pixel below, which every terminal draws — inside tmux, over SSH, and in 16
colours (Textual brings the colours down to what the terminal has). The image is given
already shrunk to about the widget's size (tui.core.pictures, in a thread); the lines are
made once per size and image."""

from __future__ import annotations

from typing import Any

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.strip import Strip
from textual.widget import Widget

from tui.widgets.graphics import image_widget

HALF = "▀"


def half_blocks(pixels: Any, width: int) -> list[Strip]:
    """Strips of `width` cells for RGB `pixels` (a PIL image with an even height), centred;
    a run of cells of one colour pair is one segment."""
    import numpy as np

    data = np.asarray(pixels, dtype=np.uint8)
    height = data.shape[0] - data.shape[0] % 2
    columns = data.shape[1]
    left = max(0, (width - columns) // 2)
    right = max(0, width - columns - left)
    styles: dict[bytes, Style] = {}
    strips: list[Strip] = []
    for y in range(0, height, 2):
        top, bottom = data[y], data[y + 1]
        segments: list[Segment] = [Segment(" " * left)] if left else []
        run = 0
        key = b""
        for x in range(columns):
            here = top[x].tobytes() + bottom[x].tobytes()
            if here == key:
                run += 1
                continue
            if run:
                segments.append(Segment(HALF * run, styles[key]))
            key, run = here, 1
            if key not in styles:
                t, b = top[x], bottom[x]
                styles[key] = Style(
                    color=Color.from_rgb(int(t[0]), int(t[1]), int(t[2])),
                    bgcolor=Color.from_rgb(int(b[0]), int(b[1]), int(b[2])),
                )
        if run:
            segments.append(Segment(HALF * run, styles[key]))
        if right:
            segments.append(Segment(" " * right))
        strips.append(Strip(segments, left + columns + right))
    return strips


class Picture(Widget):
    """An image in half blocks (or through the terminal's graphics protocol, where
    tui.widgets.graphics found one), or a line of words where there is none."""

    DEFAULT_CSS = """
    Picture { width: 1fr; height: 1fr; }
    Picture > .picture-graphics { width: 1fr; height: 1fr; display: none; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pixels: Any | None = None
        self.note: Text = Text("")
        self.drawn_by_terminal = False
        """Whether the terminal draws the image itself (its graphics protocol)."""
        self._strips: tuple[tuple[int, int], list[Strip]] | None = None

    def compose(self) -> ComposeResult:
        kind = image_widget()
        if kind is not None:
            yield kind(classes="picture-graphics")

    def show(self, pixels: Any | None, note: str | Text = "", image: Any | None = None) -> None:
        """Show `pixels` (RGB, shrunk to fit: tui.core.pictures.shrunk), or `note`; where
        the terminal draws images, `image` (a PIL image) is given to it instead."""
        self.pixels = pixels
        self.note = note if isinstance(note, Text) else Text(note, style="dim")
        self._strips = None
        graphics = next(iter(self.query(".picture-graphics")), None)
        self.drawn_by_terminal = graphics is not None and image is not None and pixels is not None
        if graphics is not None:
            if self.drawn_by_terminal:
                graphics.image = image  # type: ignore[attr-defined]
            graphics.display = self.drawn_by_terminal
        self.refresh()

    def lines(self) -> list[Strip]:
        """The strips for the present size (made once per size and image)."""
        size = (self.size.width, self.size.height)
        if self._strips is None or self._strips[0] != size:
            made = [] if self.pixels is None else half_blocks(self.pixels, size[0])
            self._strips = (size, made)
        return self._strips[1]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self.drawn_by_terminal:
            return Strip.blank(width, self.rich_style)
        if self.pixels is None:
            if y == 0 and self.note:
                return Strip(list(self.note.render(self.app.console)), self.note.cell_len).crop(
                    0, width
                )
            return Strip.blank(width, self.rich_style)
        lines = self.lines()
        top = max(0, (self.size.height - len(lines)) // 2)
        if top <= y < top + len(lines):
            return lines[y - top].crop(0, width)
        return Strip.blank(width, self.rich_style)
