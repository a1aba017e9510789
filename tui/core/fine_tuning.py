"""Following fine-tuning jobs: one follower per job polls it, keeps what is known of it
(status, events, metrics series, checkpoints) and tells its listeners what changed.

A follower asks for the job and for the events newer than the last one it has (events
come newest first: it pages back only until it meets a known one), so each poll costs the
new events only. The first page is enough for a screen to start; the rest of a job's
history is fetched backwards, page by page, only while a screen wants it (the chart).
It waits between polls as `PollPolicy` says (fast while running, slow while queued, longer
after failures, as long as Retry-After or an exhausted rate limit asks), keeps the last
state through a network failure ("reconnecting since …") and stops when the job ends.
No Textual here: the screen and `loom fine-tuning watch` both use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.core.polling import PollPolicy
from tui.core.series import Series

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.api.schemas import FineTuningCheckpoint, FineTuningEvent, FineTuningJob

METRICS = (
    ("train_loss", "train loss"),
    ("valid_loss", "validation loss"),
    ("full_valid_loss", "full validation loss"),
    ("train_mean_token_accuracy", "train token accuracy"),
    ("valid_mean_token_accuracy", "validation token accuracy"),
    ("full_valid_mean_token_accuracy", "full validation token accuracy"),
)
"""The metrics a job reports, by the name in its events, with what to call them."""
KEEP_LINES = 5000
"""Log lines kept per job (the newest); metrics stay in their series whatever the count."""
HISTORY_PAGES = 1000
"""The most pages of older events fetched for a job's history (100,000 events: twice the
longest jobs seen); a server that still says there are more is stopped there."""


@dataclass(slots=True, frozen=True)
class LogLine:
    """One event of a job, as the log shows it."""

    id: str
    created_at: int
    level: str
    message: str
    kind: str


@dataclass
class JobState:
    """What is known of one job now."""

    job_id: str
    job: FineTuningJob | None = None
    lines: list[LogLine] = field(default_factory=list)
    """Events, newest first (at most KEEP_LINES)."""
    metrics: dict[str, Series] = field(default_factory=lambda: {n: Series() for n, _ in METRICS})
    checkpoints: list[FineTuningCheckpoint] = field(default_factory=list)
    history_complete: bool = False
    """Whether every older event has been fetched."""
    events_seen: int = 0
    problem: str | None = None
    """Why the last poll failed, if it did."""
    failing_since: float | None = None
    """When polls started failing (the screen says "reconnecting since …")."""
    updated_at: float | None = None
    """When the last poll worked."""
    stopped: str | None = None
    """Why following stopped for good (the job is gone, the key is refused)."""
    note: str | None = None
    """What the server did that Loom stopped following (a list that repeated itself or
    never ended): what came is shown, and this says why there is no more."""
    history_pages: int = 0
    """Pages of older events fetched so far."""
    _ids: set[str] = field(default_factory=set)
    """Every event id taken: an event a server sends twice is listed once."""

    @property
    def status(self) -> str:
        """The job's status, or "" before the first answer."""
        return self.job.status if self.job is not None else ""

    @property
    def newest_id(self) -> str | None:
        """The newest event known."""
        return self.lines[0].id if self.lines else None

    oldest_id: str | None = None
    """The oldest event fetched (where fetching history goes on from; the log may keep
    fewer lines than were fetched)."""

    @property
    def step(self) -> tuple[int, int] | None:
        """(step, total steps) of the newest metrics point."""
        return self._progress

    _progress: tuple[int, int] | None = None

    def best_checkpoint(self) -> FineTuningCheckpoint | None:
        """The checkpoint with the lowest full validation loss (else validation loss, else
        training loss)."""
        for name in ("full_valid_loss", "valid_loss", "train_loss"):
            scored = [c for c in self.checkpoints if getattr(c.metrics, name) is not None]
            if scored:
                return min(scored, key=lambda c: getattr(c.metrics, name))
        return None

    def take_events(self, events: list[FineTuningEvent], *, older: bool) -> list[LogLine]:
        """Add events (newest first) as the newest (or, `older`, the oldest) known; the
        lines that were new."""
        known = self._ids
        fresh: list[LogLine] = []
        for event in events:
            if event.id in known:
                continue
            known.add(event.id)
            line = LogLine(
                event.id,
                event.created_at,
                event.level or "info",
                event.message or "",
                event.type or "message",
            )
            fresh.append(line)
            data = event.data or {}
            if event.type == "metrics" or "train_loss" in data:
                self._take_metrics(data)
        if older:
            self.lines.extend(fresh)
        else:
            self.lines[:0] = fresh
        if events and (older or self.oldest_id is None):
            self.oldest_id = events[-1].id
        del self.lines[KEEP_LINES:]
        self.events_seen += len(fresh)
        return fresh

    def _take_metrics(self, data: dict[str, Any]) -> None:
        from tui.api.values import count

        step = count(data.get("step"))
        if step is None:
            return  # not a step a chart can place (missing, negative, endless)
        for name, _ in METRICS:
            value = data.get(name)
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
            ):
                self.metrics[name].add(float(step), float(value))
        total = count(data.get("total_steps"))
        if total is not None and (self._progress is None or step >= self._progress[0]):
            self._progress = (step, total)


@dataclass(frozen=True, slots=True)
class JobUpdate:
    """What one poll changed."""

    state: JobState
    new_lines: list[LogLine]
    """Events that arrived, newest first (older ones fetched for history are not here)."""
    status_change: tuple[str, str] | None = None
    """(before, now) when the status changed (before is "" on the first answer)."""
    history: bool = False
    """Older events were added (the chart grows at its start)."""


Listener = Callable[[JobUpdate], None]
ClientSource = Callable[[], Awaitable["OpenAIClient"]]


class JobFollower:
    """Follows one job until it ends."""

    def __init__(
        self,
        client: ClientSource,
        job_id: str,
        *,
        policy: PollPolicy | None = None,
        known_status: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        page: int = 100,
        history_pages: int = HISTORY_PAGES,
    ) -> None:
        self._client = client
        self._history_pages = history_pages
        self.state = JobState(job_id)
        self.policy = policy or PollPolicy()
        self.listeners: list[Listener] = []
        self.known_status = known_status
        """The status last seen before this follower (a job watched before a restart)."""
        self.wants_history = False
        """Whether a screen shows this job's whole history (then older events are fetched)."""
        self.focused = False
        """Whether a screen shows this job now (then it is polled at the fast rate)."""
        self._sleep = sleep
        self._clock = clock
        self._page = page
        self._wake = asyncio.Event()
        self._failures = 0

    @property
    def job_id(self) -> str:
        """The job followed."""
        return self.state.job_id

    def wake(self) -> None:
        """Poll now rather than at the next interval (the user acted on the job)."""
        self._wake.set()

    def _tell(self, update: JobUpdate) -> None:
        for listener in list(self.listeners):
            try:
                listener(update)
            except Exception:  # a listener's bug must not stop the following
                with contextlib.suppress(ValueError):
                    self.listeners.remove(listener)

    async def poll(self) -> JobUpdate:
        """Ask for the job and its new events once; the update (also told to listeners).
        Raises what the client raises; the state keeps what it had."""
        client = await self._client()
        state = self.state
        job = await client.fine_tuning.retrieve(state.job_id)
        events, older = await client.fine_tuning.new_events(
            state.job_id, state.newest_id, limit=self._page
        )
        first = state.job is None
        before = self.known_status if first and self.known_status else state.status
        state.job = job
        fresh = state.take_events(events, older=False)
        if first:
            state.history_complete = not older
        if first or job.finished or any("checkpoint" in line.message.lower() for line in fresh):
            state.checkpoints = await self._checkpoints(client)
        state.problem = None
        state.failing_since = None
        state.updated_at = self._clock()
        change = (before, job.status) if before != job.status else None
        update = JobUpdate(state, fresh, change)
        self._tell(update)
        return update

    async def _checkpoints(self, client: OpenAIClient) -> list[FineTuningCheckpoint]:
        """The job's checkpoints; those that came, if the server's list never ends."""
        from tui.api.errors import PagingStopped

        got: list[FineTuningCheckpoint] = []
        try:
            async for checkpoint in client.fine_tuning.checkpoints(self.state.job_id):
                got.append(checkpoint)
        except PagingStopped as stopped:
            self.state.note = str(stopped)
        return got

    async def fetch_older(self) -> bool:
        """Fetch one page of events older than those known; whether more remain. A page
        that brings nothing new, or more pages than HISTORY_PAGES, ends the history (and
        `note` says what the server did)."""
        state = self.state
        if state.history_complete or state.oldest_id is None:
            state.history_complete = True
            return False
        client = await self._client()
        asked = state.oldest_id
        page = await client.fine_tuning.events_page(state.job_id, after=asked, limit=self._page)
        state.history_pages += 1
        fresh = state.take_events(page.data, older=True)
        state.history_complete = not page.has_more or not page.data
        if not state.history_complete and (not fresh or state.oldest_id == asked):
            state.history_complete = True
            state.note = (
                "the server sent the same events again when asked for older ones (it ignores "
                f"`after`): the history shows the {state.events_seen:,} events that came"
            )
        elif not state.history_complete and state.history_pages >= self._history_pages:
            state.history_complete = True
            state.note = (
                f"the server still said there were older events after {state.events_seen:,}; "
                "Loom stopped fetching the history there"
            )
        self._tell(JobUpdate(state, [], None, history=True))
        return not state.history_complete

    async def run(self) -> JobState:
        """Poll until the job has ended (or cannot be followed); its last state."""
        from tui.api.errors import (
            APIError,
            AuthenticationError,
            NotFoundError,
            PermissionDeniedError,
            RateLimitError,
        )

        while True:
            retry_after = None
            rate_limit = None
            try:
                await self.poll()
                self._failures = 0
                while self.wants_history and not self.state.history_complete:
                    await self.fetch_older()
                    await asyncio.sleep(0)
            except (NotFoundError, AuthenticationError, PermissionDeniedError) as error:
                self._fail(error)
                self.state.stopped = self.state.problem
                self._tell(JobUpdate(self.state, []))
                return self.state
            except APIError as error:
                self._fail(error)
                self._tell(JobUpdate(self.state, []))
                if isinstance(error, RateLimitError):
                    retry_after, rate_limit = error.retry_after, error.rate_limit
            job = self.state.job
            if job is not None and job.finished and not self._failures:
                return self.state
            if not self._failures:
                rate_limit = await self._last_rate_limit()
            status = self.state.status or "queued"
            wait = self.policy.delay(
                status, failures=self._failures, retry_after=retry_after, rate_limit=rate_limit
            )
            if not self.focused and status == "running":
                wait = max(wait, self.policy.waiting)
            await self._pause(wait)

    def _fail(self, error: BaseException) -> None:
        from tui.core.text import safe

        self._failures += 1
        self.state.problem = safe(str(error))
        if self.state.failing_since is None:
            self.state.failing_since = self._clock()

    async def _last_rate_limit(self) -> Any:
        client = await self._client()
        last = client.request_log.last
        return None if last is None else last.rate_limit

    async def _pause(self, seconds: float) -> None:
        self._wake.clear()
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
