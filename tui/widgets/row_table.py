"""A table of many rows drawn line by line: only the rows on screen are rendered, so a list
of thousands (OpenRouter's models, an organisation's fine-tunes) is shown, filtered and
sorted in well under a frame. The header stays on top; a cursor row is moved with the
arrow and page keys and told to the screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its key, header, and width (None: as wide as what it holds, up to
    `most`)."""

    key: str
    label: str
    width: int | None = None
    most: int = 40
    right: bool = False
    middle: bool = False
    """Cut a value too long for the column in its middle (`GET /fine_tu…/events`), so
    both ends stay: for paths, where the end says as much as the start."""


class Row:
    """A row: its key and its cells, in the order of the columns; the cells may be made
    when the row is first drawn (`make`), so a list of thousands costs only its keys."""

    __slots__ = ("_cells", "_make", "_source", "heading", "key")

    def __init__(
        self,
        key: str,
        cells: tuple[Text, ...] | None = None,
        make: Callable[[Any], tuple[Text, ...]] | None = None,
        source: Any = None,
        *,
        heading: bool = False,
    ) -> None:
        self.key = key
        self._cells = cells
        self._make = make
        """Makes the cells from `source` (one function for every row: a closure per row
        cost more than the row itself in a list of 5,000)."""
        self._source = source
        self.heading = heading
        """A group's heading: one line across the columns, which the cursor passes over."""

    @classmethod
    def group(cls, title: Text) -> Row:
        """A heading row over the rows of one group."""
        return cls(f"\x00group:{title.plain}", (title,), heading=True)

    @property
    def cells(self) -> tuple[Text, ...]:
        """The row's cells (made now if they were not)."""
        if self._cells is None:
            self._cells = self._make(self._source) if self._make is not None else ()
        return self._cells


class RowTable(ScrollView, can_focus=True):
    """Rows under a header, one line each."""

    DEFAULT_CSS = """
    RowTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    RowTable > .row-table--header { text-style: bold; color: $text-muted; }
    RowTable > .row-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    RowTable:blur > .row-table--cursor { background: $block-cursor-blurred-background; }
    RowTable > .row-table--heading { text-style: bold underline; color: $text-accent; }
    """
    COMPONENT_CLASSES = {"row-table--header", "row-table--cursor", "row-table--heading"}

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "to(0)", "First", show=False),
        Binding("end", "to(-1)", "Last", show=False),
        Binding("enter", "choose", "Open", show=False),
    ]

    cursor: reactive[int] = reactive(0)
    """The row the cursor is on."""

    class Highlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, table: RowTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> RowTable:
            """The table (what `@on(..., "#id")` matches)."""
            return self.table

    class Chosen(Message):
        """Enter on a row."""

        def __init__(self, table: RowTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> RowTable:
            """The table (what `@on(..., "#id")` matches)."""
            return self.table

    def __init__(self, columns: Sequence[Column], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self.rows: list[Row] = []
        self._widths: list[int] = []
        self._told: str | None = None

    # --- data -----------------------------------------------------------------------------

    def show(self, rows: list[Row], *, keep: str | None = None) -> None:
        """Show these rows; the cursor stays on `keep` (a row key) if it is among them."""
        self.rows = rows
        self._widths = self._measure()
        index = 0
        if keep is not None:
            index = next((n for n, row in enumerate(rows) if row.key == keep), 0)
        index = self._landing(index, 1)
        self.virtual_size = Size(sum(self._widths) + len(self._widths), len(rows) + 1)
        self.set_reactive(RowTable.cursor, min(index, max(0, len(rows) - 1)))
        self._follow_cursor()
        self.call_after_refresh(self._follow_cursor)
        self.refresh()
        self._tell()

    def _measure(self) -> list[int]:
        widths = []
        rows = self.rows
        step = max(1, len(rows) // 40)
        sample = rows[:40] + rows[::step] + rows[-20:]  # not every row: about a hundred
        sample = [row for row in sample if not row.heading]
        for n, column in enumerate(self.columns):
            if column.width is not None:
                # A column nobody has a value in gives its room to those that do.
                empty = bool(sample) and all(not row.cells[n].plain.strip() for row in sample)
                widths.append(max(1, len(column.label)) if empty else column.width)
                continue
            longest = max([len(column.label), *(row.cells[n].cell_len for row in sample)])
            widths.append(min(column.most, longest))
        # Too wide for the screen: the flexible columns give up room, down to 12 cells.
        room = self.size.width - len(widths) - 1
        over = sum(widths) - room
        for n, column in enumerate(self.columns):
            if over <= 0 or room <= 0:
                break
            if column.width is None:
                give = min(over, max(0, widths[n] - 12))
                widths[n] -= give
                over -= give
        return widths

    def on_resize(self) -> None:
        if self.rows:
            self._widths = self._measure()
            self.refresh()

    @property
    def current(self) -> Row | None:
        """The row under the cursor."""
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def _tell(self) -> None:
        key = self.current.key if self.current is not None else None
        if key != self._told:
            self._told = key
            self.post_message(self.Highlighted(self, key))

    # --- keys -----------------------------------------------------------------------------

    def _follow_cursor(self) -> None:
        height = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def watch_cursor(self) -> None:
        self._follow_cursor()
        # Once more after the next refresh: a scroll asked for before the new virtual
        # size is laid out is held to the old one.
        self.call_after_refresh(self._follow_cursor)
        self.refresh()
        self._tell()

    def _landing(self, index: int, direction: int) -> int:
        """The nearest row at or past `index` (in `direction`, else back) that is not a
        heading; `index` when there is none."""
        rows = self.rows
        for step in (direction, -direction):
            at = max(0, min(len(rows) - 1, index))
            while 0 <= at < len(rows) and rows[at].heading:
                at += step
            if 0 <= at < len(rows):
                return at
        return max(0, min(len(rows) - 1, index))

    def action_move(self, delta: int) -> None:
        """Move the cursor by rows (over group headings)."""
        if self.rows:
            target = max(0, min(len(self.rows) - 1, self.cursor + delta))
            self.cursor = self._landing(target, 1 if delta >= 0 else -1)

    def action_page(self, direction: int) -> None:
        """Move the cursor by a screenful."""
        self.action_move(direction * max(1, self.size.height - 2))

    def action_to(self, end: int) -> None:
        """The first (0) or last (-1) row."""
        if self.rows:
            self.cursor = self._landing(0, 1) if end == 0 else self._landing(len(self.rows), -1)

    def action_choose(self) -> None:
        """Enter: tell the screen which row."""
        if self.current is not None and not self.current.heading:
            self.post_message(self.Chosen(self, self.current.key))

    # --- drawing --------------------------------------------------------------------------

    def _line(self, cells: Sequence[Text], style: Style) -> Strip:
        line = Text(no_wrap=True, overflow="ellipsis")
        for n, (cell, width) in enumerate(zip(cells, self._widths, strict=False)):
            shown = cell.copy()
            if self.columns[n].middle and shown.cell_len > width > 3:
                head = (width - 1) // 2
                tail = width - 1 - head
                shown = Text.assemble(
                    shown[:head], "…", shown[len(shown) - tail :], no_wrap=True, end=""
                )
            shown.truncate(width, overflow="ellipsis")
            if self.columns[n].right:
                shown.pad_left(width - shown.cell_len)
            else:
                shown.pad_right(width - shown.cell_len)
            line.append_text(shown)
            line.append(" ")
        width = self.size.width
        strip = Strip(list(line.render(self.app.console))).crop_extend(
            int(self.scroll_x), int(self.scroll_x) + width, None
        )
        return strip.apply_style(style)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            header = self.get_component_rich_style("row-table--header")
            labels = tuple(Text(c.label) for c in self.columns)
            return self._line(labels, base + header)
        index = int(self.scroll_y) + y - 1
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        if row.heading:
            title = row.cells[0].copy()
            title.truncate(width, overflow="ellipsis")
            title.pad_right(width - title.cell_len)
            heading = base + self.get_component_rich_style("row-table--heading")
            return Strip(list(title.render(self.app.console))).apply_style(heading)
        style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("row-table--cursor")
        return self._line(row.cells, style)
