"""The one adapter between core and the widgets: a core topic's values reach a screen (or
the app) as Textual messages, posted to it and handled on its own message loop like any
other. Core never calls a widget, and a widget never subscribes to core by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.message import Message
from textual.message_pump import MessagePump

from tui.core.topic import Topic

T = TypeVar("T")


class Relayed(Message):
    """A value from core, as a message (subclass it to tell topics apart)."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


def relay(
    node: MessagePump, topic: Topic[T], message: Callable[[T], Message]
) -> Callable[[], None]:
    """Post `message(value)` to `node` for every value of `topic`; returns the function
    that stops it."""

    def listener(value: T) -> None:
        node.post_message(message(value))

    return topic.subscribe(listener)


class Relaying:
    """For screens: `listen` to a topic while mounted (stopped when unmounted)."""

    _relays: list[Callable[[], None]]

    def listen(self, topic: Topic[Any], message: Callable[[Any], Message]) -> None:
        """Take `topic`'s values as `message`s until this screen is unmounted."""
        if not hasattr(self, "_relays"):
            self._relays = []
        assert isinstance(self, MessagePump)
        self._relays.append(relay(self, topic, message))

    def on_unmount(self) -> None:
        for stop in getattr(self, "_relays", []):
            stop()
        self._relays = []
