"""One async client for the OpenAI API and compatible servers."""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from tui import __version__
from tui.api.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    MalformedResponseError,
    PagingStopped,
    RateLimitError,
    RateLimitInfo,
    RedirectError,
    ServerError,
    error_from_response,
    parse_retry_after,
)
from tui.api.multipart import Multipart, Progress
from tui.api.observe import BODY_CUT, CONTEXT, Observer, RequestLog, RequestRecord

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")
P = TypeVar("P", bound="BaseModel")

DEFAULT_BASE_URL = "https://api.openai.com/v1"
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5
MAX_PAGES = 1000
"""The most pages a list is followed for, by default: far more than any real list (a
thousand pages of jobs, files or events), and an end to a server that never stops."""


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
        from tui.config.settings import secret_header

        self.masked_headers = frozenset(
            {*SECRET_HEADERS, *(name.lower() for name in headers or {} if secret_header(name))}
        )
        """Request headers whose values no record holds: the key's, and every header the
        profile added that may carry a credential (Helicone-Auth, a proxy's token)."""
        self.base_url = base_url.rstrip("/")
        self.key_hint = mask_key(api_key)
        self.read_timeout = read_timeout
        self.retry = retry or RetryPolicy()
        self.request_log = RequestLog(maxlen=200)
        self.observers: list[Observer] = [self.request_log, *observers]
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers=sent,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            transport=transport,
        )
        from tui.api.files import FilesResource
        from tui.api.models import ModelsResource
        from tui.api.uploads import UploadsResource

        self.models = ModelsResource(self)
        self.files = FilesResource(self)
        self.uploads = UploadsResource(self)

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
        """Hand a record to every observer. An observer that fails does not break the
        request; observers run once an exchange has ended (after a stream's last byte),
        never in the middle of one, and must be quick (a ledger hands records on)."""
        for observer in self.observers:
            try:
                observer(record)
            except Exception:  # an observer's bug is not the request's failure
                continue

    # --- sending -------------------------------------------------------------------------

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        body: Multipart | None = None,
        progress: Progress | None = None,
        stream: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Exchange:
        """Send with retries until a non-error status; the exchange holds the response,
        whose body is not read yet. Errors are typed (tui.api.errors), each recorded."""
        exchange = Exchange(method, path, stream, masked=self.masked_headers)
        target: str | httpx.URL = path
        redirects = 0
        query = _query(params)
        while True:
            exchange.wall = time.time()
            exchange.started = time.monotonic()
            exchange.response = None
            request = self._build(method, target, query, json_body, body, progress, headers)
            exchange.sent(request, body, json_body)
            error: APIError
            try:
                response = await self._http.send(request, stream=True)
                exchange.response = response
                exchange.ttfb = time.monotonic() - exchange.started
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
                    return exchange
                try:
                    raw = await response.aread()
                except httpx.HTTPError:
                    raw = b""
                finally:
                    await response.aclose()
                exchange.received(raw)
                error = error_from_response(response, raw)
            self.observe(exchange.record(error=str(error)))
            response_or_none = exchange.response
            retry_after = (
                None if response_or_none is None else parse_retry_after(response_or_none.headers)
            )
            delay = self.retry.delay(exchange.attempt, retry_after, random.random())
            if not _is_retryable(error) or delay is None:
                raise error
            await self._sleep(delay)
            exchange.attempt += 1

    def _build(
        self,
        method: str,
        target: str | httpx.URL,
        query: list[tuple[str, QueryValue]] | None,
        json_body: Any,
        body: Multipart | None,
        progress: Progress | None,
        extra: Mapping[str, str] | None = None,
    ) -> httpx.Request:
        """The request; `extra` headers beside the client's (an API's beta header)."""
        if body is None:
            return self._http.build_request(
                method, target, params=query, json=json_body, headers=dict(extra or {})
            )
        # A fresh stream for every attempt: a retried upload starts again from its start.
        headers = {"Content-Type": body.content_type, "Content-Length": str(body.size())}
        headers.update(extra or {})
        return self._http.build_request(
            method, target, params=query, content=body.stream(progress), headers=headers
        )

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

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        body: Multipart | None = None,
        progress: Progress | None = None,
        model: type[M] | None = None,
        secret_reply: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send a request and return its JSON body, checked against `model` when given
        (MalformedResponseError naming the endpoint if it does not fit). A `secret_reply`
        (a new key's one answer) is never kept in the request's record nor quoted."""
        import json

        exchange = await self.send(
            method,
            path,
            params=params,
            json_body=json_body,
            body=body,
            progress=progress,
            headers=headers,
        )
        raw = await self._read(exchange, observe=False)
        if secret_reply:
            exchange.body_received = [SECRET_REPLY]
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            self.observe(exchange.record())
            quoted = SECRET_REPLY if secret_reply else repr(raw[:120])
            raise MalformedResponseError(
                f"the server's reply to {method} {path} is not JSON: {quoted}",
                status=exchange.status,
                request_id=exchange.request_id,
            ) from exc
        exchange.learn(payload)
        self.observe(exchange.record())
        if model is None:
            return payload
        from pydantic import ValidationError

        try:
            return model.model_validate(payload)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or "the reply"
            raise MalformedResponseError(
                f"the server's reply to {method} {path} is not in the expected shape "
                f"({where}: {problem['msg']})",
                status=exchange.status,
                request_id=exchange.request_id,
            ) from exc

    async def request_json(self, method: str, path: str, *, json_body: Any = None) -> Any:
        """Send a request and return its decoded JSON body."""
        return await self.request(method, path, json_body=json_body)

    async def request_bytes(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        body: Multipart | None = None,
    ) -> bytes:
        """Send a request and return its body as it is (a file's content, a transcript as
        text or subtitles)."""
        exchange = await self.send(method, path, params=params, json_body=json_body, body=body)
        return await self._read(exchange)

    async def request_chunks(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> AsyncIterator[bytes]:
        """Send a request and yield its body piece by piece as it arrives (a batch's output
        file, an image, speech): never held whole in memory. The record keeps the first
        BODY_CUT characters (of audio or an image, only its size); a connection that breaks
        midway raises APIConnectionError after the pieces that came."""
        exchange = await self.send(method, path, params=params, json_body=json_body, stream=True)
        response = exchange.response
        assert response is not None
        kind = response.headers.get("content-type", "")
        textual = not kind.startswith(("audio/", "image/", "video/"))
        size = 0
        try:
            async for piece in response.aiter_bytes():
                size += len(piece)
                if textual:
                    exchange.received(piece)
                yield piece
            if not textual:
                exchange.received(f"({size:,} bytes of {kind})")
        except httpx.HTTPError as exc:
            self.observe(exchange.record(error=f"the connection broke while reading: {exc}"))
            raise APIConnectionError(f"the connection broke while reading: {_reason(exc)}") from exc
        finally:
            await response.aclose()
        self.observe(exchange.record())

    async def _read(self, exchange: Exchange, *, observe: bool = True) -> bytes:
        response = exchange.response
        assert response is not None
        try:
            raw = await response.aread()
        except httpx.HTTPError as exc:
            self.observe(exchange.record(error=f"the connection broke while reading: {exc}"))
            raise APIConnectionError(f"the connection broke while reading: {_reason(exc)}") from exc
        finally:
            await response.aclose()
        exchange.received(raw)
        if observe:
            self.observe(exchange.record())
        return raw

    # --- lists ---------------------------------------------------------------------------

    async def paginate(
        self,
        path: str,
        item: type[M],
        *,
        params: Mapping[str, Any] | None = None,
        page_size: int | None = None,
        max_pages: int = MAX_PAGES,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[M]:
        """Every item of a list that pages with `after` and `has_more` (files, fine-tuning
        jobs, their events, batches), page after page, as they arrive. A server that sends
        an item twice has it once; one that repeats a cursor, sends only items it sent
        already, or still says `has_more` after `max_pages` pages gets PagingStopped, after
        every item that came (what arrived is the caller's to show)."""
        from tui.api.schemas import CursorPage

        page_model = CursorPage[item]  # type: ignore[valid-type]
        after: str | None = None
        cursors: set[str] = set()
        ids: set[str] = set()
        pages = 0
        while True:
            query = dict(params or {})
            if page_size is not None:
                query["limit"] = page_size
            if after is not None:
                query["after"] = after
            page = await self.request("GET", path, params=query, model=page_model, headers=headers)
            pages += 1
            fresh = 0
            for entry in page.data:
                key = getattr(entry, "id", None)
                if isinstance(key, str):
                    if key in ids:
                        continue
                    ids.add(key)
                fresh += 1
                yield entry
            if not page.has_more:
                return
            after = page.next_cursor()
            if after is None or not page.data:
                return  # "more", with nothing to go on from: the end, as far as can be told
            if after in cursors or not fresh:
                raise PagingStopped(
                    f"{path}: the server sent the same page again (it ignores `after`); "
                    f"stopped after {pages:,} page(s), {len(ids) or fresh:,} item(s)",
                    status=200,
                )
            if pages >= max_pages:
                raise PagingStopped(
                    f"{path}: the server still said there was more after {pages:,} pages "
                    f"({len(ids):,} items); stopped there",
                    status=200,
                )
            cursors.add(after)

    async def pages(
        self,
        path: str,
        page: type[P],
        *,
        params: Mapping[str, Any] | None = None,
        max_pages: int = MAX_PAGES,
    ) -> AsyncIterator[P]:
        """Every page of a list that pages with `page` and `next_page` (usage, costs);
        PagingStopped, after the pages that came, when a cursor repeats or there are still
        more after `max_pages`."""
        cursor: str | None = None
        seen: set[str] = set()
        count = 0
        while True:
            query = dict(params or {})
            if cursor is not None:
                query["page"] = cursor
            got = await self.request("GET", path, params=query, model=page)
            count += 1
            yield got
            cursor = getattr(got, "next_page", None)
            if not getattr(got, "has_more", False) or cursor is None:
                return
            if cursor in seen:
                raise PagingStopped(
                    f"{path}: the server sent the same next_page again; stopped after "
                    f"{count:,} page(s)",
                    status=200,
                )
            if count >= max_pages:
                raise PagingStopped(
                    f"{path}: the server still said there was more after {count:,} pages; "
                    "stopped there",
                    status=200,
                )
            seen.add(cursor)


SECRET_HEADERS = ("authorization", "api-key", "x-api-key", "openai-organization", "cookie")
"""Request headers whose values are masked in a record."""


SECRET_REPLY = "(a reply holding a new key's value: not kept)"
"""What a request's record keeps of a reply that holds a secret."""


@dataclass(slots=True)
class Exchange:
    """One request on its way: its response (once it came) and what its record needs."""

    method: str
    path: str
    stream: bool
    masked: frozenset[str] = frozenset(SECRET_HEADERS)
    """Names (lower case) of the request headers whose values are masked in its record."""
    wall: float = 0.0
    started: float = 0.0
    attempt: int = 0
    response: httpx.Response | None = None
    ttfb: float | None = None
    url: str = ""
    headers_sent: dict[str, str] | None = None
    headers_masked: list[str] = field(default_factory=list)
    body_sent: str | None = None
    body_received: list[str] = field(default_factory=list)
    """What came back (a stream's text as it was read), up to BODY_CUT characters."""
    room: int = BODY_CUT
    model: str | None = None
    usage: dict[str, Any] | None = None
    first_token: float | None = None

    def sent(self, request: httpx.Request, body: Multipart | None, json_body: Any) -> None:
        """Note what is sent (keys masked), for the inspector."""
        self.url = str(request.url)
        self.body_received = []
        self.room = BODY_CUT
        if isinstance(json_body, dict) and isinstance(json_body.get("model"), str):
            self.model = json_body["model"]
        self.headers_sent = {}
        self.headers_masked = []
        for name, value in request.headers.items():
            if name.lower() in self.masked or _looks_like_a_key(value):
                self.headers_masked.append(name)
                value = mask_key(value.split(" ", 1)[-1])
            self.headers_sent[name] = value
        if body is not None:
            self.model = body.field("model") or self.model
            self.body_sent = f"(multipart/form-data, {body.size():,} bytes)"
        else:
            try:
                content = request.content
            except httpx.RequestNotRead:
                content = b""
            self.body_sent = content[:BODY_CUT].decode("utf-8", "replace") if content else None

    def received(self, text: str | bytes) -> None:
        """Keep what came back, while there is room."""
        if self.room <= 0:
            return
        if isinstance(text, bytes):
            text = text[: self.room].decode("utf-8", "replace")
        piece = text[: self.room]
        self.room -= len(piece)
        self.body_received.append(piece)

    def learn(self, payload: Any) -> None:
        """What a JSON reply says of the model and the tokens it used."""
        # Only a reply that used a model (it says how much): a fine-tuning job's `model`
        # is the model it trains, not one this request used.
        if not isinstance(payload, dict) or not isinstance(payload.get("usage"), dict):
            return
        self.usage = payload["usage"]
        if isinstance(payload.get("model"), str):
            self.model = payload["model"]

    @property
    def status(self) -> int | None:
        """The response's status, if one came."""
        return None if self.response is None else self.response.status_code

    @property
    def request_id(self) -> str | None:
        """The server's id for the request, if it sent one."""
        return None if self.response is None else self.response.headers.get("x-request-id")

    def record(self, *, error: str | None = None) -> RequestRecord:
        """What the exchange did, for the observers: the one place records are made."""
        response = self.response
        usage = self.usage or {}
        details = usage.get("prompt_tokens_details") or {}
        processing = None if response is None else response.headers.get("openai-processing-ms")
        return RequestRecord(
            method=self.method,
            path=self.path,
            status=self.status,
            started_at=self.wall,
            latency=time.monotonic() - self.started,
            ttfb=self.ttfb,
            request_id=self.request_id,
            rate_limit=None if response is None else RateLimitInfo.from_headers(response.headers),
            attempt=self.attempt,
            stream=self.stream,
            error=error,
            url=self.url,
            model=self.model,
            prompt_tokens=_int(usage.get("prompt_tokens", usage.get("input_tokens"))),
            completion_tokens=_int(usage.get("completion_tokens", usage.get("output_tokens"))),
            cached_tokens=_int(details.get("cached_tokens")) if isinstance(details, dict) else None,
            first_token=None if self.first_token is None else self.first_token - self.started,
            processing_ms=_int(processing),
            context=CONTEXT.get(),
            request_headers=self.headers_sent,
            masked_headers=tuple(self.headers_masked),
            request_body=self.body_sent,
            response_headers=None if response is None else dict(response.headers),
            response_body="".join(self.body_received) or None,
        )


def _looks_like_a_key(value: str) -> bool:
    """A header value that carries a credential whatever its header's name."""
    token = value.split(" ", 1)[-1] if value[:7].lower() == "bearer " else value
    return (token.startswith("sk-") and len(token) >= 19) or (
        value[:7].lower() == "bearer " and len(token) >= 16
    )


def _int(value: Any) -> int | None:
    from tui.api.values import count

    return count(value)


QueryValue = str | int | float | bool | None


def _query(params: Mapping[str, Any] | None) -> list[tuple[str, QueryValue]] | None:
    """Query parameters as the API writes them: lists repeated, booleans in lower case,
    None left out."""
    if not params:
        return None
    query: list[tuple[str, QueryValue]] = []
    for name, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        for one in values:
            if one is None:
                continue
            query.append((name, str(one).lower() if isinstance(one, bool) else str(one)))
    return query


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
