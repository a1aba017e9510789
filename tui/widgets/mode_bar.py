"""The line that names the app's screens and the key to each: shown once there are two."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class ModeBar(Widget):
    """`Chat f9 │ Models f10 …`, the current screen marked; one line, fits 80 columns."""

    DEFAULT_CSS = """
    ModeBar {
        dock: top;
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    current: reactive[str] = reactive("")
    """The mode on screen."""

    def __init__(self, modes: list[tuple[str, str, str | None]], current: str) -> None:
        """`modes`: (name, title, key) of each screen."""
        super().__init__()
        self.modes = modes
        self.set_reactive(ModeBar.current, current)

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        for n, (name, title, key) in enumerate(self.modes):
            if n:
                line.append(" │ ")
            line.append(title, style="bold reverse" if name == self.current else "bold")
            if key:
                line.append(f" {key}", style="dim")
        return line
