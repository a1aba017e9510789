"""The app's screens, one per mode: the one list the app, the command palette and the tab
line read. Each mode is declared by its area (tui/areas: `Area.modes`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen
from textual.widget import Widget

from tui.registry import Mode, load
from tui.registry import modes as area_modes

__all__ = ["MODES", "Mode", "mode_bar", "mode_screens", "modes"]


def modes() -> tuple[Mode, ...]:
    """Every mode, in tab-line order."""
    return area_modes()


MODES = modes()


def _factory(mode: Mode) -> Callable[[], Screen[None]]:
    def make() -> Screen[None]:
        screen: Screen[None] = load(mode.screen)()
        return screen

    return make


def mode_bar(current: str) -> Widget | None:
    """The tab line for a screen of `current` mode, or None while there is only one."""
    if len(MODES) < 2:
        return None
    from tui.widgets.mode_bar import ModeBar

    return ModeBar([(m.name, m.title, m.key, m.short) for m in MODES], current)


def mode_screens() -> dict[str, str | Callable[[], Screen[Any]]]:
    """`App.MODES`: each mode's screen, made when the mode is first shown."""
    return {mode.name: _factory(mode) for mode in MODES}
