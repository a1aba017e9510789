"""A line chart drawn with Braille dots (2x4 per cell), or half blocks (1x2 per cell) on a
console that has no Braille: one colour per line from the theme, a legend that names
each line with a letter too (so it reads without colour), y labels, and a cursor that
says the values at a step when the chart has focus.

It draws what `tui.core.series` summarises per column, so a redraw costs the columns, not
the points; a redraw is asked at most `FRAME` seconds apart however often data arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget

from tui.core.series import Column, Series, Smoother
from tui.widgets.plain import plain as plain_text
from tui.widgets.theme_styles import series_styles

FRAME = 0.25
"""Seconds between redraws while data streams in."""
BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""The dot of each (row, column) of a Braille cell."""


@dataclass
class Line:
    """One line of the chart."""

    name: str
    label: str
    series: Series
    mark: str
    """A letter for the legend and the cursor readout."""
    shown: bool = True


def _number(value: float) -> str:
    """A y label in at most 7 characters."""
    if value == 0:
        return "0"
    size = abs(value)
    if size >= 10000 or size < 0.001:
        return f"{value:.1e}"
    if size >= 100:
        return f"{value:.0f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


class LineChart(Widget, can_focus=True):
    """Lines over a shared x axis (steps)."""

    DEFAULT_CSS = """
    LineChart {
        height: 1fr;
        min-height: 5;
        padding: 0 1 0 0;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    LineChart:focus {
        background: $boost;
    }
    """

    BINDINGS = [
        Binding("left", "cursor(-1)", "←", show=False),
        Binding("right", "cursor(1)", "→", show=False),
        Binding("shift+left", "cursor(-10)", "←10", show=False),
        Binding("shift+right", "cursor(10)", "→10", show=False),
        Binding("home", "cursor_end(0)", "First", show=False),
        Binding("end", "cursor_end(1)", "Last", show=False),
    ]

    log_scale: reactive[bool] = reactive(False)
    """Whether y is drawn on a log scale."""
    smoothing: reactive[float] = reactive(0.0)
    """The weight of the moving average (0: the raw points)."""
    cursor: reactive[int | None] = reactive(None)
    """The column the cursor is on (None: no cursor)."""

    def __init__(
        self,
        *,
        plain: bool = False,
        empty: str = "No points yet.",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.lines: list[Line] = []
        self.plain = plain
        """Half blocks instead of Braille (a console without Braille)."""
        self.empty = empty
        self.x_end: float | None = None
        """Where the x axis ends (a job's total steps), if known."""
        self._smoothers: dict[str, Smoother] = {}
        self._due = False
        self._versions: tuple[int, ...] = ()

    # --- data -----------------------------------------------------------------------------

    def set_lines(self, lines: list[Line]) -> None:
        """Show these lines (replacing any before)."""
        self.lines = lines
        self._smoothers.clear()
        self.cursor = None
        self.refresh()

    def data_changed(self) -> None:
        """Points were added: redraw soon (at most every FRAME seconds)."""
        if self._due:
            return
        self._due = True
        self.set_timer(FRAME, self._redraw)

    def _redraw(self) -> None:
        self._due = False
        versions = tuple(line.series.version for line in self.lines)
        if versions != self._versions:
            self._versions = versions
            self.refresh()

    def watch_log_scale(self) -> None:
        self.refresh()

    def watch_smoothing(self) -> None:
        self._smoothers.clear()
        self.refresh()

    def watch_cursor(self) -> None:
        self.refresh()

    def _drawn(self, line: Line) -> Series:
        if self.smoothing <= 0:
            return line.series
        smoother = self._smoothers.get(line.name)
        if smoother is None or smoother.weight != self.smoothing:
            smoother = self._smoothers[line.name] = Smoother(line.series, self.smoothing)
        return smoother.current()

    # --- the cursor -----------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        """Move the cursor by `delta` columns."""
        width = self._plot_width()
        if width <= 0:
            return
        start = width - 1 if self.cursor is None else self.cursor
        self.cursor = max(0, min(width - 1, start + delta))

    def action_cursor_end(self, end: int) -> None:
        """Put the cursor on the first (0) or last (1) column."""
        width = self._plot_width()
        if width > 0:
            self.cursor = 0 if end == 0 else width - 1

    def on_blur(self) -> None:
        self.cursor = None

    def readout(self) -> str:
        """What the cursor is on, as text ("" without a cursor)."""
        if self.cursor is None:
            return ""
        x_range = self._x_range()
        if x_range is None:
            return ""
        x0, x1 = x_range
        width = self._plot_width()
        per = (x1 - x0) / max(1, width)
        lo, hi = x0 + self.cursor * per, x0 + (self.cursor + 1) * per
        parts = [f"step {lo:,.0f}" + (f"–{hi:,.0f}" if hi - lo >= 2 else "")]
        for line in self.lines:
            if not line.shown:
                continue
            columns = self._drawn(line).columns(lo, hi, 1)
            if columns and columns[0] is not None:
                parts.append(f"{line.mark} {line.label} {_number(columns[0].last)}")
        return " · ".join(parts)

    # --- drawing ----------------------------------------------------------------------------

    def _plot_width(self) -> int:
        return max(0, self.size.width - 1 - 8)

    def _x_range(self) -> tuple[float, float] | None:
        starts, ends = [], []
        for line in self.lines:
            if line.shown and (found := line.series.x_range) is not None:
                starts.append(found[0])
                ends.append(found[1])
        if not starts:
            return None
        x0 = min(0.0, min(starts))
        x1 = max(ends) if self.x_end is None else max(self.x_end, max(ends))
        return (x0, x1 if x1 > x0 else x0 + 1)

    def render(self) -> RenderableType:
        width, height = self.size.width - 1, self.size.height
        shown = [line for line in self.lines if line.shown]
        x_range = self._x_range()
        if width < 12 or height < 3 or x_range is None or not shown:
            return plain_text(self.empty if not shown or x_range is None else "", style="dim")
        colours = series_styles(self.app)
        legend = Text(no_wrap=True, overflow="ellipsis")
        for n, line in enumerate(self.lines):
            style = colours[n % len(colours)] if line.shown else Style(dim=True)
            legend.append(f"{'━' if line.shown else '·'}{line.mark} {line.label}  ", style)
        plot_w, plot_h = width - 8, height - 2
        x0, x1 = x_range
        sub_x, sub_y = (1, 2) if self.plain else (2, 4)
        cols = plot_w * sub_x
        drawn = {
            line.name: self._drawn(line).columns(x0, x1, cols, log=self.log_scale) for line in shown
        }
        lows = [c.low for columns in drawn.values() for c in columns if c is not None]
        highs = [c.high for columns in drawn.values() for c in columns if c is not None]
        if not lows:
            return plain_text(self.empty, style="dim")
        y0, y1 = min(lows), max(highs)
        pad = (y1 - y0) * 0.05 or (abs(y1) * 0.05 or 1.0)
        y0, y1 = y0 - pad, y1 + pad
        rows = plot_h * sub_y
        masks = [[0] * plot_w for _ in range(plot_h)]
        owner: list[list[int]] = [[-1] * plot_w for _ in range(plot_h)]

        def dot_row(y: float) -> int:
            return max(0, min(rows - 1, round((y1 - y) / (y1 - y0) * (rows - 1))))

        for index in reversed(range(len(self.lines))):
            line = self.lines[index]
            if not line.shown:
                continue
            previous: Column | None = None
            for col, column in enumerate(drawn[line.name]):
                if column is None:
                    continue
                top, bottom = dot_row(column.high), dot_row(column.low)
                if previous is not None:
                    joined = dot_row(previous.last)
                    top, bottom = min(top, joined), max(bottom, joined)
                previous = column
                cell_x, dx = divmod(col, sub_x)
                for r in range(top, bottom + 1):
                    cell_y, dy = divmod(r, sub_y)
                    masks[cell_y][cell_x] |= (1 << dy) if self.plain else BRAILLE_BITS[dy][dx]
                    owner[cell_y][cell_x] = index
        labels = {0: _number(self._y(y1)), plot_h - 1: _number(self._y(y0))}
        if plot_h >= 5:
            labels[plot_h // 2] = _number(self._y((y0 + y1) / 2))
        out = Text(no_wrap=True, overflow="crop")
        out.append_text(legend)
        out.append("\n")
        # One style object per colour (and the cursor's), compared by identity: a redraw
        # walks every cell, and building or hashing a Style for each cost more than the rest.
        blank, cursor_style = Style(), Style(reverse=True)
        cursor = self.cursor
        cursor_styles = {id(style): style + cursor_style for style in (*colours, blank)}
        glyphs = self._glyph
        for r in range(plot_h):
            out.append(f"{labels.get(r, ''):>7}┤" if r in labels else "       │", "dim")
            run_style: Style | None = None
            run: list[str] = []
            mask_row, owner_row = masks[r], owner[r]
            for c in range(plot_w):
                mask = mask_row[c]
                style = colours[owner_row[c] % len(colours)] if mask else blank
                if cursor == c:
                    style = cursor_styles[id(style)]
                if style is not run_style and run:
                    out.append("".join(run), run_style)
                    run = []
                run_style = style
                run.append(glyphs(mask))
            if run:
                out.append("".join(run), run_style)
            out.append("\n")
        axis = f"{x0:,.0f}".ljust(plot_w // 2 - 2) + f"{(x0 + x1) / 2:,.0f}"
        right = f"{x1:,.0f} steps"
        axis = axis.ljust(max(0, plot_w - len(right))) + right
        out.append(" " * 8 + axis[:plot_w], "dim")
        return out

    def _y(self, value: float) -> float:
        return 10**value if self.log_scale else value

    def _glyph(self, mask: int) -> str:
        if not mask:
            return " "
        if self.plain:
            return {1: "▀", 2: "▄", 3: "█"}[mask & 3]
        return chr(0x2800 + mask)
