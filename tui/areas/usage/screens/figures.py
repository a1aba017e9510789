"""What a dataset looks like on the usage screen: the bars (a stack per group, the
biggest SHOWN on their own, the rest together; or a stack per part when not grouped), the
table's rows with each group's total and share, and the time a bar covers in words."""

from __future__ import annotations

from rich.text import Text

from tui.areas.usage.core.book import Dataset, short
from tui.core.text import moment
from tui.core.words import short_model
from tui.widgets.bar_chart import MARKS, Stack
from tui.widgets.plain import plain
from tui.widgets.row_table import Row

SHOWN = 6
"""Groups drawn on their own; the rest together as "others"."""


def when(start: int, width: int) -> str:
    """A bucket's start, as short as its width allows: `12-03`, `12-03 14:00`, `14:05`."""
    if width >= 86400:
        return moment(start, "%m-%d")
    if width >= 3600:
        return moment(start, "%m-%d %H:00")
    return moment(start, "%H:%M")


def span(first: int, last: int, width: int) -> str:
    """The time one bar covers (its first and last bucket's starts)."""
    return when(first, width) if first == last else f"{when(first, width)}–{when(last, width)}"


def stacks(dataset: Dataset) -> list[Stack]:
    """The bars' stacks: a part each when not grouped, else a group each (the biggest
    SHOWN, then the rest as one)."""
    count = range(len(dataset.starts))
    if dataset.query.group is None:
        return [
            Stack(part, [sum(v[p][i] for v in dataset.values.values()) for i in count])
            for p, part in enumerate(dataset.parts)
        ]
    names = list(dataset.totals())
    shown, rest = names[:SHOWN], names[SHOWN:]
    found = [
        Stack(short_model(name), [sum(col) for col in zip(*dataset.values[name], strict=True)])
        for name in shown
    ]
    if rest:
        parts = range(len(dataset.parts))
        found.append(
            Stack(
                f"{len(rest)} others",
                [sum(sum(dataset.values[n][p][i] for p in parts) for n in rest) for i in count],
            )
        )
    return found


def rows(dataset: Dataset) -> list[Row]:
    """The table: each group's mark, name, total and share, then the total."""
    totals = dataset.totals()
    metric, currency = dataset.query.metric, dataset.currency
    whole = sum(totals.values()) or 1.0
    found = [
        Row(
            name,
            (
                Text(MARKS[n % 26] if n < SHOWN else "·"),
                plain(short_model(name)),
                Text(short(value, metric, currency)),
                Text(f"{100 * value / whole:.1f}%"),
            ),
        )
        for n, (name, value) in enumerate(totals.items())
    ]
    found.append(
        Row(
            "(total)",
            (
                Text(""),
                Text("total", style="bold"),
                Text(short(whole if totals else 0, metric, currency), style="bold"),
                Text(""),
            ),
        )
    )
    return found
