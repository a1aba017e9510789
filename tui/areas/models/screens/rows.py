"""The browser's rows: each model's cells (made when first drawn), what filtering looks
in, the order each sort gives, the kind filter, and the group headings."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text

from tui.core.model_facts import KINDS, ModelInfo, dollars, short_name, tokens
from tui.core.text import moment
from tui.widgets.plain import plain
from tui.widgets.row_table import Row

if TYPE_CHECKING:
    from tui.core.catalogue import Catalogue

Made = list[tuple[ModelInfo, Row, str]]
"""Each model, its row, and what filtering looks in (its id, kind and owner)."""


def _ends_cell(info: ModelInfo, today: datetime.date, *, words: bool = True) -> Text:
    ends = info.ends(today)
    if ends is None:
        return Text("")
    when, day = ends
    word = {"past": "✗ shut " if info.shutdown else "✗ dep. ", "soon": "! ", "later": ""}[when]
    if not words:
        word = word[:2]  # the mark alone at 80 columns; the line under the table says which
    style = {"past": "bold reverse", "soon": "bold", "later": "dim"}[when]
    return Text(f"{word}{day}", style=style)


def _used(info: ModelInfo, uses: dict[str, Any]) -> tuple[int, float]:
    use = uses.get(info.id)
    return (use.replies, use.last_used) if use is not None else (0, 0.0)


def make(catalogue: Catalogue, keys: list[str], *, wide: bool) -> Made:
    """A row per model, its cells made only when the row is first drawn."""
    today = datetime.date.today()
    uses = catalogue.uses

    def cells(info: ModelInfo) -> tuple[Text, ...]:
        replies, last = _used(info, uses)
        values = {
            "id": plain(short_name(info.id)),
            "owner": plain(info.owned_by),
            "kind": Text(info.kind.value),
            "context": Text(tokens(info.context_window)),
            "input": Text(dollars(info.input_price)),
            "output": Text(dollars(info.output_price)),
            "used": Text(f"{replies:,}" if replies else ""),
            "ends": _ends_cell(info, today, words=wide),
            "max_output": Text(tokens(info.max_output)),
            "created": Text(moment(info.created, "%Y-%m-%d", utc=True)),
            "last": Text(moment(last, "%m-%d %H:%M") if last else ""),
        }
        return tuple(values[k] for k in keys)

    return [
        (
            info,
            Row(info.id, make=cells, source=info),
            f"{info.id} {info.kind.value} {info.owned_by}".lower(),
        )
        for info in catalogue.models
    ]


def sort_key(sort: str, uses: dict[str, Any]) -> Callable[[ModelInfo], Any]:
    """Where a model stands when sorted by `sort` (one function for the whole sort: it
    runs once per model, 5,000 times on a large server)."""

    def number(value: Callable[[ModelInfo], float]) -> Callable[[ModelInfo], Any]:
        return lambda info: (value(info), info.id)

    if sort == "context":
        return number(lambda info: info.context_window.value if info.context_window else -1)
    if sort == "input":
        return number(lambda info: info.input_price.value if info.input_price else -1)
    if sort == "output":
        return number(lambda info: info.output_price.value if info.output_price else -1)
    if sort == "used":
        return number(lambda info: _used(info, uses)[0])
    if sort == "created":
        return number(lambda info: info.created or 0)
    if sort == "kind":
        return lambda info: (
            KINDS.index(info.kind.value) if info.kind.value in KINDS else 99,
            info.id,
        )
    if sort == "ends":

        def ends(info: ModelInfo) -> Any:
            found = info.ends()
            return (found[1] if found else "9999", info.id)

        return ends
    if sort == "owner":
        return lambda info: (info.owned_by, info.id)
    return lambda info: info.id.lower()


def pick(
    made: Made,
    *,
    needle: str,
    kind: str,
    sort: str,
    reverse: bool,
    group: str,
    uses: dict[str, Any],
) -> list[tuple[ModelInfo, Row]]:
    """The models the filter and the kind let through, sorted, grouped (the order within
    each group kept)."""
    needle = needle.lower().strip()
    picked = [
        (info, row)
        for info, row, haystack in made
        if (not needle or needle in haystack)
        and (kind == "all" or (kind == "for chat" and info.chat) or info.kind.value == kind)
    ]
    key = sort_key(sort, uses)
    picked.sort(key=lambda pair: key(pair[0]), reverse=reverse)
    if group != "none":

        def group_of(info: ModelInfo) -> Any:
            if group == "kind":
                return KINDS.index(info.kind.value) if info.kind.value in KINDS else 99
            return info.owned_by

        picked.sort(key=lambda pair: group_of(pair[0]))  # stable: the order within stays
    return picked


def with_headings(picked: list[tuple[ModelInfo, Row]], group: str) -> list[Row]:
    """The rows with a heading over each group: its kind or owner and its count."""
    names = [
        info.kind.value if group == "kind" else (info.owned_by or "(no owner)")
        for info, _ in picked
    ]
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    found: list[Row] = []
    previous: str | None = None
    for name, (_, row) in zip(names, picked, strict=True):
        if name != previous:
            found.append(Row.group(plain(f"{name} · {counts[name]:,}")))
            previous = name
        found.append(row)
    return found
