"""How core tells anyone anything: a Topic has listeners, each a plain function of one value.

This is the one listener style of Loom below the UI. Screens do not subscribe to a topic
themselves: `LoomScreen.listen` (tui/screens/base.py) subscribes while the screen is
mounted and turns each value into a Textual message, the one adapter between core and the
widgets. A listener that raises is not dropped in silence: its failure is handed to the
topic's `failed` hook (the supervisor, which tells the user) and it stays subscribed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

Listener = Callable[[T], None]
"""A function told one value; it must be quick (it runs on the event loop)."""
FailureHook = Callable[[str, BaseException], None]


class Topic(Generic[T]):
    """Listeners of one kind of news (a job changed, the store works again, a request
    ended), told in the order they subscribed."""

    def __init__(self, name: str, *, failed: FailureHook | None = None) -> None:
        self.name = name
        self._listeners: list[Listener[T]] = []
        self.failed = failed
        """Told when a listener raises (name of the topic, the error)."""

    def subscribe(self, listener: Listener[T]) -> Callable[[], None]:
        """Tell `listener` every value from now on; returns the function that stops it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def unsubscribe(self, listener: Listener[T]) -> None:
        """Stop telling `listener` (nothing if it was not subscribed)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def publish(self, value: T) -> None:
        """Tell every listener `value`; a listener's failure goes to `failed`, not to the
        publisher (a job followed must not stop because a screen's listener broke)."""
        for listener in list(self._listeners):
            try:
                listener(value)
            except Exception as error:
                if self.failed is not None:
                    self.failed(self.name, error)

    def __len__(self) -> int:
        return len(self._listeners)

    def __contains__(self, listener: object) -> bool:
        return listener in self._listeners
