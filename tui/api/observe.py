"""The request hook: one record per HTTP exchange, for the inspector and the cost ledger."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    url: str = ""
    """The full URL, query included."""
    model: str | None = None
    """The model asked for (or answering), where there is one."""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None
    first_token: float | None = None
    """Seconds from sending to the first token of a reply (a stream's first content)."""
    processing_ms: int | None = None
    """The server's own time for it (`openai-processing-ms`)."""
    context: dict[str, object] | None = None
    """What the request was for, as its caller said (`tagged`): a conversation's id."""
    request_headers: dict[str, str] | None = None
    """Headers sent, every secret masked."""
    masked_headers: tuple[str, ...] = ()
    """The names of the headers sent whose values were masked (a copied command sends
    each from an environment variable)."""
    request_body: str | None = None
    """The body sent, cut at BODY_CUT characters (shown and stored with every configured
    secret masked: tui.core.text)."""
    response_headers: dict[str, str] | None = None
    response_body: str | None = None
    """The body received (a stream's events as they came), cut at BODY_CUT characters."""


BODY_CUT = 32 * 1024
"""Characters of a body kept with its record (the rest is counted, not kept)."""
CONTEXT: ContextVar[dict[str, object] | None] = ContextVar("loom_request_context", default=None)
"""What the requests made in this task are for (see `tagged`)."""


def tagged(**context: object) -> Token[dict[str, object] | None]:
    """Say what the requests made from here on in this task are for (a conversation's
    id, say); their records carry it. Returns the token to undo it with CONTEXT.reset."""
    return CONTEXT.set({**(CONTEXT.get() or {}), **context})


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
