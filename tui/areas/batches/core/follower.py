"""Following a batch: a `BatchFollower` is what the shared watcher follows (tui/core/
watcher.py) for one batch. It keeps the batch as last seen and the history of its counts
(for throughput and an ETA), and publishes a `BatchUpdate` after each poll. How often to
ask, what to do on failures, when to stop and the notice at the end are the watcher's. No
Textual here: the screen and `loom batches watch` both use it."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core.watcher import Outcome, WatchState

if TYPE_CHECKING:
    from tui.areas.batches.api.resource import BatchesResource
    from tui.areas.batches.api.schemas import Batch

KIND = "batch"
"""The kind the watcher follows and keeps these as."""
OUTCOMES = {
    "completed": Outcome.SUCCEEDED,
    "failed": Outcome.FAILED,
    "expired": Outcome.CANCELLED,
    "cancelled": Outcome.CANCELLED,
}
STATUS_WORDS = {
    "validating": "… validating",
    "failed": "✗ failed",
    "in_progress": "▶ in progress",
    "finalizing": "◆ finalizing",
    "completed": "✓ completed",
    "expired": "⌛ expired",
    "cancelling": "■ cancelling",
    "cancelled": "■ cancelled",
}
"""Each status the spec lists, as a mark and words (readable without colour)."""
KEEP_COUNTS = 500
"""Points of count history kept per batch (the newest)."""


def status_words(status: str) -> str:
    """`✓ completed`; a status the spec does not list, as the server's word."""
    return STATUS_WORDS.get(status, status.replace("_", " ") or "…")


@dataclass
class BatchState(WatchState):
    """What is known of one batch now."""

    batch_id: str
    batch: Batch | None = None
    history: list[tuple[float, int]] = field(default_factory=list)
    """(when, requests done) at each poll that saw a change: throughput and the ETA."""

    @property
    def status(self) -> str:
        """The batch's status, or "" before the first answer."""
        return self.batch.status if self.batch is not None else ""

    def rate(self) -> float | None:
        """Requests done a second, from the counts' history (None before two points)."""
        if len(self.history) < 2:
            return None
        (t0, d0), (t1, d1) = self.history[0], self.history[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 and d1 > d0 else None

    def eta(self) -> float | None:
        """Seconds until every request is done, at the rate so far."""
        rate = self.rate()
        batch = self.batch
        if rate is None or batch is None or batch.status != "in_progress":
            return None
        counts = batch.counts
        left = counts.total - counts.completed - counts.failed
        return left / rate if left > 0 else 0.0


@dataclass(frozen=True, slots=True)
class BatchUpdate:
    """What one poll of one batch brought."""

    state: BatchState
    change: tuple[str, str] | None = None


Publish = Callable[[BatchUpdate], None]


class BatchFollower:
    """One batch, as the watcher follows it (tui.core.watcher.Followed)."""

    kind = KIND

    def __init__(
        self,
        resource: Callable[[], Awaitable[BatchesResource]],
        batch_id: str,
        *,
        publish: Publish | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._resource = resource
        self.state = BatchState(batch_id=batch_id)
        self._publish = publish
        self._clock = clock or (lambda: time.time())  # looked up each call, not at import
        self._status_seen = ""

    @property
    def key(self) -> str:
        """The batch's id."""
        return self.state.batch_id

    @property
    def status(self) -> str:
        """The batch's status now ("" before the first answer)."""
        return self.state.status

    def phase(self) -> str:
        """Fast while it runs or finishes, slower while it validates, slowest otherwise."""
        status = self.state.status or "validating"
        if status in ("in_progress", "finalizing", "cancelling"):
            return "active"
        return "waiting" if status == "validating" else "idle"

    def outcome(self) -> Outcome | None:
        """How the batch ended, or None while it has not."""
        return OUTCOMES.get(self.state.status)

    def notice(self, before: str, now: str) -> str:
        """`batch_abc (nightly-eval): ▶ in progress → ✓ completed, 95 done, 5 failed`."""
        batch = self.state.batch
        name = self.state.batch_id
        if batch is not None and batch.metadata and batch.metadata.get("description"):
            name += f" ({batch.metadata['description']})"
        text = f"{name}: {status_words(before)} → {status_words(now)}"
        if batch is not None and now in OUTCOMES:
            counts = batch.counts
            text += f", {counts.completed:,} done, {counts.failed:,} failed"
        return text

    def words(self, status: str) -> str:
        """`✓ completed`."""
        return status_words(status)

    async def poll(self) -> None:
        """Ask for the batch once (publishing the update); raises what the client raises,
        the state keeping what it had."""
        resource = await self._resource()
        batch = await resource.retrieve(self.state.batch_id)
        state = self.state
        state.batch = batch
        done = batch.counts.completed + batch.counts.failed
        if not state.history or state.history[-1][1] != done:
            state.history.append((self._clock(), done))
            del state.history[:-KEEP_COUNTS]
        before, self._status_seen = self._status_seen, batch.status
        change = (before, batch.status) if before != batch.status else None
        if self._publish is not None:
            self._publish(BatchUpdate(state, change))

    async def catch_up(self) -> None:
        """Nothing to fetch between polls."""
