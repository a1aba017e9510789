"""Stacked bars over time: one bar per bucket (neighbouring buckets added together when
there are more than columns), each stacked from its series in theme colours, the top of
each bar to an eighth of a cell. A legend names each series with a letter too, so it reads
without colour; with focus, ←/→ move a cursor and the chart says what that bar is made of.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from tui.widgets.plain import plain
from tui.widgets.theme_styles import series_styles

EIGHTHS = " ▁▂▃▄▅▆▇█"
MARKS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class Stack:
    """One series of the bars: its name and one value per bucket."""

    name: str
    values: list[float]


class BarChart(Widget, can_focus=True):
    """Stacked bars, one per bucket (or group of buckets)."""

    DEFAULT_CSS = """
    BarChart { height: 1fr; min-height: 6; text-wrap: nowrap; text-overflow: clip; }
    BarChart:focus { background: $boost; }
    """

    BINDINGS = [
        Binding("left", "move(-1)", "←", show=False),
        Binding("right", "move(1)", "→", show=False),
        Binding("home", "to(0)", "First", show=False),
        Binding("end", "to(-1)", "Last", show=False),
    ]

    cursor: reactive[int | None] = reactive(None)
    """The column the cursor is on (None: none)."""

    class Pointed(Message):
        """The cursor is on a bar: what it holds, in words."""

        def __init__(self, chart: BarChart, words: str) -> None:
            super().__init__()
            self.chart = chart
            self.words = words

        @property
        def control(self) -> BarChart:
            """The chart."""
            return self.chart

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.starts: list[int] = []
        self.stacks: list[Stack] = []
        self.label_of: Callable[[int, int], str] = lambda start, end: str(start)
        """Words for the time a bar covers (its first and last bucket's starts)."""
        self.figure: Callable[[float], str] = lambda value: f"{value:,.0f}"
        self.empty = "Nothing in this range."

    def show(self, starts: list[int], stacks: list[Stack]) -> None:
        """Draw these buckets and series."""
        self.starts = starts
        self.stacks = stacks
        if self.cursor is not None:
            self.cursor = min(self.cursor, max(0, self._columns() - 1))
        self.refresh()

    # --- geometry --------------------------------------------------------------------------

    def _plot_width(self) -> int:
        return max(1, self.size.width - 9)

    def _columns(self) -> int:
        return min(len(self.starts), self._plot_width())

    def _groups(self) -> list[tuple[int, int]]:
        """(first, last) bucket index of each column."""
        count = len(self.starts)
        columns = self._columns()
        if not columns:
            return []
        return [(n * count // columns, (n + 1) * count // columns - 1) for n in range(columns)]

    def _column_values(self) -> list[list[float]]:
        """Per column, the value of each stack (what is not a finite amount above 0 draws
        as nothing: a bar is never made of a negative or endless quantity)."""
        out = []
        for first, last in self._groups():
            out.append([_drawable(sum(s.values[first : last + 1])) for s in self.stacks])
        return out

    # --- the cursor --------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        """Move the cursor to another bar."""
        columns = self._columns()
        if columns:
            start = columns - 1 if self.cursor is None else self.cursor
            self.cursor = max(0, min(columns - 1, start + delta))

    def action_to(self, end: int) -> None:
        """The first (0) or last (-1) bar."""
        columns = self._columns()
        if columns:
            self.cursor = 0 if end == 0 else columns - 1

    def on_blur(self) -> None:
        self.cursor = None

    def watch_cursor(self) -> None:
        self.refresh()
        self.post_message(self.Pointed(self, self.describe()))

    def describe(self) -> str:
        """What the bar under the cursor holds ("" without a cursor)."""
        if self.cursor is None or not self.starts:
            return ""
        groups = self._groups()
        if not 0 <= self.cursor < len(groups):
            return ""
        first, last = groups[self.cursor]
        values = self._column_values()[self.cursor]
        total = sum(values)
        parts = [
            f"{MARKS[n % 26]} {s.name} {self.figure(v)}"
            for n, (s, v) in enumerate(zip(self.stacks, values, strict=True))
            if v
        ]
        when = self.label_of(self.starts[first], self.starts[last])
        return f"{when}: {self.figure(total)}" + (" — " + ", ".join(parts) if parts else "")

    # --- drawing --------------------------------------------------------------------------

    def render(self) -> RenderableType:
        height = self.size.height
        columns = self._column_values()
        if not columns or not self.stacks or height < 4:
            return plain(self.empty, style="dim")
        styles = series_styles(self.app)
        top = max((sum(c) for c in columns), default=0.0)
        legend = Text(no_wrap=True, overflow="ellipsis")
        for n, stack in enumerate(self.stacks):
            item = f"█{MARKS[n % 26]} {stack.name}  "
            rest = f"+{len(self.stacks) - n}"
            final = n == len(self.stacks) - 1
            if legend.cell_len + len(item) + (0 if final else len(rest) + 1) > self.size.width:
                legend.append(rest, "dim")  # the rest, whole, rather than one name cut
                break
            legend.append(item, styles[n % len(styles)])
        if top <= 0:
            return Text.assemble(legend, "\n", plain(self.empty, style="dim"))
        rows = height - 2
        eighths = rows * 8
        # Each column: which stack fills each eighth, from the bottom.
        fills: list[list[int]] = []
        for values in columns:
            cells: list[int] = []
            for n, value in enumerate(values):
                cells += [n] * min(eighths, round(value / top * eighths))
            fills.append(cells[:eighths])
        out = Text(no_wrap=True, overflow="crop")
        out.append_text(legend)
        out.append("\n")
        reverse = Style(reverse=True)
        for r in range(rows):
            label = self.figure(top) if r == 0 else (self.figure(top / 2) if r == rows // 2 else "")
            out.append(f"{label:>7}┤" if label else "       │", "dim")
            low = (rows - 1 - r) * 8  # the eighths this row covers: low .. low + 8
            for c, cells in enumerate(fills):
                filled = max(0, min(8, len(cells) - low))
                if filled == 0:
                    glyph, style = " ", Style()
                else:
                    owner = cells[min(len(cells) - 1, low + filled - 1)]
                    glyph = EIGHTHS[filled]
                    style = styles[owner % len(styles)]
                if c == self.cursor:
                    style = style + reverse if filled else Style(bgcolor="grey23")
                    glyph = glyph if filled else "│"
                out.append(glyph, style)
            out.append("\n")
        groups = self._groups()
        first = self.label_of(self.starts[groups[0][0]], self.starts[groups[0][0]])
        last = self.label_of(self.starts[groups[-1][1]], self.starts[groups[-1][1]])
        room = len(groups)
        axis = (
            first.ljust(max(0, room - len(last))) + last if len(first) + len(last) < room else first
        )
        out.append(" " * 8 + axis[: self._plot_width()], "dim")
        return out


def _drawable(value: float) -> float:
    return value if math.isfinite(value) and value > 0 else 0.0
