"""Numbers a server sends, as Loom can use them: counts, moments and amounts that are
finite, not negative and within what any real server reports. Anything else (`1e400`,
`inf`, `-5`, 10**30 tokens, a date in the year 3 million) is dropped — None, or the field's
default — never an error: a header or a usage figure is data, and one bad value must not
fail a request, a chart or a save.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator

MOST_COUNT = 10**13
"""The largest count taken (a request's tokens, a file's bytes): ten trillion is far
beyond any real figure, and sums of millions of them stay inside SQLite's 64-bit integers
and a float's exact range."""
MOST_AMOUNT = 1e15
"""The largest amount taken (an organisation's tokens or dollars in one bucket)."""
LATEST_MOMENT = 253_402_300_799
"""9999-12-31 23:59:59 UTC: the last moment every platform's time functions can show."""


def count(value: Any, most: int = MOST_COUNT) -> int | None:
    """`value` as a whole number from 0 to `most`; None when it is not one (a string, a
    bool, NaN, infinite, negative, too large)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 40:
            return None
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= most:
        return None
    return value


def amount(value: Any, most: float = MOST_AMOUNT) -> float | None:
    """`value` as a finite number from 0 to `most` (dollars, seconds); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number) or not 0.0 <= number <= most:
        return None
    return number


def moment(value: Any) -> int | None:
    """A Unix time in seconds that every clock function can show; None otherwise."""
    return count(value, LATEST_MOMENT)


def _count_or_zero(value: Any) -> int:
    return count(value) or 0


def _moment_or_zero(value: Any) -> int:
    return moment(value) or 0


Count = Annotated[int, BeforeValidator(_count_or_zero)]
"""A count a server reports (tokens, bytes): 0 when it is not a usable number."""
OptionalCount = Annotated[int | None, BeforeValidator(count)]
"""A count a server may leave out: None when it is missing or not usable."""
Moment = Annotated[int, BeforeValidator(_moment_or_zero)]
"""A Unix time a server reports: 0 ("no date") when it is not one Loom can show."""
OptionalMoment = Annotated[int | None, BeforeValidator(moment)]
"""A Unix time a server may leave out: None when it is missing or not usable."""
