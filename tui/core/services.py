"""The app's composition root, built once by the app (or a command) and handed to its
screens: the API client for the active settings (made on first use: httpx and pydantic
load then, off the start-up path), the simulator in demo mode (started before the
client), the store (reached through its own thread), the request log and the ledger, the
supervisor of background work, the watcher, the model catalogue, and each area's service,
made on first use from the registry (tui/areas) with a narrow context. No Textual here:
tests and commands drive it directly.

Nothing below holds this object: areas get an `AreaContext`, and so do the catalogue and
the ledger. News goes out on topics (`store_changed`, `request_ended`, the watcher's
`events`, the supervisor's `failures`), the one listener style of core.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from tui.config import Settings
from tui.core.context import AreaContext
from tui.core.gcpolicy import GC
from tui.core.supervisor import Supervisor
from tui.core.text import SECRETS
from tui.core.topic import Topic
from tui.core.watcher import Watcher

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.api.errors import RateLimitInfo
    from tui.api.observe import RequestRecord
    from tui.core.catalogue import ModelCatalogue
    from tui.core.context import AreaService, ModelExtra
    from tui.core.pricing import PriceTable
    from tui.sim.server import SimServer
    from tui.store.errors import StoreError
    from tui.store.thread import StoreThread


REQUESTS_KEPT = 300
"""Requests the inspector keeps in memory, newest last."""


class Services:
    """The client, the simulator, the store, the ledger, the supervisor, the watcher, the
    catalogue and the areas' services of one app."""

    def __init__(self, settings: Settings, *, join_demo: bool = False) -> None:
        self.settings = settings
        for secret in settings.secrets():
            SECRETS.add(secret)
        self.join_demo = join_demo
        """In demo mode, use the simulator of a `loom --demo` app running on this machine
        if there is one (the CLI's commands do: they see what the app shows)."""
        self.joined_demo: str | None = None
        """The running demo app's simulator this uses, if it joined one."""
        self.supervisor = Supervisor()
        """Every piece of background work; its `failures` reach the user."""
        self.store_changed: Topic[StoreError | None] = self.supervisor.topic("the store")
        """Told when the store starts failing (why) or works again (None)."""
        self.request_ended: Topic[RequestRecord] = self.supervisor.topic("requests")
        """Told of every request any client made, once it ended (the inspector)."""
        self.on_close: list[Callable[[], Coroutine[Any, Any, Any]]] = []
        """Last work before closing (a chat session's final save), run by `aclose`."""
        self._store: StoreThread | None = None
        self._client: OpenAIClient | None = None
        self._admin: OpenAIClient | None = None
        self._sim: SimServer | None = None
        self._catalogue: ModelCatalogue | None = None
        self._areas: dict[str, AreaService] = {}
        self._lock = asyncio.Lock()
        self.watcher = Watcher(
            supervisor=self.supervisor,
            server=lambda: self.settings.base_url,
            store=lambda: self.store,
            rate_limit=self._last_rate_limit,
        )
        """Everything on the server followed for hours (jobs, batches, runs)."""
        self.context = AreaContext(
            settings=lambda: self.settings,
            client=self.client,
            admin_client=self.admin_client,
            store=lambda: self.store,
            prices=self.prices,
            watcher=self.watcher,
            supervisor=self.supervisor,
            ledger=lambda: self.ledger,
            request_log=lambda: self.requests,
            request_ended=self.request_ended,
            catalogue=lambda: self.catalogue,
            model_extras=self._model_extras,
            remember=self.remember,
        )
        """What areas (and the catalogue and the ledger) are given: all they get."""
        from tui.api.observe import RequestLog
        from tui.core.ledger import LedgerRecorder

        self.ledger = LedgerRecorder(self.context)
        """Loom's own record of every request (see tui.core.ledger)."""
        self.requests = RequestLog(maxlen=REQUESTS_KEPT)
        """The last requests of every client (the inspector), with their bodies (cut)."""

    @property
    def store(self) -> StoreThread:
        """The store, reached through its thread (SQLite loads on first use, after the
        first frame)."""
        if self._store is None:
            from tui.store.thread import StoreThread

            self._store = StoreThread(self.settings.store_dir, on_change=self.store_changed.publish)
        return self._store

    def store_problem(self) -> str | None:
        """Why the store cannot be used now (its one cause), if it cannot; None also before
        it was first used."""
        if self._store is None or self._store.problem is None:
            return None
        from tui.store.errors import cause_of

        return cause_of(self._store.problem)

    @property
    def sim(self) -> SimServer | None:
        """The in-process simulator, in demo mode once started."""
        return self._sim

    @property
    def client_ready(self) -> OpenAIClient | None:
        """The client if it has been made (never makes it)."""
        return self._client

    async def client(self) -> OpenAIClient:
        """The API client, made (and the simulator started) on the first call."""
        async with self._lock:
            if self._client is None:
                if self.settings.demo and self._sim is None and self.joined_demo is None:
                    from tui.core import demo_link

                    found = demo_link.running(self.settings) if self.join_demo else None
                    if found is not None:
                        self.joined_demo = self.settings.base_url = found
                    else:
                        self._sim = await asyncio.to_thread(self._start_sim)
                        self.settings.base_url = self._sim.base_url
                        if not self.join_demo:
                            demo_link.publish(self.settings, self._sim.base_url)
                self._client = await asyncio.to_thread(self._make_client)
                # The HTTP stack just loaded lives as long as the app (see core.gcpolicy).
                GC.loaded()
            return self._client

    async def admin_client(self) -> OpenAIClient | None:
        """A client that sends the admin key (organisation usage and costs, checkpoint
        permissions), or None when none is configured. In demo mode the simulator's own."""
        settings = self.settings
        key = settings.admin_key or ("sk-admin-loom-demo" if settings.demo else None)
        if key is None:
            return None
        await self.client()  # the simulator, in demo mode, is started by then
        SECRETS.add(key)
        async with self._lock:
            if self._admin is None:
                self._admin = await asyncio.to_thread(self._make_client, key)
            return self._admin

    def area(self, name: str) -> Any:
        """The service of the area of that name (tui/areas), made on first use."""
        service = self._areas.get(name)
        if service is None:
            from tui.registry import area, load

            reference = area(name).service
            if reference is None:
                raise KeyError(f"the area {name} has no service")
            service = self._areas[name] = load(reference)(self.context)
        return service

    async def _model_extras(self, model_id: str) -> list[ModelExtra]:
        """What each area knows of a model (`Area.model_facts` in tui/areas)."""
        from tui.registry import areas, load

        found = []
        for each in areas():
            if each.model_facts is not None:
                extra = await load(each.model_facts)(self.area(each.name), model_id)
                if extra is not None:
                    found.append(extra)
        return found

    def services(self) -> list[AreaService]:
        """The areas' services made so far."""
        return list(self._areas.values())

    async def started(self) -> None:
        """The first frame is on screen: every area with a service resumes its work."""
        from tui.registry import areas

        for each in areas():
            if each.service is not None:
                service = self.area(each.name)
                self.supervisor.start(f"starting {each.name}", service.started)

    @property
    def catalogue(self) -> ModelCatalogue:
        """The models of the server in use, with their facts (see tui.core.catalogue)."""
        if self._catalogue is None:
            from tui.core.catalogue import ModelCatalogue

            self._catalogue = ModelCatalogue(self.context)
        return self._catalogue

    def remember(
        self,
        *,
        theme: str | None = None,
        profile: str | None = None,
        model: str | None = None,
        low_bandwidth: bool | None = None,
        offered_low_bandwidth: bool = False,
    ) -> str | None:
        """Keep a pick made in the app for the next start (see tui.config.choices); what
        went wrong, if the file could not be written."""
        from tui.config.choices import read_choices, write_choices

        path = self.settings.choices_path
        if path is None:
            return None
        choices = read_choices(path)
        if theme is not None:
            choices.theme = theme
        if profile is not None:
            choices.profile = profile
        if model is not None:
            choices.models[self.settings.profile or ""] = model
        if low_bandwidth is not None:
            choices.low_bandwidth = low_bandwidth
        if offered_low_bandwidth:
            choices.offered_low_bandwidth = True
        try:
            write_choices(path, choices)
        except OSError as error:
            return f"Could not keep the choice in {path}: {error.strerror or error}"
        return None

    async def use(self, settings: Settings) -> None:
        """Talk to another server from now on (a profile switched in the app): the next
        request makes a new client. The store stays (same data folder)."""
        for secret in settings.secrets():
            SECRETS.add(secret)
        self.watcher.stop_all()  # what is followed belongs to the server it is on
        for service in self._areas.values():
            service.server_changed()
        if self._catalogue is not None:
            self._catalogue.reset()
        client, self._client = self._client, None
        admin, self._admin = self._admin, None
        self.settings = settings
        for old in (client, admin):
            if old is not None:
                await old.aclose()

    def prices(self) -> PriceTable:
        """The price table: the shipped one with the user's entries laid over it."""
        from tui.core.pricing import load_prices, overrides_of

        return load_prices(overrides=overrides_of(self.settings.prices))

    def _start_sim(self) -> SimServer:
        from tui.sim.app import SimConfig
        from tui.sim.server import SimServer

        config = SimConfig(
            seed=self.settings.sim_seed,
            tokens_per_second=self.settings.sim_tokens_per_second,
            demo=True,
            requests_a_minute=600,  # gauges that move in the request inspector
            tokens_a_minute=150_000,
        )
        return SimServer(config).start()

    def _make_client(self, key: str | None = None) -> OpenAIClient:
        from tui.api.client import OpenAIClient, RetryPolicy

        s = self.settings
        return OpenAIClient(
            base_url=s.base_url,
            api_key=key or s.api_key,
            organization=s.organization,
            project=s.project,
            headers=s.headers,
            connect_timeout=s.connect_timeout,
            read_timeout=s.read_timeout,
            retry=RetryPolicy(max_retries=s.max_retries),
            observers=[self._observe],
        )

    def _observe(self, record: RequestRecord) -> None:
        self.requests(record)
        self.ledger(record)
        self.request_ended.publish(record)

    async def _last_rate_limit(self) -> RateLimitInfo | None:
        last = self.requests.last
        return None if last is None else last.rate_limit

    async def aclose(self) -> None:
        """Stop the background work, close the client and the store, stop the simulator."""
        for last in self.on_close:
            with contextlib.suppress(Exception):
                await last()
        for service in self._areas.values():
            with contextlib.suppress(Exception):
                await service.aclose()
        with contextlib.suppress(Exception):
            await self.ledger.flush()  # the last requests' rows
        await self.supervisor.aclose()
        if self._store is not None:
            await self._store.aclose()
        for client in (self._client, self._admin):
            if client is not None:
                await client.aclose()
        self._client = self._admin = None
        if self._sim is not None:
            sim, self._sim = self._sim, None
            if not self.join_demo:
                from tui.core import demo_link

                demo_link.withdraw(self.settings)
            await asyncio.to_thread(sim.stop)
