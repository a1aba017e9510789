"""One async client for the OpenAI API and compatible servers."""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from tui import __version__
from tui.api.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    MalformedResponseError,
    RateLimitError,
    RateLimitInfo,
    RedirectError,
    ServerError,
    error_from_response,
    parse_retry_after,
)
from tui.api.observe import Observer, RequestLog, RequestRecord

DEFAULT_BASE_URL = "https://api.openai.com/v1"
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry connection errors, 429 and 5xx."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    """A Retry-After longer than this is not waited for: the error is raised instead."""

    def delay(self, attempt: int, retry_after: float | None, jitter: float) -> float | None:
        """Seconds to wait before retry number `attempt + 1`; None means do not retry."""
        if attempt >= self.max_retries:
            return None
        if retry_after is not None:
            return None if retry_after > self.max_retry_after else float(retry_after)
        backoff: float = min(self.max_delay, self.initial_delay * 2.0**attempt)
        return backoff * (1.0 - 0.25 * jitter)


def _is_retryable(error: APIError) -> bool:
    return isinstance(error, APIConnectionError | RateLimitError | ServerError)


def mask_key(key: str | None) -> str:
    """A key as it may be shown: its prefix and last four characters."""
    if not key:
        return "(none)"
    if len(key) <= 8:
        return "…" + key[-2:]
    prefix = key.split("-", 1)[0] + "-" if key.startswith("sk-") else ""
    return f"{prefix}…{key[-4:]}"


class OpenAIClient:
    """Owns the `httpx.AsyncClient`, auth headers, timeouts, retries and error mapping."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        headers: dict[str, str] | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        observers: Iterable[Observer] = (),
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        sent = {"User-Agent": f"loom/{__version__}", "Accept": "application/json"}
        if api_key:
            sent["Authorization"] = f"Bearer {api_key}"
        if organization:
            sent["OpenAI-Organization"] = organization
        if project:
            sent["OpenAI-Project"] = project
        sent.update(headers or {})  # a profile's own (an Azure api-key, say) go last
        self.base_url = base_url.rstrip("/")
        self.key_hint = mask_key(api_key)
        self.read_timeout = read_timeout
        self.retry = retry or RetryPolicy()
        self.request_log = RequestLog()
        self.observers: list[Observer] = [self.request_log, *observers]
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers=sent,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            transport=transport,
        )
        from tui.api.chat import ChatResource
        from tui.api.models import ModelsResource

        self.chat = ChatResource(self)
        self.models = ModelsResource(self)

    def __repr__(self) -> str:
        return f"OpenAIClient(base_url={self.base_url!r}, key={self.key_hint})"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> OpenAIClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- observation ---------------------------------------------------------------------

    def observe(self, record: RequestRecord) -> None:
        """Hand a record to every observer."""
        for observer in self.observers:
            observer(record)

    # --- sending -------------------------------------------------------------------------

    async def send(
        self, method: str, path: str, *, json_body: Any = None, stream: bool = False
    ) -> tuple[httpx.Response, float, float, int]:
        """Send with retries until a non-error status; return (response, wall start,
        monotonic start, attempt). The body of the returned response is not read yet."""
        attempt = 0
        target: str | httpx.URL = path
        redirects = 0
        while True:
            wall = time.time()
            started = time.monotonic()
            request = self._http.build_request(method, target, json=json_body)
            error: APIError
            response: httpx.Response | None = None
            try:
                response = await self._http.send(request, stream=True)
                if response.status_code in REDIRECTS:
                    await response.aclose()
                    target = self._redirect(request, response, path, redirects)
                    redirects += 1
                    continue
            except httpx.TimeoutException:
                error = APITimeoutError(
                    f"{self.base_url} did not answer within {self.read_timeout:g} s"
                )
            except httpx.TransportError as exc:
                error = APIConnectionError(f"could not reach {self.base_url}: {_reason(exc)}")
            else:
                if response.status_code < 400:
                    return response, wall, started, attempt
                try:
                    body = await response.aread()
                except httpx.HTTPError:
                    body = b""
                finally:
                    await response.aclose()
                error = error_from_response(response, body)
            self.observe(
                RequestRecord(
                    method=method,
                    path=path,
                    status=None if response is None else response.status_code,
                    started_at=wall,
                    latency=time.monotonic() - started,
                    ttfb=None if response is None else time.monotonic() - started,
                    request_id=error.request_id,
                    rate_limit=None
                    if response is None
                    else RateLimitInfo.from_headers(response.headers),
                    attempt=attempt,
                    stream=stream,
                    error=str(error),
                )
            )
            retry_after = None if response is None else parse_retry_after(response.headers)
            delay = self.retry.delay(attempt, retry_after, random.random())
            if not _is_retryable(error) or delay is None:
                raise error
            await self._sleep(delay)
            attempt += 1

    def _redirect(
        self, request: httpx.Request, response: httpx.Response, path: str, redirects: int
    ) -> httpx.URL:
        """Where to send a redirected request again; RedirectError when it should not be
        followed: another scheme or host (the key would go with it), a POST turned into a
        GET (301/302/303), or a loop."""
        location = response.headers.get("location", "")
        try:
            goal = request.url.join(location)
        except (httpx.InvalidURL, ValueError):
            goal = None
        here = request.url
        same = goal is not None and (goal.scheme, goal.host, goal.port) == (
            here.scheme,
            here.host,
            here.port,
        )
        keeps_method = response.status_code in (307, 308) or request.method in ("GET", "HEAD")
        if goal is not None and same and keeps_method and redirects < MAX_REDIRECTS:
            return goal
        shown = str(goal) if goal is not None else repr(location)
        base = shown.removesuffix(path) if shown.endswith(path) else None
        if goal is not None and same and not keeps_method:
            why = f"a {response.status_code} would turn the request into a GET"
        elif redirects >= MAX_REDIRECTS:
            why = f"it redirected {MAX_REDIRECTS} times"
        else:
            why = "Loom follows redirects only on the same scheme and host, so the key never "
            why += "goes elsewhere"
        hint = f" If that is the right server, set the base URL to {base}." if base else ""
        raise RedirectError(
            f"{self.base_url} answered {response.status_code} pointing to {shown}; not "
            f"followed: {why}.{hint}",
            location=shown,
            status=response.status_code,
            request_id=response.headers.get("x-request-id"),
        )

    async def request_json(self, method: str, path: str, *, json_body: Any = None) -> Any:
        """Send a request and return its decoded JSON body."""
        import json

        response, wall, started, attempt = await self.send(method, path, json_body=json_body)
        ttfb = time.monotonic() - started
        try:
            body = await response.aread()
        except httpx.HTTPError as exc:
            raise APIConnectionError(f"the connection broke while reading: {_reason(exc)}") from exc
        finally:
            await response.aclose()
        self.observe(
            RequestRecord(
                method=method,
                path=path,
                status=response.status_code,
                started_at=wall,
                latency=time.monotonic() - started,
                ttfb=ttfb,
                request_id=response.headers.get("x-request-id"),
                rate_limit=RateLimitInfo.from_headers(response.headers),
                attempt=attempt,
                stream=False,
            )
        )
        try:
            return json.loads(body)
        except ValueError as exc:
            raise MalformedResponseError(
                f"the server's reply to {method} {path} is not JSON: {body[:120]!r}",
                status=response.status_code,
                request_id=response.headers.get("x-request-id"),
            ) from exc


def _reason(exc: BaseException) -> str:
    """The most telling words for a transport failure, from the whole cause chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused (is the server running?)"
        if isinstance(seen, socket.gaierror):
            return f"the host name could not be resolved ({seen.strerror})"
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror
        seen = seen.__cause__ or seen.__context__
    text = str(exc) or type(exc).__name__
    return "connection refused (is the server running?)" if "refused" in text.lower() else text
