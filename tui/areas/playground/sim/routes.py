"""The simulator's `POST /v1/embeddings`, `POST /v1/moderations` and `POST /v1/completions`
(streamed or not), checked as the API checks them, answered by `engines`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tui.areas.playground.sim import engines
from tui.areas.playground.sim.audio import audio_routes
from tui.areas.playground.sim.images import image_routes
from tui.sim.gate import Gate
from tui.sim.models import model_not_found
from tui.sim.reply import count_tokens
from tui.sim.state import InvalidRequest, SimState, SimulatedCut, error_response

MAX_INPUTS = 2048
"""Inputs one embeddings request takes."""
MAX_INPUT_TOKENS = 8192
"""Tokens of one input to embed."""
MAX_REQUEST_TOKENS = 300_000
"""Tokens of all the inputs of one embeddings request."""
COMPLETION_MODELS = ("gpt-3.5-turbo-instruct", "davinci-002")
"""The models the legacy completions endpoint serves."""
MODERATION_MODELS = ("omni-moderation-latest", "omni-moderation-2024-09-26")
MAX_LOGPROBS = 5
CONTEXT = 4096
"""The completion models' context, in tokens."""


def _texts(value: Any, name: str = "input") -> list[str]:
    """A string, an array of strings, an array of token ids or of arrays of them, as texts."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value:
        if all(isinstance(v, str) for v in value):
            return list(value)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return [" ".join(str(v) for v in value)]
        if all(isinstance(v, list) and v and all(isinstance(t, int) for t in v) for v in value):
            return [" ".join(str(t) for t in v) for v in value]
    raise InvalidRequest(
        f"Invalid type for '{name}': expected a string, an array of strings, or token ids.", name
    )


def parse_embeddings(body: dict[str, Any]) -> tuple[str, list[str], int | None, str]:
    """(model, texts, dimensions, encoding format) of a request; InvalidRequest else."""
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("Missing required parameter: 'model'.", "model")
    if "input" not in body:
        raise InvalidRequest("Missing required parameter: 'input'.", "input")
    texts = _texts(body["input"])
    if len(texts) > MAX_INPUTS:
        raise InvalidRequest(
            f"Invalid 'input': at most {MAX_INPUTS} inputs, got {len(texts)}.", "input"
        )
    for n, text in enumerate(texts):
        if not text:
            raise InvalidRequest(f"Invalid 'input[{n}]': an input cannot be empty.", "input")
        tokens = count_tokens(text)
        if tokens > MAX_INPUT_TOKENS:
            raise InvalidRequest(
                f"This model's maximum context length is {MAX_INPUT_TOKENS} tokens, however "
                f"input[{n}] has {tokens} tokens. Please reduce the length of the input.",
                "input",
            )
    total = sum(count_tokens(t) for t in texts)
    if total > MAX_REQUEST_TOKENS:
        raise InvalidRequest(
            f"Requested {total} tokens, max {MAX_REQUEST_TOKENS} tokens per request.", "input"
        )
    dimensions = body.get("dimensions")
    if dimensions is not None and (
        not isinstance(dimensions, int) or isinstance(dimensions, bool) or dimensions < 1
    ):
        raise InvalidRequest(
            "Invalid 'dimensions': expected an integer of 1 or more.", "dimensions"
        )
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise InvalidRequest(
            f"Invalid 'encoding_format': {encoding!r} is not one of 'float', 'base64'.",
            "encoding_format",
        )
    user = body.get("user")
    if user is not None and not isinstance(user, str):
        raise InvalidRequest("Invalid type for 'user': expected a string.", "user")
    return model, texts, dimensions, str(encoding)


def parse_moderation(body: dict[str, Any]) -> tuple[str, list[tuple[list[str], list[str]]]]:
    """(model, each input as its texts and image URLs); InvalidRequest else."""
    model = body.get("model", "omni-moderation-latest")
    if not isinstance(model, str):
        raise InvalidRequest("Invalid type for 'model': expected a string.", "model")
    if "input" not in body:
        raise InvalidRequest("Missing required parameter: 'input'.", "input")
    value = body["input"]
    if isinstance(value, str):
        return model, [([value], [])]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return model, [([v], []) for v in value]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        texts: list[str] = []
        images: list[str] = []
        for n, part in enumerate(value):
            if part.get("type") == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif part.get("type") == "image_url" and isinstance(part.get("image_url"), dict):
                url = part["image_url"].get("url")
                if not isinstance(url, str) or not url:
                    raise InvalidRequest(f"Invalid 'input[{n}].image_url.url'.", "input")
                images.append(url)
            else:
                raise InvalidRequest(
                    f"Invalid 'input[{n}]': expected a text or an image_url part.", "input"
                )
        return model, [(texts, images)]
    raise InvalidRequest(
        "Invalid type for 'input': expected a string, an array of strings, or an array of "
        "text and image_url parts.",
        "input",
    )


def _number(body: dict[str, Any], name: str, low: float, high: float, default: float) -> float:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidRequest(f"Invalid '{name}': expected a number from {low:g} to {high:g}.", name)
    return float(value)


def _whole(body: dict[str, Any], name: str, low: int, high: int, default: int) -> int:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidRequest(f"Invalid '{name}': expected an integer from {low} to {high}.", name)
    return value


class CompletionRequest:
    """A legacy completions request, checked."""

    def __init__(self, body: dict[str, Any]) -> None:
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise InvalidRequest("Missing required parameter: 'model'.", "model")
        self.model = model
        if "prompt" not in body:
            raise InvalidRequest("Missing required parameter: 'prompt'.", "prompt")
        prompt = body["prompt"]
        self.prompts = [""] if prompt is None else _texts(prompt, "prompt")
        self.max_tokens = _whole(body, "max_tokens", 0, CONTEXT, 16)
        self.temperature = _number(body, "temperature", 0, 2, 1)
        _number(body, "top_p", 0, 1, 1)
        _number(body, "presence_penalty", -2, 2, 0)
        _number(body, "frequency_penalty", -2, 2, 0)
        self.n = _whole(body, "n", 1, 128, 1)
        self.best_of = _whole(body, "best_of", 0, 20, 1)
        if self.best_of < self.n and "best_of" in body and body["best_of"] is not None:
            raise InvalidRequest("Invalid 'best_of': it must be at least 'n'.", "best_of")
        self.stream = bool(body.get("stream") or False)
        if self.stream and body.get("best_of") not in (None, 1):
            raise InvalidRequest("Invalid 'best_of': it cannot be used with 'stream'.", "best_of")
        options = body.get("stream_options") or {}
        self.include_usage = bool(isinstance(options, dict) and options.get("include_usage"))
        logprobs = body.get("logprobs")
        self.logprobs = None if logprobs is None else _whole(body, "logprobs", 0, MAX_LOGPROBS, 0)
        self.echo = bool(body.get("echo") or False)
        stop = body.get("stop")
        if stop is None:
            self.stop: list[str] = []
        elif isinstance(stop, str):
            self.stop = [stop]
        elif isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop):
            self.stop = list(stop)
        else:
            raise InvalidRequest("Invalid 'stop': a string or up to 4 strings.", "stop")
        suffix = body.get("suffix")
        if suffix is not None and not isinstance(suffix, str):
            raise InvalidRequest("Invalid type for 'suffix': expected a string.", "suffix")
        self.suffix = suffix or ""
        bias = body.get("logit_bias")
        if bias is not None and not isinstance(bias, dict):
            raise InvalidRequest("Invalid type for 'logit_bias': expected an object.", "logit_bias")
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise InvalidRequest("Invalid type for 'seed': expected an integer.", "seed")
        self.seed = seed
        self.prompt_tokens = sum(count_tokens(p) + count_tokens(self.suffix) for p in self.prompts)
        if self.prompt_tokens + self.max_tokens > CONTEXT:
            raise InvalidRequest(
                f"This model's maximum context length is {CONTEXT} tokens, however you "
                f"requested {self.prompt_tokens + self.max_tokens} tokens "
                f"({self.prompt_tokens} in your prompt; {self.max_tokens} for the completion). "
                "Please reduce your prompt; or completion length.",
                "prompt",
            )


def _logprobs_object(
    request: CompletionRequest, prompt: str, made: engines.Continuation, seed: int, echo: bool
) -> dict[str, Any]:
    top = request.logprobs or 0
    tokens: list[str] = []
    values: list[float | None] = []
    tops: list[dict[str, float] | None] = []
    if echo:
        tokens, values, tops = engines.prompt_logprobs(prompt, top, seed)
    tokens = tokens + made.tokens
    values = values + list(made.logprobs)
    tops = tops + [dict(alts) for alts in made.alternatives]
    offsets = []
    at = 0 if echo else len(prompt)
    for token in tokens:
        offsets.append(at)
        at += len(token)
    return {
        "tokens": tokens,
        "token_logprobs": values,
        "top_logprobs": tops,
        "text_offset": offsets,
    }


def playground_routes(sim: SimState, gate: Gate) -> list[Route]:
    """The three one-shot text endpoints."""

    async def opened(
        request: Request, route: str, parse: Callable[[dict[str, Any]], Any]
    ) -> tuple[dict[str, str], Any, Any, Response | None]:
        """The gate, the JSON body and its check, shared by the three routes: (headers, the
        fault, what `parse` made of the body, or the answer to give at once)."""
        headers, fault, body, early = await gate.json_prelude(request, route)
        if early is not None:
            return headers, fault, None, early
        assert body is not None  # (json_prelude answers when there is none)
        try:
            return headers, fault, parse(body), None
        except InvalidRequest as exc:
            refused = error_response(400, exc.message, param=exc.param, headers=headers)
            return headers, fault, None, refused

    def wrong_model(model: str, endpoint: str, headers: dict[str, str]) -> Response:
        return error_response(
            400,
            f"The model `{model}` does not support the {endpoint} endpoint.",
            param="model",
            code="model_not_supported",
            headers=headers,
        )

    async def embeddings(request: Request) -> Response:
        headers, _, parsed, early = await opened(request, "embeddings", parse_embeddings)
        if early is not None:
            return early
        model, texts, dimensions, encoding = parsed
        if not sim.has_model(model):
            return model_not_found(model, headers)
        size = engines.EMBEDDING_SIZES.get(model)
        if size is None:
            return wrong_model(model, "embeddings", headers)
        if dimensions is not None and (model.endswith("ada-002") or dimensions > size):
            return error_response(
                400,
                f"Invalid 'dimensions': {model} gives at most {size}"
                + (" and cannot shorten them." if model.endswith("ada-002") else "."),
                param="dimensions",
                headers=headers,
            )
        data = []
        for index, text in enumerate(texts):
            vector = engines.embed(text, dimensions or size)
            shown: Any = engines.as_base64(vector) if encoding == "base64" else vector
            data.append({"object": "embedding", "index": index, "embedding": shown})
        tokens = sum(count_tokens(t) for t in texts)
        sim.spend(tokens, request=False)
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
            headers=headers,
        )

    async def moderations(request: Request) -> Response:
        headers, _, parsed, early = await opened(request, "moderations", parse_moderation)
        if early is not None:
            return early
        model, inputs = parsed
        if model not in MODERATION_MODELS and not sim.has_model(model):
            return model_not_found(model, headers)
        if model not in MODERATION_MODELS:
            return wrong_model(model, "moderations", headers)
        results = [engines.moderation_result(texts, images) for texts, images in inputs]
        return JSONResponse(
            {"id": f"modr-sim{sim.next_id():08d}", "model": model, "results": results},
            headers=headers,
        )

    async def completions(request: Request) -> Response:
        headers, fault, asked, early = await opened(request, "completions", CompletionRequest)
        if early is not None:
            return early
        if not sim.has_model(asked.model):
            return model_not_found(asked.model, headers)
        if asked.model not in COMPLETION_MODELS:
            return wrong_model(asked.model, "completions (legacy)", headers)
        seed = sim.config.seed if asked.seed is None else asked.seed
        top = asked.logprobs or 0
        made = [
            (prompt, engines.continue_prompt(
                prompt, seed=seed, index=n, max_tokens=asked.max_tokens, top=top,
                stop=asked.stop, temperature=asked.temperature,
            ))
            for prompt in asked.prompts
            for n in range(asked.n)
        ]  # fmt: skip
        written = sum(len(m.tokens) for _, m in made)
        usage = {
            "prompt_tokens": asked.prompt_tokens,
            "completion_tokens": written,
            "total_tokens": asked.prompt_tokens + written,
        }
        sim.spend(asked.prompt_tokens + written, request=False)
        completion_id = f"cmpl-sim{sim.next_id():08d}"
        created = int(time.time())
        head = {"id": completion_id, "object": "text_completion", "created": created}
        head |= {"model": asked.model, "system_fingerprint": "fp_loomsim"}
        if not asked.stream:
            choices = []
            for index, (prompt, one) in enumerate(made):
                text = (prompt if asked.echo else "") + "".join(one.tokens)
                logprobs = (
                    _logprobs_object(asked, prompt, one, seed, asked.echo)
                    if asked.logprobs is not None
                    else None
                )
                choices.append(
                    {
                        "text": text,
                        "index": index,
                        "logprobs": logprobs,
                        "finish_reason": one.finish,
                    }
                )
            return JSONResponse({**head, "choices": choices, "usage": usage}, headers=headers)
        return StreamingResponse(
            _stream(asked, made, head, usage, seed, sim.config.tokens_per_second, fault),
            media_type="text/event-stream",
            headers=headers,
        )

    return [
        Route("/v1/embeddings", embeddings, methods=["POST"]),
        Route("/v1/moderations", moderations, methods=["POST"]),
        Route("/v1/completions", completions, methods=["POST"]),
        *image_routes(sim, gate),
        *audio_routes(sim, gate),
    ]


async def _stream(
    asked: CompletionRequest,
    made: list[tuple[str, engines.Continuation]],
    head: dict[str, Any],
    usage: dict[str, Any],
    seed: int,
    tokens_per_second: float,
    fault: Any,
) -> AsyncIterator[bytes]:
    """The events of a streamed completion: each choice's tokens interleaved, a chunk per
    token (with its log probabilities when asked), then each choice's finish, the usage
    when asked, and `[DONE]`."""

    def event(choices: list[dict[str, Any]], **more: Any) -> bytes:
        return b"data: " + json.dumps({**head, "choices": choices, **more}).encode() + b"\n\n"

    interval = 1.0 / tokens_per_second if tokens_per_second > 0 else 0.0
    start = time.monotonic()
    if asked.echo:
        for index, (prompt, _) in enumerate(made):
            logprobs = None
            if asked.logprobs is not None:
                tokens, values, tops = engines.prompt_logprobs(prompt, asked.logprobs, seed)
                offsets = [sum(len(t) for t in tokens[:k]) for k in range(len(tokens))]
                logprobs = {
                    "tokens": tokens,
                    "token_logprobs": values,
                    "top_logprobs": tops,
                    "text_offset": offsets,
                }
            yield event(
                [{"text": prompt, "index": index, "logprobs": logprobs, "finish_reason": None}]
            )
    longest = max((len(m.tokens) for _, m in made), default=0)
    for i in range(longest):
        if fault is not None and fault.kind == "cut" and i == fault.after_chunks:
            raise SimulatedCut(f"simulated cut after {i} tokens")
        if interval:
            ahead = start + i * interval - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
        elif i % 64 == 63:
            await asyncio.sleep(0)
        for index, (prompt, one) in enumerate(made):
            if i >= len(one.tokens):
                continue
            logprobs = None
            if asked.logprobs is not None:
                offset = len(prompt) + sum(len(t) for t in one.tokens[:i])
                logprobs = {
                    "tokens": [one.tokens[i]],
                    "token_logprobs": [one.logprobs[i]],
                    "top_logprobs": [one.alternatives[i]],
                    "text_offset": [offset],
                }
            yield event(
                [
                    {
                        "text": one.tokens[i],
                        "index": index,
                        "logprobs": logprobs,
                        "finish_reason": None,
                    }
                ]
            )
    for index, (_, one) in enumerate(made):
        yield event([{"text": "", "index": index, "logprobs": None, "finish_reason": one.finish}])
    if asked.include_usage:
        yield event([], usage=usage)
    yield b"data: [DONE]\n\n"
