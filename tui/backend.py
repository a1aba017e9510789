"""The connection behind the UI: the API client, and in demo mode the simulator it talks to.

Nothing here is imported before the first frame: the client (httpx, pydantic) and the
simulator (starlette, uvicorn) load on first use, off the start-up path.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tui.config import Settings
from tui.gcpolicy import keep_long_lived

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.sim.server import SimServer
    from tui.store.conversations import ConversationStore


class Backend:
    """Creates the client on first use; in demo mode starts the simulator first."""

    def __init__(self, settings: Settings) -> None:
        from tui.core.text import SECRETS

        self.settings = settings
        for secret in settings.secrets():
            SECRETS.add(secret)
        self._client: OpenAIClient | None = None
        self._sim: SimServer | None = None
        self._lock = asyncio.Lock()
        self._store: ConversationStore | None = None
        self._store_lock = asyncio.Lock()
        self.store_error: str | None = None
        """Why conversations are not being kept, if they are not."""

    @property
    def sim(self) -> SimServer | None:
        """The in-process simulator, in demo mode once started."""
        return self._sim

    async def client(self) -> OpenAIClient:
        """The API client, created (and the simulator started) on the first call."""
        async with self._lock:
            if self._client is None:
                if self.settings.demo and self._sim is None:
                    self._sim = await asyncio.to_thread(self._start_sim)
                    self.settings.base_url = self._sim.base_url
                self._client = await asyncio.to_thread(self._make_client)
                # The HTTP stack just loaded lives as long as the app (see tui.gcpolicy).
                keep_long_lived()
            return self._client

    @property
    def current_store(self) -> ConversationStore | None:
        """The store if it is open (never opens it)."""
        return self._store

    async def store(self) -> ConversationStore | None:
        """The conversation store, opened on first use; None (with `store_error`) when the
        database cannot be used, so that chat goes on without keeping history."""
        async with self._store_lock:
            if self._store is None and self.store_error is None:
                from tui.store.db import StoreError

                try:
                    self._store = await asyncio.to_thread(self._open_store)
                except StoreError as error:
                    self.store_error = str(error)
            return self._store

    def _open_store(self) -> ConversationStore:
        from tui.store.conversations import open_conversations

        # Used from the event loop and from worker threads (long writes): calls are
        # serialised by the store's lock.
        return open_conversations(self.settings.store_dir, check_same_thread=False)

    def _start_sim(self) -> SimServer:
        from tui.sim.app import SimConfig
        from tui.sim.server import SimServer

        config = SimConfig(
            seed=self.settings.sim_seed, tokens_per_second=self.settings.sim_tokens_per_second
        )
        return SimServer(config).start()

    def _make_client(self) -> OpenAIClient:
        from tui.api.client import OpenAIClient, RetryPolicy

        s = self.settings
        return OpenAIClient(
            base_url=s.base_url,
            api_key=s.api_key,
            organization=s.organization,
            project=s.project,
            connect_timeout=s.connect_timeout,
            read_timeout=s.read_timeout,
            retry=RetryPolicy(max_retries=s.max_retries),
        )

    async def aclose(self) -> None:
        """Close the client and the store, and stop the simulator."""
        if self._store is not None:
            self._store.db.close()
            self._store = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._sim is not None:
            sim, self._sim = self._sim, None
            await asyncio.to_thread(sim.stop)
