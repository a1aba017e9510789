"""One watcher for everything on the server that changes for hours: a fine-tuning job, a
batch, an assistant's run, the audit log's follow mode.

An area hands over a `Followed` — how to ask for its object once, what phase it is in and
whether it is over — and the watcher does the rest, the same way for every kind: polls
adaptively (fast while active, slow while waiting, slowest while idle; longer after
failures; never sooner than Retry-After or an exhausted rate limit allows; fast while a
screen shows it), keeps the last state through failures ("reconnecting since …"), stops
for good when the object is gone or the key refused, remembers what the user asked to
watch so it resumes after a restart, and tells its `events` topic of every change and of
the end (the app turns that into a notice, the bell and a desktop notification).
`run` does the same in the caller's task: the headless `loom … watch ID` commands, whose
exit status is the outcome's value. No Textual here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Protocol

from tui.core.polling import PollPolicy
from tui.core.topic import Topic

if TYPE_CHECKING:
    from tui.api.errors import RateLimitInfo
    from tui.core.supervisor import Supervisor
    from tui.store.thread import StoreThread


class Outcome(IntEnum):
    """How a followed object ended; its value is the exit status of `loom … watch`."""

    SUCCEEDED = 0
    FAILED = 1
    CANCELLED = 3
    """Cancelled or expired: it ended without a result, nobody's failure."""
    LOST = 4
    """It cannot be followed (no such object, a refused key)."""


@dataclass(kw_only=True)
class WatchState:
    """What the watcher knows of one object beyond the object itself: the side of it the
    status lines show."""

    problem: str | None = None
    """Why the last poll failed, if it did."""
    failing_since: float | None = None
    """When polls started failing (shown as "reconnecting since …")."""
    updated_at: float | None = None
    """When the last poll worked."""
    stopped: str | None = None
    """Why following stopped for good (the object is gone, the key is refused)."""


class Followed(Protocol):
    """One object on the server, as an area follows it."""

    kind: str
    """What it is, in words and as it is kept: `fine-tuning job`, `batch`."""

    @property
    def key(self) -> str:
        """Its id on the server."""

    @property
    def state(self) -> WatchState:
        """What the watcher writes of it (problems, when it last worked)."""

    @property
    def status(self) -> str:
        """Its status now ("" before the first answer)."""

    def phase(self) -> str:
        """How often it is worth asking: `active`, `waiting` or `idle`."""

    def outcome(self) -> Outcome | None:
        """How it ended, or None while it has not."""

    async def poll(self) -> None:
        """Ask the server once (the area's API errors propagate; the state keeps what it
        had)."""

    async def catch_up(self) -> None:
        """Work between polls while a screen wants it (older history); may do nothing."""

    def notice(self, before: str, now: str) -> str:
        """Words for a status change seen on any screen (`loomis-v2: ▶ running → ✓
        succeeded. Model …`)."""

    def words(self, status: str) -> str:
        """A status as it reads, without colour (`✓ succeeded`)."""


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """What one poll (or its failure) changed."""

    watch: Watch
    change: tuple[str, str] | None = None
    """(before, now) when the status changed; before is "" on the first answer."""
    ended: Outcome | None = None
    """Set on the last event of an object that ended (or can no longer be followed)."""


@dataclass(eq=False)
class Watch:
    """One object being followed."""

    followed: Followed
    known_status: str = ""
    """The status last seen before this watch began (kept across a restart)."""
    focused: bool = False
    """Whether a screen shows it now (then it is polled at the active rate)."""
    kept: bool = False
    """Whether the user asked to watch it (kept across a restart, told on every screen)."""
    failures: int = 0
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def key(self) -> str:
        """The object's id."""
        return self.followed.key


Sleep = Callable[[float], Awaitable[None]]
RateLimit = Callable[[], Awaitable["RateLimitInfo | None"]]


class Watcher:
    """Every object followed on the current server, by kind and id."""

    def __init__(
        self,
        *,
        supervisor: Supervisor,
        server: Callable[[], str],
        store: Callable[[], StoreThread] | None = None,
        policy: PollPolicy | None = None,
        rate_limit: RateLimit | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.supervisor = supervisor
        self.server = server
        """Whose objects these are: the base URL they live on."""
        self._store = store
        self.policy = policy or PollPolicy()
        self._rate_limit = rate_limit
        self._sleep = sleep
        self._clock = clock or (lambda: time.time())  # looked up each call, not at import
        self.watches: dict[tuple[str, str], Watch] = {}
        self._writes = 0
        self.events: Topic[WatchEvent] = supervisor.topic("watched objects")
        """Told of every change of every object followed (the app: notices)."""

    # --- what is followed -----------------------------------------------------------------

    def get(self, kind: str, key: str) -> Watch | None:
        """The watch of an object, if it has one."""
        return self.watches.get((kind, key))

    def kept(self, kind: str) -> set[str]:
        """The ids of the objects of `kind` the user asked to watch."""
        return {w.key for (k, _), w in self.watches.items() if k == kind and w.kept}

    def follow(self, followed: Followed, *, keep: bool = False, known_status: str = "") -> Watch:
        """Follow an object in the background (again, if its loop had stopped); with
        `keep`, also after a restart and with a notice on any screen."""
        index = (followed.kind, followed.key)
        watch = self.watches.get(index)
        if watch is None:
            watch = Watch(followed, known_status=known_status)
            self.watches[index] = watch
        if keep and not watch.kept:
            watch.kept = True
            self._keep(watch)
        over = watch.followed.outcome() is not None or watch.followed.state.stopped
        if not over:
            self.supervisor.start(self._task(watch), lambda: self._loop(watch), replace=False)
        return watch

    def unkeep(self, kind: str, key: str) -> None:
        """Stop watching an object across screens (a screen may still show it)."""
        watch = self.get(kind, key)
        if watch is not None and watch.kept:
            watch.kept = False
            self._forget(watch)

    def focus(self, watch: Watch, on: bool) -> None:
        """A screen shows the object (fast polls), or no longer does."""
        watch.focused = on
        if on:
            watch.wake.set()

    def wake(self, watch: Watch) -> None:
        """Ask again now rather than at the next interval (the user acted on it)."""
        watch.wake.set()

    def stop(self, kind: str, key: str) -> None:
        """Stop following one object (a follow mode turned off); not kept either."""
        watch = self.watches.pop((kind, key), None)
        if watch is not None:
            self.supervisor.cancel(self._task(watch))
            if watch.kept:
                self._forget(watch)

    def stop_all(self) -> None:
        """Stop following everything (the server changed: these objects are not its)."""
        for watch in list(self.watches.values()):
            self.supervisor.cancel(self._task(watch))
        self.watches.clear()

    async def restore(self, kind: str, make: Callable[[str], Followed]) -> list[str]:
        """Follow again the objects of `kind` watched on this server before a restart;
        their ids. A store that fails has said so already: nothing is resumed then."""
        from tui.store.errors import StoreError

        if self._store is None:
            return []
        server = self.server()
        try:
            kept = await self._store().run(
                "reading the watched objects", lambda r: r.watched.jobs(server, kind)
            )
        except StoreError:
            return []
        for entry in kept:
            self.follow(make(entry.job_id), keep=True, known_status=entry.status)
        return [entry.job_id for entry in kept]

    # --- polling --------------------------------------------------------------------------

    @staticmethod
    def _task(watch: Watch) -> str:
        return f"following the {watch.followed.kind} {watch.key}"

    async def _loop(self, watch: Watch) -> Outcome:
        outcome = await self.run(watch)
        if watch.kept and outcome is not Outcome.LOST:
            watch.kept = False
            self._forget(watch)
        return outcome

    async def run(self, watch: Watch) -> Outcome:
        """Poll until the object has ended (or cannot be followed); how it ended. Runs in
        the caller's task: `loom … watch` uses it directly."""
        from tui.api.errors import (
            APIError,
            AuthenticationError,
            NotFoundError,
            PermissionDeniedError,
            RateLimitError,
        )
        from tui.core.text import safe

        followed = watch.followed
        state = followed.state
        while True:
            retry_after: float | None = None
            rate_limit = None
            before = followed.status or watch.known_status
            try:
                await followed.poll()
                watch.failures = 0
                state.problem = None
                state.failing_since = None
                state.updated_at = self._clock()
                now = followed.status
                change = (before, now) if now != before else None
                if change is not None and watch.kept:
                    self._keep(watch)
                self.events.publish(WatchEvent(watch, change))
                await followed.catch_up()
            except (NotFoundError, AuthenticationError, PermissionDeniedError) as error:
                self._failed(watch, safe(str(error)))
                state.stopped = state.problem
                self.events.publish(WatchEvent(watch, ended=Outcome.LOST))
                return Outcome.LOST
            except APIError as error:
                self._failed(watch, safe(str(error)))
                self.events.publish(WatchEvent(watch))
                if isinstance(error, RateLimitError):
                    retry_after, rate_limit = error.retry_after, error.rate_limit
            outcome = followed.outcome()
            if outcome is not None and not watch.failures:
                self.events.publish(WatchEvent(watch, ended=outcome))
                return outcome
            if not watch.failures and self._rate_limit is not None:
                rate_limit = await self._rate_limit()
            phase = followed.phase()
            wait = self.policy.wait(
                phase, failures=watch.failures, retry_after=retry_after, rate_limit=rate_limit
            )
            if not watch.focused and phase == "active":
                wait = max(wait, self.policy.waiting)
            await self._pause(watch, wait)

    def _failed(self, watch: Watch, problem: str) -> None:
        state = watch.followed.state
        watch.failures += 1
        state.problem = problem
        if state.failing_since is None:
            state.failing_since = self._clock()

    async def _pause(self, watch: Watch, seconds: float) -> None:
        watch.wake.clear()
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        waker = asyncio.ensure_future(watch.wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()

    # --- what is kept -----------------------------------------------------------------------

    def _keep(self, watch: Watch) -> None:
        server, kind, key = self.server(), watch.followed.kind, watch.key
        status = watch.followed.status or watch.known_status
        self._write(lambda r: r.watched.keep(server, key, status, kind))

    def _forget(self, watch: Watch) -> None:
        server, kind, key = self.server(), watch.followed.kind, watch.key
        self._write(lambda r: r.watched.forget(server, key, kind))

    def _write(self, job: Callable[[Any], object]) -> None:
        from tui.store.errors import StoreError

        if self._store is None:
            return
        store = self._store

        async def write() -> None:
            try:
                await store().run("keeping the watched objects", job)
            except StoreError:
                return  # the store said so already; kept in memory meanwhile

        self._writes += 1
        self.supervisor.start(f"keeping the watched objects ({self._writes})", write)
