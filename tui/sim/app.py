"""The simulator's Starlette app: models and chat completions, JSON and SSE, with faults."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from tui.api.conventions import CONTINUE_INSTRUCTION
from tui.sim.faults import HEADER, Fault, FaultQueue, FaultSyntaxError
from tui.sim.reply import compose_reply, count_tokens, tokenize

MODEL_IDS = (
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5-mini",
    "o4-mini",
    "text-embedding-3-small",
)
MODEL_CREATED = 1_715_367_049
ROLES = ("developer", "system", "user", "assistant", "tool", "function")
REPLY_TOKENS_HEADER = "x-loom-sim-reply-tokens"
"""Request header asking for a reply of at least this many tokens (for benchmarks)."""


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
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_id(self) -> int:
        """A fresh number for request and completion ids."""
        with self._lock:
            return next(self._ids)


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


def create_app(config: SimConfig | None = None, state: SimState | None = None) -> Starlette:
    """Build the simulator app; `app.state.sim` is its `SimState`."""
    sim = state or SimState(config or SimConfig())

    def common_headers(request_no: int) -> dict[str, str]:
        return {
            "x-request-id": f"req_sim{sim.config.seed:04d}{request_no:08d}",
            "openai-processing-ms": "1",
            "x-ratelimit-limit-requests": "10000",
            "x-ratelimit-remaining-requests": str(max(0, 10000 - request_no)),
            "x-ratelimit-limit-tokens": "2000000",
            "x-ratelimit-remaining-tokens": "1999000",
            "x-ratelimit-reset-requests": "6ms",
            "x-ratelimit-reset-tokens": "30ms",
        }

    def check_auth(request: Request, headers: dict[str, str]) -> Response | None:
        auth = request.headers.get("authorization", "")
        scheme, _, key = auth.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            return error_response(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                headers=headers,
            )
        if sim.config.api_key is not None and key != sim.config.api_key:
            shown = key[:3] + "*" * 4 + key[-4:] if len(key) > 8 else "****"
            return error_response(
                401,
                f"Incorrect API key provided: {shown}.",
                code="invalid_api_key",
                headers=headers,
            )
        return None

    def take_fault(request: Request, route: str) -> Fault | Response:
        if request.url.path.startswith(MOVED):
            return Response(status_code=204)  # where a redirect leads: no fault again
        spec = request.headers.get(HEADER)
        if spec:
            try:
                return Fault.parse(spec)
            except FaultSyntaxError as exc:
                return error_response(400, str(exc), param=HEADER)
        queued = sim.faults.take(route)
        return queued if queued is not None else Response(status_code=204)

    def status_fault(fault: Fault, headers: dict[str, str], request: Request) -> Response | None:
        if fault.kind == "rate_limit":
            wait = max(fault.seconds, 0.0)
            extra = {
                "retry-after": str(max(1, math.ceil(wait))),
                "retry-after-ms": str(int(wait * 1000)),
                "x-ratelimit-remaining-requests": "0",
            }
            return error_response(
                429,
                f"Rate limit reached for requests (simulated). Please try again in {wait:g}s.",
                type="requests",
                code="rate_limit_exceeded",
                headers={**headers, **extra},
            )
        if fault.kind == "server_error":
            return error_response(
                500,
                "The server had an error while processing your request (simulated).",
                type="server_error",
                headers=headers,
            )
        if fault.kind == "status":
            kind = "server_error" if fault.status >= 500 else "invalid_request_error"
            return error_response(
                fault.status,
                f"Simulated error with HTTP status {fault.status}.",
                type=kind,
                code=f"simulated_{fault.status}",
                headers=headers,
            )
        if fault.kind in ("html", "html_error"):
            return HTMLResponse(
                HTML_PAGE.format(code=fault.status if fault.kind == "html_error" else 200),
                status_code=fault.status if fault.kind == "html_error" else 200,
                headers=headers,
            )
        if fault.kind in ("redirect", "redirect_away"):
            host = "" if fault.kind == "redirect" else "http://elsewhere.invalid"
            target = host + MOVED + request.url.path
            return RedirectResponse(target, status_code=fault.status, headers=headers)
        if fault.kind == "unavailable":
            return error_response(
                503,
                "The engine is currently overloaded, please try again later (simulated).",
                type="server_error",
                headers=headers,
            )
        return None

    def prelude(
        request: Request, route: str
    ) -> tuple[dict[str, str], Fault | None, Response | None]:
        sim.requests += 1
        sim.last_headers = {
            k: v for k, v in request.headers.items() if k.lower() != "authorization"
        }
        sim.last_had_key = bool(request.headers.get("authorization", "").partition(" ")[2])
        headers = common_headers(sim.next_id())
        denied = check_auth(request, headers)
        if denied is not None:
            return headers, None, denied
        fault_or_response = take_fault(request, route)
        if isinstance(fault_or_response, Response):
            if fault_or_response.status_code == 204:
                return headers, None, None
            return headers, None, fault_or_response
        return headers, fault_or_response, status_fault(fault_or_response, headers, request)

    def model_object(model_id: str) -> dict[str, Any]:
        return {
            "id": model_id,
            "object": "model",
            "created": MODEL_CREATED,
            "owned_by": "loom-simulator",
        }

    async def list_models(request: Request) -> Response:
        headers, _, early = prelude(request, "models")
        if early is not None:
            return early
        data = [model_object(m) for m in sim.config.models]
        return JSONResponse({"object": "list", "data": data}, headers=headers)

    async def retrieve_model(request: Request) -> Response:
        headers, _, early = prelude(request, "models")
        if early is not None:
            return early
        model_id = request.path_params["model"]
        if model_id not in sim.config.models:
            return model_not_found(model_id, headers)
        return JSONResponse(model_object(model_id), headers=headers)

    def model_not_found(model_id: str, headers: dict[str, str]) -> Response:
        return error_response(
            404,
            f"The model `{model_id}` does not exist or you do not have access to it.",
            param="model",
            code="model_not_found",
            headers=headers,
        )

    async def chat_completions(request: Request) -> Response:
        headers, fault, early = prelude(request, "chat")
        if early is not None:
            return early
        sim.chat_requests += 1
        try:
            raw = await request.body()
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return error_response(
                400,
                "We could not parse the JSON body of your request. The body must be a JSON object.",
            )
        if isinstance(body, dict):
            sim.last_chat_body = body
        try:
            params = parse_chat_request(body)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        if params.model not in sim.config.models:
            return model_not_found(params.model, headers)
        wanted = _int_header(request, REPLY_TOKENS_HEADER) or sim.config.reply_tokens
        reply = compose_reply(params.last_user_text, seed=sim.config.seed, min_tokens=wanted)
        tokens = _after(tokenize(reply), params.continue_from)
        finish = "stop"
        if params.stop:
            cut_at = _first_stop(reply, params.stop)
            if cut_at is not None:
                tokens = tokenize(reply[:cut_at])
        if params.max_tokens is not None and len(tokens) > params.max_tokens:
            tokens = tokens[: params.max_tokens]
            finish = "length"
        completion_id = f"chatcmpl-sim{sim.config.seed:04d}{sim.next_id():08d}"
        created = int(time.time())
        usage: dict[str, Any] = {
            "prompt_tokens": params.prompt_tokens,
            "completion_tokens": len(tokens),
            "total_tokens": params.prompt_tokens + len(tokens),
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
        calls = (
            _tool_calls(body, params, sim)
            if fault is not None and fault.kind == "tool_calls"
            else None
        )
        if calls is not None:
            tokens, finish = [], "tool_calls"
            usage["completion_tokens"] = count_tokens(json.dumps(calls))
            usage["total_tokens"] = params.prompt_tokens + usage["completion_tokens"]
        if not params.stream or (fault is not None and fault.kind == "ignore_stream"):
            if fault is not None and fault.kind == "stall":
                await asyncio.sleep(fault.seconds)
            message: dict[str, Any] = {
                "role": "assistant",
                "content": None if calls else "".join(tokens),
                "refusal": None,
                "annotations": [],
            }
            if calls:
                message["tool_calls"] = calls
            return JSONResponse(
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": params.model,
                    "choices": [
                        {
                            "index": 0,
                            "message": message,
                            "logprobs": None,
                            "finish_reason": finish,
                        }
                    ],
                    "usage": usage,
                    "service_tier": "default",
                    "system_fingerprint": "fp_loomsim",
                },
                headers=headers,
            )
        events = stream_events(
            completion_id=completion_id,
            created=created,
            model=params.model,
            tokens=tokens,
            finish=finish,
            usage=usage if params.include_usage else None,
            include_usage=params.include_usage,
            fault=fault,
            tokens_per_second=sim.config.tokens_per_second,
            tool_calls=calls,
        )
        return StreamingResponse(
            events,
            media_type="text/event-stream",
            headers={**headers, "cache-control": "no-cache"},
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(
            404,
            f"Invalid URL ({request.method} {request.url.path})",
            code="unknown_url",
        )

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return error_response(
            405,
            f"Method {request.method} is not allowed for {request.url.path}",
            code="method_not_allowed",
        )

    routes = [
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/v1/models/{model:path}", retrieve_model, methods=["GET"]),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
    ]
    # Where the `redirect` fault points: the same API under another path.
    moved = [Route(MOVED + r.path, r.endpoint, methods=r.methods) for r in routes]
    app = Starlette(exception_handlers={404: not_found, 405: not_allowed}, routes=routes + moved)
    app.state.sim = sim
    return app


@dataclass(slots=True)
class ChatParams:
    """The parts of a chat request the simulator uses."""

    model: str
    last_user_text: str
    prompt_tokens: int
    stream: bool
    include_usage: bool
    max_tokens: int | None
    stop: list[str]
    continue_from: str | None = None
    """The text of a reply cut at the token limit that the request asks to continue."""


def _number(body: dict[str, Any], name: str, low: float, high: float) -> None:
    value = body.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(f"Invalid type for '{name}': expected a number.", name)
    if not low <= value <= high:
        raise InvalidRequest(
            f"Invalid '{name}': {value} is out of range; it must be between {low:g} and {high:g}.",
            name,
        )


def _text_of(content: Any, where: str) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    if isinstance(content, list):
        texts = []
        for i, part in enumerate(content):
            if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                raise InvalidRequest(
                    f"Invalid '{where}[{i}]': each content part must be an object with a type.",
                    f"{where}[{i}]",
                )
            if part["type"] == "text":
                text = part.get("text")
                if not isinstance(text, str):
                    raise InvalidRequest(
                        f"Missing required parameter: '{where}[{i}].text'.", f"{where}[{i}].text"
                    )
                texts.append(text)
        return "\n".join(texts)
    raise InvalidRequest(
        f"Invalid type for '{where}': expected a string or an array of content parts.", where
    )


def parse_chat_request(body: Any) -> ChatParams:
    """Check a chat request body as the API does, naming the first wrong parameter."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.", None)
    model = body.get("model")
    if model is None:
        raise InvalidRequest("Missing required parameter: 'model'.", "model")
    if not isinstance(model, str):
        raise InvalidRequest("Invalid type for 'model': expected a string.", "model")
    messages = body.get("messages")
    if messages is None:
        raise InvalidRequest("Missing required parameter: 'messages'.", "messages")
    if not isinstance(messages, list):
        raise InvalidRequest("Invalid type for 'messages': expected an array.", "messages")
    if not messages:
        raise InvalidRequest(
            "Invalid 'messages': empty array. Expected an array with minimum length 1.",
            "messages",
        )
    last_user = ""
    prompt_tokens = 3
    texts: list[tuple[str, str]] = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            raise InvalidRequest(f"Invalid type for '{where}': expected an object.", where)
        role = message.get("role")
        if role not in ROLES:
            raise InvalidRequest(
                f"Invalid value for '{where}.role': expected one of {', '.join(ROLES)}.",
                f"{where}.role",
            )
        text = _text_of(message.get("content"), f"{where}.content")
        prompt_tokens += 4 + count_tokens(text)
        texts.append((role, text))
        if role == "user":
            last_user = text
    continue_from = None
    if (
        len(texts) >= 3
        and texts[-1] == ("user", CONTINUE_INSTRUCTION)
        and texts[-2][0] == "assistant"
    ):
        # Loom's "continue": the reply to the user message before the cut one goes on.
        continue_from = texts[-2][1]
        last_user = next((t for r, t in reversed(texts[:-2]) if r == "user"), "")
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise InvalidRequest("Invalid type for 'stream': expected a boolean.", "stream")
    options = body.get("stream_options")
    include_usage = False
    if options is not None:
        if not isinstance(options, dict):
            raise InvalidRequest(
                "Invalid type for 'stream_options': expected an object.", "stream_options"
            )
        include_usage = options.get("include_usage") is True
    max_tokens: int | None = None
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidRequest(f"Invalid type for '{name}': expected an integer.", name)
        if value < 1:
            raise InvalidRequest(
                f"Invalid '{name}': integer below minimum value. Expected a value >= 1, but "
                f"got {value} instead.",
                name,
            )
        max_tokens = value if max_tokens is None else min(max_tokens, value)
    _number(body, "temperature", 0, 2)
    _number(body, "top_p", 0, 1)
    _number(body, "presence_penalty", -2, 2)
    _number(body, "frequency_penalty", -2, 2)
    stop_value = body.get("stop")
    stop: list[str] = []
    if isinstance(stop_value, str):
        stop = [stop_value]
    elif isinstance(stop_value, list) and all(isinstance(s, str) for s in stop_value):
        stop = list(stop_value)
    elif stop_value is not None:
        raise InvalidRequest(
            "Invalid type for 'stop': expected a string or an array of strings.", "stop"
        )
    return ChatParams(
        model=model,
        last_user_text=last_user,
        prompt_tokens=prompt_tokens,
        stream=bool(stream),
        include_usage=include_usage,
        max_tokens=max_tokens,
        stop=[s for s in stop if s],
        continue_from=continue_from,
    )


def _tool_calls(body: Any, params: ChatParams, sim: SimState) -> list[dict[str, Any]]:
    """The `tool_calls` fault's reply: a call of the request's first tool (or a made-up
    one), with arguments made from the last user message."""
    name = "get_weather"
    tools = body.get("tools") if isinstance(body, dict) else None
    if isinstance(tools, list) and tools and isinstance(tools[0], dict):
        function = tools[0].get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            name = function["name"]
    arguments = json.dumps({"query": params.last_user_text[:60], "units": "metric"})
    return [
        {
            "id": f"call_sim{sim.config.seed:04d}{sim.next_id():08d}",
            "type": "function",
            "function": {"name": name, "arguments": arguments},
        }
    ]


def _after(tokens: list[str], sent: str | None) -> list[str]:
    """The tokens after those already `sent` (a continued reply); all if they differ."""
    if not sent:
        return tokens
    length = 0
    for index, token in enumerate(tokens):
        if length == len(sent):
            return tokens[index:] if "".join(tokens[:index]) == sent else tokens
        length += len(token)
    return [] if length == len(sent) else tokens


def _first_stop(text: str, stops: list[str]) -> int | None:
    found = [i for i in (text.find(s) for s in stops) if i >= 0]
    return min(found) if found else None


def _int_header(request: Request, name: str) -> int | None:
    value = request.headers.get(name)
    if value is None:
        return None
    try:
        return max(0, int(value))
    except ValueError:
        return None


async def stream_events(
    *,
    completion_id: str,
    created: int,
    model: str,
    tokens: list[str],
    finish: str,
    usage: dict[str, Any] | None,
    include_usage: bool,
    fault: Fault | None,
    tokens_per_second: float,
    tool_calls: list[dict[str, Any]] | None = None,
) -> AsyncIterator[bytes]:
    """The SSE body of a streamed completion, paced and with any stream fault applied."""
    head = (
        '{"id":"%s","object":"chat.completion.chunk","created":%d,"model":%s,'
        '"service_tier":"default","system_fingerprint":"fp_loomsim","choices":'
        % (completion_id, created, json.dumps(model))
    )
    tail = ',"usage":null}\n\n' if include_usage else "}\n\n"

    def event(choices: str) -> bytes:
        return ("data: " + head + choices + tail).encode()

    def delta(content: str) -> bytes:
        return event(
            '[{"index":0,"delta":{"content":%s},"logprobs":null,"finish_reason":null}]'
            % json.dumps(content, ensure_ascii=False)
        )

    yield event(
        '[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},'
        '"logprobs":null,"finish_reason":null}]'
    )
    interval = 1.0 / tokens_per_second if tokens_per_second > 0 else 0.0
    start = time.monotonic()
    for i, token in enumerate(tokens):
        if fault is not None and i == fault.after_chunks:
            if fault.kind == "cut":
                raise SimulatedCut(f"simulated cut after {i} chunks")
            if fault.kind == "malformed":
                yield b'data: {"id": "broken", "choices": [{"delta": {"content": \n\n'
                return
            if fault.kind == "stall":
                await asyncio.sleep(fault.seconds)
                start = time.monotonic() - i * interval
        if interval:
            ahead = start + i * interval - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
        elif i % 64 == 63:
            await asyncio.sleep(0)
        yield delta(token)
    for call in tool_calls or []:
        # The call's id and name first, then its arguments a few characters at a time.
        start_call = {**call, "index": 0, "function": {**call["function"], "arguments": ""}}
        yield event(_tool_delta(start_call))
        arguments = call["function"]["arguments"]
        for at in range(0, len(arguments), 8):
            piece = {"index": 0, "function": {"arguments": arguments[at : at + 8]}}
            yield event(_tool_delta(piece))
    if fault is not None and fault.kind == "cut" and fault.after_chunks >= len(tokens):
        raise SimulatedCut("simulated cut before the end")
    yield event('[{"index":0,"delta":{},"logprobs":null,"finish_reason":"%s"}]' % finish)
    if usage is not None:
        yield ("data: " + head + "[]," + '"usage":' + json.dumps(usage) + "}\n\n").encode()
    if fault is not None and fault.kind == "no_done":
        await asyncio.sleep(3600)  # finished, but the connection stays open
    yield b"data: [DONE]\n\n"


def _tool_delta(call: dict[str, Any]) -> str:
    return '[{"index":0,"delta":{"tool_calls":[%s]},"logprobs":null,"finish_reason":null}]' % (
        json.dumps(call)
    )
