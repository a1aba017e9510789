"""A new key's value, shown this once: copy it (OSC 52) before closing, since the API never
shows it again and Loom keeps it nowhere — not in its store, its logs, the request
inspector, an export or a screenshot script's output."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.screens.dialogs import DIALOG_CSS
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain


class ShownOnce(ModalScreen[None]):
    """The value of a key just made, with `c` to copy it; Enter or Esc forgets it."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ShownOnce")
        + """
    ShownOnce #once-title { text-style: bold; }
    ShownOnce #once-value { margin: 1 0; background: $boost; padding: 0 1; }
    """
    )
    BINDINGS = [
        Binding("c", "copy", "Copy", id="once.copy", tooltip="Copy the key (OSC 52)"),
        Binding("enter,escape", "close", "Done", id="once.close", tooltip="Forget it here"),
    ]

    def __init__(self, what: str, value: str) -> None:
        super().__init__()
        self.what = what
        self._value = value
        self.copied = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(f"The key of {self.what}"), id="once-title")
            # The one place a key's value is drawn: not through `plain`, which masks keys.
            yield Static(Text(self._value), id="once-value")
            yield Static(
                Text(
                    "This is the only time it is shown: the API keeps only a redacted value "
                    "and Loom keeps none. c copies it · Enter or Esc closes."
                ),
                classes="dialog--hint",
            )
        yield KeyFooter()

    def action_copy(self) -> None:
        """Send the value to the terminal's clipboard."""
        copy = getattr(self.app, "copy_and_say", None)
        if copy is not None:
            copy(self._value, "the new key")
        else:
            self.app.copy_to_clipboard(self._value)
        self.copied = True

    def action_close(self) -> None:
        """Close, forgetting the value (ask once more if it was never copied)."""
        if not self.copied and not getattr(self, "_warned", False):
            self._warned = True
            self.notify(
                "The key was not copied: it cannot be shown again. Press c to copy it, or "
                "Enter again to close anyway.",
                severity="warning",
                timeout=6,
            )
            return
        self._value = ""
        self.query_one("#once-value", Static).update("")
        self.dismiss(None)
