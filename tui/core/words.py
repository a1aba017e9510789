"""Names, times and lengths in a few characters, as tables and status lines show them;
no Textual, shared by every area."""

from __future__ import annotations

from tui.core.text import moment, safe


def short_model(model: str) -> str:
    """A model id without its date (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`)."""
    import re

    return safe(re.sub(r"-\d{4}-\d{2}-\d{2}$", "", model))


def duration(seconds: float) -> str:
    """`45s`, `3m 20s`, `2h 05m`, `3d 4h`."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {s:02d}s"
    hours, m = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {m:02d}m"
    days, h = divmod(hours, 24)
    return f"{days}d {h}h"


def when(timestamp: int | float | None) -> str:
    """A moment in local time, short: `12-01 14:03`."""
    return moment(timestamp, "%m-%d %H:%M")


def clock(timestamp: int | float | None) -> str:
    """A moment in local time with seconds: `14:03:27`."""
    return moment(timestamp, "%H:%M:%S")


SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹"}
"""Currencies written with their sign; any other is written with its code (`42.50 CHF`)."""


def money(value: float, currency: str = "usd") -> str:
    """An amount in the currency the server named: `$3.40`, `€42.50`, `12.00 CHF`, and
    enough digits for a small amount to show (`$0.0012`, never `$0.00` beside a share)."""
    if value == 0:
        digits = f"{0:.2f}"
    elif value < 0.01:
        digits = f"{value:.4f}" if value >= 0.0001 else f"{value:.2g}"
    elif value < 1000:
        digits = f"{value:,.2f}"
    else:
        digits = f"{value / 1000:,.1f}k"
    code = (currency or "usd").lower()
    sign = SYMBOLS.get(code)
    return f"{sign}{digits}" if sign else f"{digits} {code.upper()}"
