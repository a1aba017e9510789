"""The simulator's chat completions: JSON and server-sent events, paced, with faults."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tui.areas.chat.sim.options import ReplyShape, json_reply, parse_shape, token_logprobs
from tui.config.conventions import CONTINUE_INSTRUCTION
from tui.sim.faults import Fault
from tui.sim.gate import Gate
from tui.sim.models import model_not_found
from tui.sim.reply import compose_reply, count_tokens, tokenize
from tui.sim.state import (
    NOT_CHAT,
    ROLES,
    InvalidRequest,
    SimState,
    SimulatedCut,
    error_response,
)

REPLY_TOKENS_HEADER = "x-loom-sim-reply-tokens"
"""Request header asking for a reply of at least this many tokens (for benchmarks)."""


def chat_routes(sim: SimState, gate: Gate) -> list[Route]:
    """`POST /v1/chat/completions`."""

    async def chat_completions(request: Request) -> Response:
        headers, fault, early = gate.prelude(request, "chat")
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
        if not sim.has_model(params.model):
            return model_not_found(params.model, headers)
        if params.model in NOT_CHAT:
            return error_response(
                404,
                "This is not a chat model and thus not supported in the v1/chat/completions "
                "endpoint.",
                param="model",
                code="model_not_supported",
                headers=headers,
            )
        wanted = _int_header(request, REPLY_TOKENS_HEADER) or sim.config.reply_tokens
        shape = params.shape
        replies = [_reply(params, sim.config.seed, wanted, index) for index in range(shape.n)]
        completion_id = f"chatcmpl-sim{sim.config.seed:04d}{sim.next_id():08d}"
        created = int(time.time())
        required = shape.tool is not None
        faulted = fault is not None and fault.kind == "tool_calls"
        choices: list[StreamChoice] = []
        for index, (tokens, finish) in enumerate(replies):
            calls = _tool_calls(body, params, sim, shape.tool) if required or faulted else None
            if calls is not None:
                tokens, finish = [], "tool_calls"
            logprobs = (
                token_logprobs(tokens, shape, sim.config.seed, index) if shape.logprobs else None
            )
            choices.append(StreamChoice(tokens, finish, calls, logprobs))
        completion = sum(
            count_tokens(json.dumps(c.tool_calls)) if c.tool_calls else len(c.tokens)
            for c in choices
        )
        sim.spend(params.prompt_tokens + completion, request=False)
        usage: dict[str, Any] = {
            "prompt_tokens": params.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": params.prompt_tokens + completion,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
        if not params.stream or (fault is not None and fault.kind == "ignore_stream"):
            if fault is not None and fault.kind == "stall":
                await asyncio.sleep(fault.seconds)
            return JSONResponse(
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": params.model,
                    "choices": [_whole_choice(index, c) for index, c in enumerate(choices)],
                    "usage": usage,
                    "service_tier": "default",
                    "system_fingerprint": "fp_loomsim",
                },
                headers=headers,
            )
        first = choices[0]
        events = stream_events(
            completion_id=completion_id,
            created=created,
            model=params.model,
            tokens=first.tokens,
            finish=first.finish,
            usage=usage if params.include_usage else None,
            include_usage=params.include_usage,
            fault=fault,
            tokens_per_second=sim.config.tokens_per_second,
            tool_calls=first.tool_calls,
            logprobs=first.logprobs,
            more=choices[1:],
        )
        return StreamingResponse(
            events,
            media_type="text/event-stream",
            headers={**headers, "cache-control": "no-cache"},
        )

    return [Route("/v1/chat/completions", chat_completions, methods=["POST"])]


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
    shape: ReplyShape = field(default_factory=ReplyShape)
    """`n`, the response format, log probabilities, a required tool call."""


def _reply(params: ChatParams, seed: int, wanted: int | None, index: int) -> tuple[list[str], str]:
    """The tokens and finish reason of choice `index` (each choice its own reply)."""
    shape = params.shape
    if shape.response_format != "text":
        reply = json_reply(shape, params.last_user_text, seed, index)
    else:
        reply = compose_reply(params.last_user_text, seed=seed + 7919 * index, min_tokens=wanted)
    tokens = _after(tokenize(reply), params.continue_from)
    finish = "stop"
    if params.stop:
        cut_at = _first_stop(reply, params.stop)
        if cut_at is not None:
            tokens = tokenize(reply[:cut_at])
    if params.max_tokens is not None and len(tokens) > params.max_tokens:
        tokens = tokens[: params.max_tokens]
        finish = "length"
    return tokens, finish


def _whole_choice(index: int, choice: StreamChoice) -> dict[str, Any]:
    """One choice of a completion that is not streamed."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": None if choice.tool_calls else "".join(choice.tokens),
        "refusal": None,
        "annotations": [],
    }
    if choice.tool_calls:
        message["tool_calls"] = choice.tool_calls
    logprobs = None if choice.logprobs is None else {"content": choice.logprobs, "refusal": None}
    finish = choice.finish
    return {"index": index, "message": message, "logprobs": logprobs, "finish_reason": finish}


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
        shape=parse_shape(body),
    )


def _tool_calls(
    body: Any, params: ChatParams, sim: SimState, name: str | None = None
) -> list[dict[str, Any]]:
    """A call of `name` (the tool `tool_choice` requires), else of the request's first tool
    (or a made-up one, for the `tool_calls` fault), with arguments from the last user
    message."""
    tools = body.get("tools") if isinstance(body, dict) else None
    if name is None:
        name = "get_weather"
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


@dataclass(slots=True)
class StreamChoice:
    """One choice of a streamed reply."""

    tokens: list[str]
    finish: str
    tool_calls: list[dict[str, Any]] | None = None
    logprobs: list[dict[str, Any]] | None = None
    """One `ChatCompletionTokenLogprob` per token, when the request asked for them."""


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
    logprobs: list[dict[str, Any]] | None = None,
    more: list[StreamChoice] | None = None,
) -> AsyncIterator[bytes]:
    """The SSE body of a streamed completion, paced and with any stream fault applied;
    with `more` choices (`n` > 1), their tokens interleaved as the API sends them."""
    head = (
        '{"id":"%s","object":"chat.completion.chunk","created":%d,"model":%s,'
        '"service_tier":"default","system_fingerprint":"fp_loomsim","choices":'
        % (completion_id, created, json.dumps(model))
    )
    tail = ',"usage":null}\n\n' if include_usage else "}\n\n"
    choices = [StreamChoice(tokens, finish, tool_calls, logprobs), *(more or [])]

    def event(choices_json: str) -> bytes:
        return ("data: " + head + choices_json + tail).encode()

    def delta(index: int, content: str, logprob: dict[str, Any] | None) -> bytes:
        said = "null" if logprob is None else json.dumps({"content": [logprob], "refusal": None})
        return event(
            '[{"index":%d,"delta":{"content":%s},"logprobs":%s,"finish_reason":null}]'
            % (index, json.dumps(content, ensure_ascii=False), said)
        )

    for index in range(len(choices)):
        yield event(
            '[{"index":%d,"delta":{"role":"assistant","content":"","refusal":null},'
            '"logprobs":null,"finish_reason":null}]' % index
        )
    interval = 1.0 / tokens_per_second if tokens_per_second > 0 else 0.0
    start = time.monotonic()
    longest = max(len(choice.tokens) for choice in choices)
    for i in range(longest):
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
        for index, choice in enumerate(choices):
            if i < len(choice.tokens):
                said = choice.logprobs[i] if choice.logprobs is not None else None
                yield delta(index, choice.tokens[i], said)
    for index, choice in enumerate(choices):
        for call in choice.tool_calls or []:
            # The call's id and name first, then its arguments a few characters at a time.
            start_call = {**call, "index": 0, "function": {**call["function"], "arguments": ""}}
            yield event(_tool_delta(start_call, index))
            arguments = call["function"]["arguments"]
            for at in range(0, len(arguments), 8):
                piece = {"index": 0, "function": {"arguments": arguments[at : at + 8]}}
                yield event(_tool_delta(piece, index))
    if fault is not None and fault.kind == "cut" and fault.after_chunks >= longest:
        raise SimulatedCut("simulated cut before the end")
    for index, choice in enumerate(choices):
        yield event(
            '[{"index":%d,"delta":{},"logprobs":null,"finish_reason":"%s"}]'
            % (index, choice.finish)
        )
    if usage is not None:
        yield ("data: " + head + "[]," + '"usage":' + json.dumps(usage) + "}\n\n").encode()
    if fault is not None and fault.kind == "no_done":
        await asyncio.sleep(3600)  # finished, but the connection stays open
    yield b"data: [DONE]\n\n"


def _tool_delta(call: dict[str, Any], index: int = 0) -> str:
    return '[{"index":%d,"delta":{"tool_calls":[%s]},"logprobs":null,"finish_reason":null}]' % (
        index,
        json.dumps(call),
    )
