"""The simulator's state and shared pieces: its config, what it holds, its error shape."""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse

from tui.sim.faults import FaultQueue

MODEL_IDS = (
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5-mini",
    "o4-mini",
    "o3",
    "gpt-4.5-preview",
    "gpt-4o-mini-2024-07-18",
    "text-embedding-3-small",
    "text-embedding-3-large",
    "dall-e-2",
    "dall-e-3",
    "gpt-image-1",
    "whisper-1",
    "tts-1",
    "gpt-4o-transcribe",
    "omni-moderation-latest",
    "gpt-3.5-turbo-instruct",
    "davinci-002",
)
"""A catalogue like OpenAI's: chat and reasoning models, one deprecated (gpt-4.5-preview),
embeddings, images, audio, moderation and the legacy completions; fine-tuned models and
checkpoints join it as jobs make them."""
NOT_CHAT = (
    "text-embedding-3-small",
    "text-embedding-3-large",
    "dall-e-2",
    "dall-e-3",
    "gpt-image-1",
    "whisper-1",
    "tts-1",
    "gpt-4o-transcribe",
    "omni-moderation-latest",
    "gpt-3.5-turbo-instruct",
    "davinci-002",
)
"""Models the chat completions endpoint refuses, as OpenAI's does."""
MODEL_CREATED = 1_715_367_049
FINE_TUNED_OWNER = "loom-sim"
"""The organisation named in fine-tuned model ids: `ft:gpt-4o-mini-2024-07-18:loom-sim:…`."""

ROLES = ("developer", "system", "user", "assistant", "tool", "function")
MOVED = "/moved"
"""The `redirect` fault sends clients here: the same routes, without faults."""
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>Sign in to the network</title>"
    "<style>body {{ font: 14px sans-serif }}</style></head><body><h1>Wi-Fi login "
    "({code})</h1><p>Please accept the terms of use to continue browsing.</p>"
    "<script>var x = 1;</script></body></html>"
)
"""What a captive portal or a misconfigured proxy answers instead of the API."""


class SimulatedCut(Exception):
    """Raised inside a stream to drop the connection mid-reply, as a real network cut does."""


@dataclass
class SimConfig:
    """How the simulator behaves."""

    seed: int = 0
    tokens_per_second: float = 0.0
    """0 means as fast as possible."""
    api_key: str | None = None
    """If set, only this key is accepted; otherwise any non-empty key is."""
    models: tuple[str, ...] = MODEL_IDS
    reply_tokens: int | None = None
    """Make every reply at least this long (tokens)."""
    timing: dict[str, Any] = field(default_factory=dict)
    """How fast each area's objects go through their phases, by area name (a fine-tuning
    job's: `{"fine_tuning": Timing(...)}`); an area without one here uses its own."""
    demo: bool = False
    """Start with what `loom --demo` shows: jobs in every state, one training live, …
    (each area seeds its own)."""
    usage_models: tuple[str, ...] | None = None
    """The chat models of the 90 days of usage (None: six of OpenAI's)."""
    usage_density: float = 0.35
    """How likely each of them is used in an hour."""
    requests_a_minute: int = 10_000
    tokens_a_minute: int = 2_000_000
    """The rate limits its x-ratelimit-* headers count down from (a minute's window)."""


@dataclass
class SimState:
    """What the running simulator knows: its config, queued faults and counters."""

    config: SimConfig
    faults: FaultQueue = field(default_factory=FaultQueue)
    requests: int = 0
    chat_requests: int = 0
    last_headers: dict[str, str] = field(default_factory=dict)
    """Headers of the last request, without Authorization (for tests and debugging)."""
    last_had_key: bool = False
    """Whether the last request carried a bearer key (the key itself is not kept)."""
    last_chat_body: dict[str, Any] = field(default_factory=dict)
    """The JSON body of the last chat request (for tests of what the client sends)."""
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Files uploaded to the simulator, by id: their object and content."""
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Uploads in parts, by id: their object and parts."""
    areas: dict[str, Any] = field(default_factory=dict)
    """Each area's own state, by area name, made on first use (`state.fine_tuning`)."""
    seeded: bool = False
    """Whether the areas have filled it for `loom --demo` (once, however many apps)."""
    inner_token: str = field(default_factory=lambda: secrets.token_hex(16))
    """Marks the requests the simulator makes to itself (tui/sim/inner.py)."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_id(self) -> int:
        """A fresh number for request and completion ids."""
        with self._lock:
            return next(self._ids)

    _window: deque[tuple[float, int, int]] = field(default_factory=deque)
    """(when, requests, tokens) of the last minute: the rate limits count them."""

    def spend(self, tokens: int = 0, *, request: bool = True) -> None:
        """A request, or the tokens a reply used, counts against the minute's budget."""
        with self._lock:
            self._window.append((time.monotonic(), int(request), tokens))

    def budget(self) -> tuple[int, int, str]:
        """(requests left, tokens left, when the oldest leaves the window) this minute."""
        now = time.monotonic()
        with self._lock:
            while self._window and now - self._window[0][0] > 60:
                self._window.popleft()
            used = sum(r for _, r, _ in self._window)
            tokens = sum(t for _, _, t in self._window)
            reset = 60 - (now - self._window[0][0]) if self._window else 0.0
        return (
            max(0, self.config.requests_a_minute - used),
            max(0, self.config.tokens_a_minute - tokens),
            f"{reset:.0f}s" if reset >= 1 else f"{max(1, int(reset * 1000))}ms",
        )

    deleted: set[str] = field(default_factory=set)
    """Fine-tuned models deleted (they are no longer listed or served)."""

    def __getattr__(self, name: str) -> Any:
        """An area's state by its name (`state.fine_tuning`), made on first use by the
        area's `sim_state` (see tui.registry)."""
        if name.startswith("_") or name == "areas":
            raise AttributeError(name)
        areas = self.__dict__.get("areas")
        if areas is None:
            raise AttributeError(name)
        if name not in areas:
            from tui.registry import area, load

            try:
                factory = area(name).sim_state
            except KeyError:
                raise AttributeError(name) from None
            if factory is None:
                raise AttributeError(name)
            with self._lock:
                if name not in areas:
                    areas[name] = load(factory)(self)
        return areas[name]

    def made_models(self) -> list[tuple[str, int]]:
        """(id, created) of the models areas made on this server (fine-tuned models and
        checkpoints): each area state with a `models()` says its own."""
        made: list[tuple[str, int]] = []
        for state in list(self.areas.values()):
            models = getattr(state, "models", None)
            if callable(models):
                made += models()
        return [(m, c) for m, c in made if m not in self.deleted]

    def model_ids(self) -> list[tuple[str, int]]:
        """(id, created) of every model served: the configured ones (a day apart, as
        releases are), then those the areas made (fine-tuned models and checkpoints)."""
        base = [(m, MODEL_CREATED + n * 86_400) for n, m in enumerate(self.config.models)]
        return base + self.made_models()

    def has_model(self, model_id: str) -> bool:
        """Whether a model of this id is served."""
        return model_id in self.config.models or any(m == model_id for m, _ in self.made_models())


class InvalidRequest(Exception):
    """A 400 naming the parameter at fault."""

    def __init__(self, message: str, param: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def error_response(
    status: int,
    message: str,
    *,
    type: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An error in the official `ErrorResponse` shape."""
    body = {"error": {"message": message, "type": type, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


async def json_object(request: Any) -> dict[str, Any] | None:
    """A request's JSON object body; None when it is not one (the route answers 400)."""
    import json

    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def cursor_page(
    data: list[dict[str, Any]], has_more: bool, *, empty_id: str | None = None
) -> dict[str, Any]:
    """A list page as the API pages with `after`: data, first and last ids, has_more.
    `empty_id` is what the ids are when there is no item ("" where the spec makes them
    required strings, None where it lets them be null)."""
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else empty_id,
        "last_id": data[-1]["id"] if data else empty_id,
        "has_more": has_more,
    }


def listed(query: Any, name: str) -> list[str]:
    """A list parameter in either form clients send it: repeated (`group_by=a&group_by=b`,
    as Loom and curl write it) or with brackets (`group_by[]=a`, as the official SDKs do)."""
    return [*query.getlist(name), *query.getlist(f"{name}[]")]
