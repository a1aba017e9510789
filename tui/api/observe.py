"""The request hook: one record per HTTP exchange, for the inspector and the cost ledger."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tui.api.errors import RateLimitInfo


@dataclass(slots=True)
class RequestRecord:
    """What one HTTP exchange did: never the key, never the body."""

    method: str
    path: str
    status: int | None
    started_at: float
    """Wall-clock time the request was sent (seconds since the epoch)."""
    latency: float
    """Seconds from sending to the end of the exchange (the last byte of a stream)."""
    ttfb: float | None
    """Seconds from sending to the response headers; None if none came."""
    request_id: str | None
    rate_limit: RateLimitInfo | None
    attempt: int
    """0 for the first try, 1 for the first retry, and so on."""
    stream: bool
    error: str | None = None


Observer = Callable[[RequestRecord], None]


class RequestLog:
    """Keeps the most recent request records in memory."""

    def __init__(self, maxlen: int = 1000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=maxlen)

    def __call__(self, record: RequestRecord) -> None:
        self._records.append(record)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)

    @property
    def last(self) -> RequestRecord | None:
        """The newest record, if any."""
        return self._records[-1] if self._records else None

    def clear(self) -> None:
        """Forget every record."""
        self._records.clear()
