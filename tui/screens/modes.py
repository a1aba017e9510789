"""The app's screens, one per mode: the one list the app, the command palette and the
tab line read. A new screen is added here (and nowhere else in the app)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from textual.screen import Screen
from textual.widget import Widget


@dataclass(frozen=True, slots=True)
class Mode:
    """One screen of the app."""

    name: str
    """The mode's name (`App.switch_mode`), and `loom NAME` opens it."""
    title: str
    """What the tab line and the palette call it."""
    screen: str
    """The screen class, as "module:Class" (imported when the mode is first shown)."""
    about: str
    """One line on what it is for (the palette's help)."""
    key: str | None = None
    """A key that goes there from anywhere, if any."""


MODES: tuple[Mode, ...] = (
    Mode(
        "chat",
        "Chat",
        "tui.screens.chat:ChatScreen",
        "Talk to a model; conversations are kept, searchable and branchable",
        "f9",
    ),
    Mode(
        "fine-tuning",
        "Fine-tuning",
        "tui.screens.fine_tuning:FineTuningScreen",
        "Jobs of this server followed live: loss curves, events, checkpoints; start one",
        "f10",
    ),
    Mode(
        "models",
        "Models",
        "tui.screens.models:ModelsScreen",
        "Every model of this server: its kind, context, prices, shutdown date; chat with one",
        "f11",
    ),
    Mode(
        "usage",
        "Usage",
        "tui.screens.usage:UsageScreen",
        "Tokens, requests and cost over time: the organisation's, or Loom's own ledger",
        "f12",
    ),
    Mode(
        "requests",
        "Requests",
        "tui.screens.requests:RequestsScreen",
        "Every request Loom made: status, timings, rate limits, headers, bodies, as curl",
        "f8",
    ),
)


def _factory(mode: Mode) -> Callable[[], Screen[None]]:
    def make() -> Screen[None]:
        module, _, name = mode.screen.partition(":")
        screen: Screen[None] = getattr(import_module(module), name)()
        return screen

    return make


def mode_bar(current: str) -> Widget | None:
    """The tab line for a screen of `current` mode, or None while there is only one."""
    if len(MODES) < 2:
        return None
    from tui.widgets.mode_bar import ModeBar

    return ModeBar([(m.name, m.title, m.key) for m in MODES], current)


def mode_screens() -> dict[str, str | Callable[[], Screen[Any]]]:
    """`App.MODES`: each mode's screen, made when the mode is first shown."""
    return {mode.name: _factory(mode) for mode in MODES}
