"""Following a fine-tuning job: a `JobFollower` is what the shared watcher follows
(tui/core/watcher.py), for one job. It keeps what is known of the job — status, events,
metrics series, checkpoints — and publishes a `JobUpdate` on the area's topic after each
poll.

A poll asks for the job and for the events newer than the last one it has (events come
newest first: it pages back only until it meets a known one), so each poll costs the new
events only. The first page is enough for a screen to start; the rest of a job's history
is fetched backwards, page by page, between polls and only while a screen wants it (the
chart). How often to ask, what to do on failures and when to stop is the watcher's. No
Textual here: the cockpit and `loom fine-tuning watch` both use it.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.core.polling import job_phase
from tui.core.series import Series
from tui.core.watcher import Outcome, WatchState

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.areas.fine_tuning.api.resource import FineTuningResource
    from tui.areas.fine_tuning.api.schemas import (
        FineTuningCheckpoint,
        FineTuningEvent,
        FineTuningJob,
    )

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
class JobState(WatchState):
    """What is known of one job now (and, from WatchState, what the watcher knows: the
    last problem, since when polls fail, when one last worked, why following stopped)."""

    job_id: str
    job: FineTuningJob | None = None
    lines: list[LogLine] = field(default_factory=list)
    """Events, newest first (at most KEEP_LINES)."""
    metrics: dict[str, Series] = field(default_factory=lambda: {n: Series() for n, _ in METRICS})
    checkpoints: list[FineTuningCheckpoint] = field(default_factory=list)
    history_complete: bool = False
    """Whether every older event has been fetched."""
    events_seen: int = 0
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


ClientSource = Callable[[], Awaitable["OpenAIClient"]]
Publish = Callable[[JobUpdate], None]

OUTCOMES = {
    "succeeded": Outcome.SUCCEEDED,
    "failed": Outcome.FAILED,
    "cancelled": Outcome.CANCELLED,
}
KIND = "fine-tuning job"
"""The kind the watcher follows and keeps these as."""


class JobFollower:
    """One job, as the watcher follows it (tui.core.watcher.Followed)."""

    kind = KIND

    def __init__(
        self,
        resource: Callable[[], Awaitable[FineTuningResource]],
        job_id: str,
        *,
        publish: Publish | None = None,
        page: int = 100,
        history_pages: int = HISTORY_PAGES,
    ) -> None:
        self._resource = resource
        self.state = JobState(job_id=job_id)
        self._publish = publish
        self._page = page
        self._history_pages = history_pages
        self.wants_history = False
        """Whether a screen shows this job's whole history (then older events are fetched
        between polls)."""
        self._status_seen = ""

    @property
    def key(self) -> str:
        """The job's id."""
        return self.state.job_id

    @property
    def job_id(self) -> str:
        """The job followed."""
        return self.state.job_id

    @property
    def status(self) -> str:
        """The job's status now ("" before the first answer)."""
        return self.state.status

    def phase(self) -> str:
        """Fast while it runs, slower while it validates or waits, slowest paused."""
        return job_phase(self.state.status or "queued")

    def outcome(self) -> Outcome | None:
        """How the job ended, or None while it has not."""
        return OUTCOMES.get(self.state.status)

    def notice(self, before: str, now: str) -> str:
        """`loomis-v2: ▶ running → ✓ succeeded. Model ft:… (t on the fine-tuning screen
        chats with it)`."""
        from tui.areas.fine_tuning.core.text import job_name, status_words

        job = self.state.job
        name = job_name(job) if job is not None else self.state.job_id
        text = f"{name}: {status_words(before)} → {status_words(now)}"
        if job is not None and job.fine_tuned_model and now == "succeeded":
            text += f". Model {job.fine_tuned_model} (t on the fine-tuning screen chats with it)"
        return text

    def words(self, status: str) -> str:
        """`✓ succeeded`, `… validating`."""
        from tui.areas.fine_tuning.core.text import status_words

        return status_words(status)

    def _tell(self, update: JobUpdate) -> None:
        if self._publish is not None:
            self._publish(update)

    async def poll(self) -> None:
        """Ask for the job and its new events once (publishing the update); raises what
        the client raises, the state keeping what it had."""
        resource = await self._resource()
        state = self.state
        job = await resource.retrieve(state.job_id)
        events, older = await resource.new_events(state.job_id, state.newest_id, limit=self._page)
        first = state.job is None
        state.job = job
        fresh = state.take_events(events, older=False)
        if first:
            state.history_complete = not older
        if first or job.finished or any("checkpoint" in line.message.lower() for line in fresh):
            state.checkpoints = await self._checkpoints(resource)
        before, self._status_seen = self._status_seen, job.status
        change = (before, job.status) if before != job.status else None
        self._tell(JobUpdate(state, fresh, change))

    async def catch_up(self) -> None:
        """While a screen wants the whole history: fetch it, page by page."""
        while self.wants_history and not self.state.history_complete:
            await self.fetch_older()
            await asyncio.sleep(0)

    async def _checkpoints(self, resource: FineTuningResource) -> list[FineTuningCheckpoint]:
        """The job's checkpoints; those that came, if the server's list never ends."""
        from tui.api.errors import PagingStopped

        got: list[FineTuningCheckpoint] = []
        try:
            async for checkpoint in resource.checkpoints(self.state.job_id):
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
        resource = await self._resource()
        asked = state.oldest_id
        page = await resource.events_page(state.job_id, after=asked, limit=self._page)
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
