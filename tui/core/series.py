"""Numeric series for charts: points kept in x order, summarised per column for drawing.

A chart is a few dozen to a couple of hundred columns wide, and a fine-tuning job may have
50,000 points: a redraw must not walk all of them. Points are kept in blocks of `BLOCK`
with their extremes, so summarising costs the number of blocks (plus the raw points of a
short series); a new point at the end updates only the last block (amortised O(1)).
Points that arrive older than the newest (a job's history fetched backwards) are put in
place; the blocks are then rebuilt at the next summary, once.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

BLOCK = 16
"""Points summarised together."""


@dataclass(slots=True)
class Column:
    """What one column of a chart shows of a series: the range of its points there and the
    last one (which a line passes through)."""

    low: float
    high: float
    last: float


class Series:
    """(x, y) points in x order; a second point at the same x replaces the first."""

    def __init__(self) -> None:
        self.xs: list[float] = []
        self.ys: list[float] = []
        self._mids: list[float] = []
        """The middle x of each full block (its first and last x halved)."""
        self._lows: list[float] = []
        """The lowest y of each full block."""
        self._highs: list[float] = []
        """The highest y of each full block."""
        self._dirty = False
        self.version = 0
        """Changes whenever a point is added or replaced."""
        self.inserts = 0
        """Changes whenever a point is put anywhere but at the end."""

    def __len__(self) -> int:
        return len(self.xs)

    def add(self, x: float, y: float) -> None:
        """Add a point (or replace the one at the same x)."""
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        self.version += 1
        xs = self.xs
        if not xs or x > xs[-1]:
            xs.append(x)
            self.ys.append(y)
            if not self._dirty and len(xs) % BLOCK == 0:
                self._summarise(len(xs) - BLOCK)
            return
        self.inserts += 1
        at = bisect_left(xs, x)
        if at < len(xs) and xs[at] == x:
            self.ys[at] = y
        else:
            xs.insert(at, x)
            self.ys.insert(at, y)
        self._dirty = True

    def _summarise(self, start: int) -> None:
        chunk = self.ys[start : start + BLOCK]
        self._mids.append((self.xs[start] + self.xs[start + BLOCK - 1]) / 2)
        self._lows.append(min(chunk))
        self._highs.append(max(chunk))

    def _rebuild(self) -> None:
        self._mids, self._lows, self._highs = [], [], []
        for start in range(0, len(self.xs) - len(self.xs) % BLOCK, BLOCK):
            self._summarise(start)
        self._dirty = False

    @property
    def x_range(self) -> tuple[float, float] | None:
        """The first and last x, if there are points."""
        return (self.xs[0], self.xs[-1]) if self.xs else None

    def columns(
        self, x0: float, x1: float, count: int, *, log: bool = False
    ) -> list[Column | None]:
        """For each of `count` equal slices of [x0, x1], what the series has there (None
        where it has no point); y as log10 when `log` (points ≤ 0 left out)."""
        if count <= 0 or not self.xs:
            return []
        if self._dirty:
            self._rebuild()
        width = (x1 - x0) or 1.0
        out: list[Column | None] = [None] * count
        scale = count / width

        def put(x: float, low: float, high: float, last: float) -> None:
            index = int((x - x0) * scale)
            if index == count:
                index -= 1
            if not 0 <= index < count:
                return
            seen = out[index]
            if seen is None:
                out[index] = Column(low, high, last)
            else:
                seen.low = min(seen.low, low)
                seen.high = max(seen.high, high)
                seen.last = last

        per_column = len(self.xs) / count
        start = bisect_left(self.xs, x0)
        if per_column < 4 * BLOCK and not log:
            # The points of a column are a run of the sorted xs: min/max of their slice.
            xs, ys, end = self.xs, self.ys, bisect_right(self.xs, x1)
            for index in range(count):
                if index == count - 1:
                    upto = end
                else:
                    upto = bisect_left(xs, x0 + (index + 1) / scale, start, end)
                if upto > start:
                    chunk = ys[start:upto]
                    out[index] = Column(min(chunk), max(chunk), chunk[-1])
                    start = upto
            return out
        if per_column < 4 * BLOCK or log:
            ys = self.ys
            for i in range(start, len(self.xs)):
                x = self.xs[i]
                if x > x1:
                    break
                y = ys[i]
                if log:
                    if y <= 0:
                        continue
                    y = math.log10(y)
                put(x, y, y, y)
            return out
        # Whole blocks, each counted where its middle falls: the blocks of a column are a
        # run of the sorted middles, their extremes taken by min/max of slices (a redraw
        # costs the columns, not a Python step per block).
        mids, lows, highs = self._mids, self._lows, self._highs
        first, end = bisect_left(mids, x0), bisect_right(mids, x1)
        for index in range(count):
            upto = (
                end
                if index == count - 1
                else bisect_left(mids, x0 + (index + 1) / scale, first, end)
            )
            if upto > first:
                low, high = min(lows[first:upto]), max(highs[first:upto])
                out[index] = Column(low, high, high if high == low else (low + high) / 2)
                first = upto
        tail = len(mids) * BLOCK
        for i in range(max(tail, start), len(self.xs)):
            if self.xs[i] > x1:
                break
            put(self.xs[i], self.ys[i], self.ys[i], self.ys[i])
        # A block's "last" is not its last point: mend each column's with the real one.
        for index, column in enumerate(out):
            if column is None:
                continue
            edge = x0 + (index + 1) / scale
            at = bisect_left(self.xs, edge) - 1
            if 0 <= at < len(self.ys) and self.xs[at] >= x0:
                column.last = min(max(self.ys[at], column.low), column.high)
        return out

    def y_range(self, x0: float, x1: float, *, log: bool = False) -> tuple[float, float] | None:
        """The lowest and highest y over [x0, x1]."""
        columns = [c for c in self.columns(x0, x1, 256, log=log) if c is not None]
        if not columns:
            return None
        return min(c.low for c in columns), max(c.high for c in columns)


class Smoother:
    """An exponential moving average of a series (weight of the past: 0 = none, 0.99 =
    heavy), as TensorBoard smooths training curves, debiased at the start. Kept up to date
    point by point while the series only grows at its end."""

    def __init__(self, source: Series, weight: float) -> None:
        self.source = source
        self.weight = weight
        self.series = Series()
        self._seen_version = -1
        self._inserts = -1
        self._average = 0.0

    def current(self) -> Series:
        """The smoothed series, as of now."""
        source, out = self.source, self.series
        if source.version == self._seen_version:
            return out
        grew_only = self._inserts == source.inserts and len(out) <= len(source)
        if not grew_only:
            out.__init__()  # type: ignore[misc]
            self._average = 0.0
        w = self.weight
        for n in range(len(out), len(source)):
            y = source.ys[n]
            if not 0 < w < 1:
                out.add(source.xs[n], y)
                continue
            self._average = self._average * w + (1 - w) * y
            out.add(source.xs[n], self._average / (1 - w ** (n + 1)))
        self._seen_version = source.version
        self._inserts = source.inserts
        return out
