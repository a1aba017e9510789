"""A one-line field for a file path that Tab completes, as a shell does: the one match,
else the longest common start (and the choices are shown); Tab on a complete path, or
with nothing to complete, moves on to the next field as usual."""

from __future__ import annotations

import os
from pathlib import Path

from textual.message import Message

from tui.widgets.field import Field

SHOWN = 8
"""Choices named when Tab cannot decide."""


def complete(text: str) -> tuple[str, list[str]]:
    """(the completed text, the choices when there are several) for a path being typed."""
    expanded = os.path.expanduser(text) if text.startswith("~") else text
    folder, _, start = expanded.rpartition("/")
    base = Path(folder or ("/" if expanded.startswith("/") else "."))
    if text.startswith("/") and not folder:
        base = Path("/")
    try:
        names = sorted(
            entry.name + ("/" if entry.is_dir() else "")
            for entry in os.scandir(base)
            if entry.name.startswith(start)
            and (start.startswith(".") or not entry.name.startswith("."))
        )
    except OSError:
        return text, []
    if not names:
        return text, []
    common = os.path.commonprefix(names)  # noqa: RUF071  (names, not paths: one folder)
    shown_folder = text[: len(text) - len(start)]
    if len(names) == 1:
        return shown_folder + names[0], []
    return shown_folder + common, names


class PathInput(Field):
    """An Input for a path, completed with Tab."""

    class Choices(Message):
        """Tab found several files: these."""

        def __init__(self, names: list[str]) -> None:
            super().__init__()
            self.names = names

    class _Tab(Message):
        """Tab was pressed (handled after the keys typed before it)."""

    def take_tab(self) -> None:
        """Tab, from the app: complete in turn with the keys already on their way."""
        self.post_message(self._Tab())

    def on_path_input__tab(self, message: _Tab) -> None:
        message.stop()
        if not self.tab_complete():
            self.screen.focus_next()

    def tab_complete(self) -> bool:
        """Complete the path; False when there was nothing to complete (Tab then moves
        focus on, as in any other field)."""
        if not self.value or self.cursor_position != len(self.value):
            return False
        done, choices = complete(self.value)
        if done != self.value:
            self.value = done
            self.cursor_position = len(done)
            return True
        if choices:
            self.post_message(
                self.Choices(choices[:SHOWN] + (["…"] if len(choices) > SHOWN else []))
            )
            return True
        return False
