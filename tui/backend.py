"""The connection behind the UI: the API client, and in demo mode the simulator it talks to.

Nothing here is imported before the first frame: the client (httpx, pydantic) and the
simulator (starlette, uvicorn) load on first use, off the start-up path.
"""

from __future__ import annotations

import asyncio
import gc
from typing import TYPE_CHECKING

from tui.config import Settings

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.sim.server import SimServer


class Backend:
    """Creates the client on first use; in demo mode starts the simulator first."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: OpenAIClient | None = None
        self._sim: SimServer | None = None
        self._lock = asyncio.Lock()

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
                # The HTTP stack just loaded lives as long as the app: keep it out of the
                # garbage collector's full passes (see LoomApp.on_ready).
                gc.freeze()
            return self._client

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
        """Close the client and stop the simulator."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._sim is not None:
            sim, self._sim = self._sim, None
            await asyncio.to_thread(sim.stop)
