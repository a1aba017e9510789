"""What a shared piece of core (the model catalogue, the ledger) and every area's service
work with: the settings, the client, the store, prices and the supervisor. The area's
context (tui/core/context.py) adds what only areas get."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.config import Settings
    from tui.core.pricing import PriceTable
    from tui.core.supervisor import Supervisor
    from tui.core.topic import Topic
    from tui.store.thread import StoreThread


@dataclass(frozen=True, slots=True, kw_only=True)
class Basics:
    """The settings, the client, the store, prices and the supervisor."""

    settings: Callable[[], Settings]
    """The settings in use now (a profile switched in the app changes them)."""
    client: Callable[[], Awaitable[OpenAIClient]]
    """The client with the project's key (made on first use)."""
    store: Callable[[], StoreThread]
    """The store, reached through its thread."""
    prices: Callable[[], PriceTable]
    supervisor: Supervisor

    def topic(self, name: str) -> Topic[Any]:
        """A topic for news; a listener that fails is told to the user."""
        return self.supervisor.topic(name)
