"""Where a growing Markdown text may be cut into independently rendered pieces.

A cut is safe at the start of a line that opens a new top-level paragraph after a blank
line, outside any fenced code block: not a list item, heading, quote, table, fence, rule or
indented continuation. Rendering the two pieces apart then gives the same blocks as
rendering the whole, and since a paragraph has no top margin, the same spacing too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"\d{1,9}[.)](?:[ \t]|$)")
_NOT_PARAGRAPH = frozenset("#`~>|<-*+=_[!")


def safe_split(text: str, min_offset: int = 0) -> int | None:
    """The last offset >= `min_offset` where `text` can be cut safely, or None."""
    best: int | None = None
    for offset in _safe_offsets(text):
        if offset >= min_offset:
            best = offset
    return best


def cut_pieces(text: str, size: int) -> list[str]:
    """A whole text cut at safe offsets into pieces of about `size` characters (longer
    only where no safe cut comes sooner, as inside a long code block); never empty."""
    cuts: list[int] = []
    start = previous = 0
    for offset in _safe_offsets(text):
        if offset - start > size:
            start = previous if previous > start else offset
            cuts.append(start)
        previous = offset
    if len(text) - start > size and previous > start:
        cuts.append(previous)
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in pairwise(bounds)]


def _safe_offsets(text: str) -> Iterator[int]:
    """Every offset where `text` can be cut safely, in order."""
    fence: str | None = None
    offset = 0
    prev_blank = False
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        match = _FENCE.match(stripped)
        if fence is None:
            if (
                prev_blank
                and stripped
                and not stripped[0].isspace()
                and stripped[0] not in _NOT_PARAGRAPH
                and not _LIST_ITEM.match(stripped)
                and line.endswith("\n")
            ):
                yield offset
            if match:
                fence = match.group(1)
        elif (
            match
            and match.group(1)[0] == fence[0]
            and len(match.group(1)) >= len(fence)
            and not stripped[match.end() :].strip()
        ):
            fence = None
        prev_blank = fence is None and not stripped.strip()
        offset += len(line)
