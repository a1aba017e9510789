"""How long a watcher waits before asking again: by what it watches, after failures, and
as the server asks (Retry-After, the rate-limit headers)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.api.errors import RateLimitInfo

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def reset_seconds(text: str | None) -> float | None:
    """An `x-ratelimit-reset-*` value (`6ms`, `1.5s`, `1m30s`, `2h`) in seconds."""
    if not text:
        return None
    total = 0.0
    matched = False
    for number, unit in _PART.findall(text.strip()):
        matched = True
        total += float(number) * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]
    if not matched:
        try:
            return max(0.0, float(text))
        except ValueError:
            return None
    return total


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """Seconds between polls: fast while something moves, slow while it waits."""

    active: float = 2.0
    """While a job runs."""
    waiting: float = 10.0
    """While it is validating its files or queued."""
    idle: float = 30.0
    """While it is paused (or in a state Loom does not know)."""
    max_backoff: float = 120.0
    """The longest wait after failures in a row."""
    low_share: float = 0.05
    """Below this share of the request budget left, wait for the budget to reset."""

    def interval(self, status: str) -> float:
        """The wait for a fine-tuning job in `status`."""
        return self.of_phase(job_phase(status))

    def of_phase(self, phase: str) -> float:
        """The wait for something `active`, `waiting` or `idle` (anything else: idle)."""
        return {"active": self.active, "waiting": self.waiting}.get(phase, self.idle)

    def delay(
        self,
        status: str,
        *,
        failures: int = 0,
        retry_after: float | None = None,
        rate_limit: RateLimitInfo | None = None,
    ) -> float:
        """The wait before the next poll of a fine-tuning job in `status`."""
        return self.wait(
            job_phase(status), failures=failures, retry_after=retry_after, rate_limit=rate_limit
        )

    def wait(
        self,
        phase: str,
        *,
        failures: int = 0,
        retry_after: float | None = None,
        rate_limit: RateLimitInfo | None = None,
    ) -> float:
        """The wait before the next poll of something in `phase`."""
        wait = self.of_phase(phase)
        if failures:
            wait = min(self.max_backoff, max(wait, self.active) * 2.0 ** min(failures, 10))
        if retry_after is not None:
            wait = max(wait, retry_after)
        if rate_limit is not None and rate_limit.remaining_requests is not None:
            limit = rate_limit.limit_requests or 0
            if limit and rate_limit.remaining_requests < limit * self.low_share:
                reset = reset_seconds(rate_limit.reset_requests) or self.waiting
                wait = max(wait, min(reset, self.max_backoff))
        return wait


def job_phase(status: str) -> str:
    """A fine-tuning job's phase: `active` while it runs, `waiting` while it validates or
    is queued, `idle` otherwise (paused, or a status Loom does not know)."""
    if status == "running":
        return "active"
    if status in ("validating_files", "queued", "pending"):
        return "waiting"
    return "idle"
