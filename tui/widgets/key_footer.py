"""The footer of every screen: its keys in one line, as Textual's compact footer writes
them (`n New w Watch …`); when they do not all fit the width, as many as fit in order,
then `f1 more` — never a key cut in half, never keys hidden without saying where they are
(the help screen lists every one)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

MORE = "more"
HELP_ACTIONS = ("help", "app.help", "screen.help")


class KeyFooter(Widget):
    """The keys of the screen, fitted to the width."""

    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyFooter > .key-footer--key { color: $footer-key-foreground; text-style: bold; }
    KeyFooter > .key-footer--description { color: $footer-description-foreground; }
    """
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description"}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self.refresh()

    def _keys(self) -> list[tuple[Binding, bool]]:
        seen: set[str] = set()
        keys = []
        for _, binding, enabled, _ in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                keys.append((binding, enabled))
        return keys

    def _cost(self, binding: Binding, words: str) -> int:
        """Cells one key takes: its key, a space, its words, a space."""
        return cell_len(self.app.get_key_display(binding)) + 1 + cell_len(words) + 1

    def fitted(self, width: int) -> list[tuple[Binding, bool, str]]:
        """(binding, enabled, words) of the keys shown in `width` cells."""
        keys = self._keys()
        if sum(self._cost(b, b.description) for b, _ in keys) <= width + 1:
            return [(b, e, b.description) for b, e in keys]
        help_key = next((k for k in keys if k[0].action in HELP_ACTIONS), None)
        room = width + 1 - (self._cost(help_key[0], MORE) if help_key else 0)
        shown: list[tuple[Binding, bool, str]] = []
        for binding, enabled in keys:
            if help_key is not None and binding is help_key[0]:
                continue
            cost = self._cost(binding, binding.description)
            if cost > room:
                break  # in order: a screen lists its most useful keys first
            room -= cost
            shown.append((binding, enabled, binding.description))
        if help_key is not None:
            shown.append((help_key[0], help_key[1], MORE))
        return shown

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        words_style = self.get_component_rich_style("key-footer--description")
        line = Text(no_wrap=True, overflow="crop")
        dim = Style(dim=True)
        for binding, enabled, words in self.fitted(self.size.width):
            line.append(
                self.app.get_key_display(binding), key_style if enabled else key_style + dim
            )
            line.append(" " + words + " ", words_style if enabled else words_style + dim)
        return line

    def on_resize(self) -> None:
        self.refresh()
