"""Theme colours as Rich styles, for what draws its own text (charts, the job list): the
same colours in every theme, the terminal's 16 in loom-ansi."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from textual.color import Color

SERIES = ("primary", "warning", "success", "accent", "secondary", "error")
"""The theme colours a chart's series take, in turn."""


def theme_style(app: Any, name: str) -> Style:
    """The foreground of one theme colour ("muted": dim); plain if the theme lacks it."""
    if name == "muted":
        return Style(dim=True)
    value = getattr(app.current_theme, name, None)
    if not value:
        return Style()
    try:
        return Style(color=Color.parse(value).rich_color)
    except Exception:  # a colour Textual cannot read: drawn plain, never a crash
        return Style()


def series_styles(app: Any) -> list[Style]:
    """A style for each series of a chart, in the order of SERIES."""
    return [theme_style(app, name) for name in SERIES]
