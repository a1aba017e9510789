"""Typed errors raised by the API client, each carrying what the server said."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from time import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (only named in signatures: the first frame does not load httpx)
    import httpx

RATE_LIMIT_COUNTS = (
    ("limit_requests", "x-ratelimit-limit-requests"),
    ("limit_tokens", "x-ratelimit-limit-tokens"),
    ("remaining_requests", "x-ratelimit-remaining-requests"),
    ("remaining_tokens", "x-ratelimit-remaining-tokens"),
)


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """The `x-ratelimit-*` headers of one response (None where the server did not send one,
    or sent a value that is not a usable count: those are named in `unusable`)."""

    limit_requests: int | None = None
    limit_tokens: int | None = None
    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    reset_requests: str | None = None
    reset_tokens: str | None = None
    unusable: tuple[tuple[str, str], ...] = ()
    """(header, value as sent) of every rate-limit count that could not be used (`1e400`,
    `inf`, `-3`): dropped, and shown as such by the inspector."""

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> RateLimitInfo | None:
        """Read the rate-limit headers; None when there are none at all. Never raises:
        the headers are the server's data."""
        from tui.api.values import count

        values: dict[str, Any] = {}
        unusable: list[tuple[str, str]] = []
        for field_name, header in RATE_LIMIT_COUNTS:
            raw = headers.get(header)
            if raw is None:
                continue
            number = count(raw)
            if number is None:
                unusable.append((header, raw[:40]))
            values[field_name] = number
        for field_name, header in (
            ("reset_requests", "x-ratelimit-reset-requests"),
            ("reset_tokens", "x-ratelimit-reset-tokens"),
        ):
            raw = headers.get(header)
            if raw is not None:
                values[field_name] = raw[:40]
        info = cls(**values, unusable=tuple(unusable))
        return None if info == cls() else info


RETRY_AFTER_MOST = 86_400.0
"""The longest wait a server may ask for that is taken as said (a day); anything longer,
infinite or not a number is not a usable wait."""


def parse_retry_after(headers: httpx.Headers) -> float | None:
    """Seconds the server asks us to wait, from `retry-after-ms` or `Retry-After`; None when
    it asks for none, or for a wait that is not a usable number of seconds."""
    from tui.api.values import amount

    ms = headers.get("retry-after-ms")
    if ms is not None:
        waited = amount(ms, RETRY_AFTER_MOST * 1000.0)
        if waited is not None:
            return waited / 1000.0
    value = headers.get("retry-after")
    if value is None:
        return None
    waited = amount(value, RETRY_AFTER_MOST)
    if waited is not None:
        return waited
    try:
        left = parsedate_to_datetime(value).timestamp() - time()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(0.0, left), RETRY_AFTER_MOST)


class APIError(Exception):
    """Base of every error the client raises."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.request_id = request_id

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.insert(0, f"HTTP {self.status}:")
        return " ".join(parts)


class APIStatusError(APIError):
    """The server answered with an error status."""


class BadRequestError(APIStatusError):
    """400: the request was malformed or named a wrong parameter."""


class AuthenticationError(APIStatusError):
    """401: the key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this resource."""


class NotFoundError(APIStatusError):
    """404: no such model, job or route."""


class ConflictError(APIStatusError):
    """409: the resource is in a state that does not allow this."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was understood but cannot be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests or tokens, or quota used up."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        rate_limit: RateLimitInfo | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.rate_limit = rate_limit


class ServerError(APIStatusError):
    """5xx: the server failed."""


class APIConnectionError(APIError):
    """The server could not be reached (refused, DNS, TLS, reset before a reply)."""


class APITimeoutError(APIConnectionError):
    """The server did not answer within the timeout."""


class MalformedResponseError(APIError):
    """The server's reply was not what the protocol says (bad JSON, wrong shape)."""


class PagingStopped(MalformedResponseError):
    """A list that did not end as lists do (a cursor repeated, the same items again, more
    pages than any real list has): Loom stopped following it. What came before is kept by
    the caller; the message says what the server did."""


class RedirectError(APIError):
    """The server redirected elsewhere than the same scheme and host; not followed."""

    def __init__(self, message: str, *, location: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.location = location


@dataclass(slots=True)
class PartialReply:
    """What a stream had delivered before it broke."""

    text: str = ""
    refusal: str = ""
    chunks: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class StreamInterruptedError(APIError):
    """A stream broke after it had started; `partial` holds what had arrived."""

    def __init__(self, message: str, *, partial: PartialReply, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.partial = partial


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_from_response(response: httpx.Response, body: bytes) -> APIStatusError:
    """Build the typed error for an error response, keeping the server's message."""
    import json

    status = response.status_code
    request_id = response.headers.get("x-request-id")
    message = ""
    err_type: str | None = None
    code: str | None = None
    param: str | None = None
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        payload = None
    error_obj = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error_obj, dict):
        message = str(error_obj.get("message") or "")
        err_type = _str_or_none(error_obj.get("type"))
        code = _str_or_none(error_obj.get("code"))
        param = _str_or_none(error_obj.get("param"))
    elif isinstance(error_obj, str):
        message = error_obj
    elif isinstance(payload, dict) and isinstance(payload.get("message"), str):
        message = payload["message"]
    if not message:
        text = body.decode("utf-8", "replace").strip()
        if looks_like_html(response.headers.get("content-type", ""), text):
            message = "the server answered with a web page, not the API: " + html_excerpt(text)
        else:
            message = text[:300] if text else (response.reason_phrase or f"HTTP {status}")
    kwargs: dict[str, Any] = {
        "status": status,
        "type": err_type,
        "code": code,
        "param": param,
        "request_id": request_id,
    }
    if status == 429:
        return RateLimitError(
            message,
            retry_after=parse_retry_after(response.headers),
            rate_limit=RateLimitInfo.from_headers(response.headers),
            **kwargs,
        )
    cls = _STATUS_ERRORS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else APIStatusError
    return cls(message, **kwargs)


def looks_like_html(content_type: str, text: str) -> bool:
    """Whether a body is a web page (by its content type, or by its first characters)."""
    start = text.lstrip()[:15].lower()
    return "html" in content_type.lower() or start.startswith(("<!doctype", "<html", "<head"))


_SKIPPED = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def html_excerpt(text: str, limit: int = 200) -> str:
    """A web page as a short line of text: its title, then its words, no tags."""
    from html import unescape

    title_match = _TITLE.search(text)
    title = " ".join(unescape(title_match.group(1)).split()) if title_match else ""
    body = _TITLE.sub(" ", _SKIPPED.sub(" ", text))
    words = " ".join(unescape(_TAG.sub(" ", body)).split())
    line = f"“{title}” {words}" if title and not words.startswith(title) else words
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
