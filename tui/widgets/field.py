"""A one-line text field whose editing keys act in the order they were typed.

Textual runs a widget's key bindings (ctrl+u, ctrl+w, backspace, home, enter…) only once
the key has bubbled up to the app; keys typed in the same burst (a fast typist, tmux
send-keys, a terminal over SSH delivering a line at once) are inserted meanwhile, so
`ctrl+u` then `abc` left an empty field. `Field` runs its own bindings as the key
arrives, like the chat prompt does (see tui.areas.chat.widgets.prompt_input).
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import Input


def _own_bindings(cls: type) -> dict[str, str]:
    """Key -> action of the bindings a widget class declares (its bases' first)."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        for binding in klass.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding):
                for key in binding.key.split(","):
                    found[key.strip()] = binding.action
            elif isinstance(binding, tuple) and len(binding) >= 2:
                for key in str(binding[0]).split(","):
                    found[key.strip()] = str(binding[1])
    return found


class Field(Input):
    """An Input whose bindings run in typing order."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)  # type: ignore[arg-type]
        cls._in_order = _own_bindings(cls)

    _in_order: dict[str, str] = {}

    async def on_key(self, event: events.Key) -> None:
        # Textual calls each class's key handler from the subclass down; prevent_default
        # keeps Input's own handler (which would insert or wait for the binding) from
        # running. Public API only: no override of Input's private `_on_key`.
        action = self._in_order.get(event.key)
        if action is not None:
            event.stop()
            event.prevent_default()
            await self.run_action(action)


Field._in_order = _own_bindings(Field)
