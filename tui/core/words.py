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
