"""What a chat request may ask of the reply beyond its text, as the API honours it: `n`
choices, a `response_format` (a JSON object, or one that fits a JSON schema — which the
SDKs' `parse()` reads back into a model), `logprobs` with `top_logprobs`, and a
`tool_choice` that requires a call. Deterministic for a seed, like every reply."""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from typing import Any

from tui.sim.state import InvalidRequest

MOST_CHOICES = 128
MOST_TOP_LOGPROBS = 20


@dataclass(slots=True)
class ReplyShape:
    """The options of one request that shape its reply."""

    n: int = 1
    response_format: str = "text"
    """`text`, `json_object` or `json_schema`."""
    schema: dict[str, Any] | None = None
    logprobs: bool = False
    top_logprobs: int = 0
    tool: str | None = None
    """The function a call is required of (`tool_choice` "required" or by name)."""


def parse_shape(body: dict[str, Any]) -> ReplyShape:
    """Check and read `n`, `response_format`, `logprobs`, `top_logprobs` and `tool_choice`
    as the API does (InvalidRequest names the parameter)."""
    shape = ReplyShape()
    n = body.get("n")
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MOST_CHOICES:
            raise InvalidRequest(f"Invalid 'n': expected an integer from 1 to {MOST_CHOICES}.", "n")
        shape.n = n
    fmt = body.get("response_format")
    if fmt is not None:
        kind = fmt.get("type") if isinstance(fmt, dict) else None
        if kind not in ("text", "json_object", "json_schema"):
            raise InvalidRequest(
                "Invalid 'response_format.type': expected one of text, json_object, json_schema.",
                "response_format.type",
            )
        shape.response_format = kind
        if kind == "json_schema":
            spec = fmt.get("json_schema")
            if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
                raise InvalidRequest(
                    "Missing required parameter: 'response_format.json_schema.name'.",
                    "response_format.json_schema.name",
                )
            schema = spec.get("schema", {})
            if not isinstance(schema, dict):
                raise InvalidRequest(
                    "Invalid 'response_format.json_schema.schema': expected an object.",
                    "response_format.json_schema.schema",
                )
            shape.schema = schema
    logprobs = body.get("logprobs")
    if logprobs is not None and not isinstance(logprobs, bool):
        raise InvalidRequest("Invalid type for 'logprobs': expected a boolean.", "logprobs")
    shape.logprobs = bool(logprobs)
    top = body.get("top_logprobs")
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= MOST_TOP_LOGPROBS:
            raise InvalidRequest(
                f"Invalid 'top_logprobs': expected an integer from 0 to {MOST_TOP_LOGPROBS}.",
                "top_logprobs",
            )
        if not shape.logprobs:
            raise InvalidRequest(
                "Invalid 'top_logprobs': 'logprobs' must be set to true to use it.", "top_logprobs"
            )
        shape.top_logprobs = top
    shape.tool = _required_tool(body)
    return shape


def _required_tool(body: dict[str, Any]) -> str | None:
    choice = body.get("tool_choice")
    given = body.get("tools")
    if given is not None and not isinstance(given, list):
        raise InvalidRequest("Invalid type for 'tools': expected an array of tools.", "tools")
    tools = [t for t in given or [] if isinstance(t, dict)]
    names = [
        t["function"]["name"]
        for t in tools
        if isinstance(t.get("function"), dict) and isinstance(t["function"].get("name"), str)
    ]
    if choice in (None, "auto", "none"):
        return None
    if choice == "required":
        if not names:
            raise InvalidRequest(
                "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' "
                "are specified.",
                "tool_choice",
            )
        return str(names[0])
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        wanted = choice["function"].get("name")
        if wanted not in names:
            raise InvalidRequest(
                f"Invalid value for 'tool_choice': no function named {wanted!r} in 'tools'.",
                "tool_choice",
            )
        return str(wanted)
    raise InvalidRequest(
        "Invalid value for 'tool_choice': expected none, auto, required or a named function.",
        "tool_choice",
    )


# --- JSON replies -----------------------------------------------------------------------------


def json_reply(shape: ReplyShape, prompt: str, seed: int, index: int) -> str:
    """The content of a JSON reply: an object about the prompt, or an instance of the
    schema asked for."""
    rng = random.Random(f"{seed}\x00{index}\x00{prompt}")
    if shape.response_format == "json_schema":
        return json.dumps(instance(shape.schema or {}, rng, prompt), ensure_ascii=False)
    return json.dumps(
        {"reply": f"You wrote: {prompt[:200]}", "choice": index, "words": len(prompt.split())},
        ensure_ascii=False,
    )


def instance(schema: dict[str, Any], rng: random.Random, prompt: str, depth: int = 0) -> Any:
    """A value that fits `schema` (the JSON Schema subset structured outputs allow: types,
    properties, required, items, enum, const, anyOf, $defs/$ref)."""
    return _Instance(schema, rng, prompt).value(schema, depth)


class _Instance:
    def __init__(self, root: dict[str, Any], rng: random.Random, prompt: str) -> None:
        self.root = root
        self.rng = rng
        self.prompt = prompt

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            node: Any = self.root
            for part in ref[2:].split("/"):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            return node if isinstance(node, dict) else {}
        return schema

    def value(self, schema: Any, depth: int) -> Any:
        if not isinstance(schema, dict) or depth > 12:
            return None
        schema = self._resolve(schema)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return self.rng.choice(schema["enum"])
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                options = [o for o in schema[key] if not _null(o)]
                return self.value((options or schema[key])[0], depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None and "properties" in schema:
            kind = "object"
        if kind == "object":
            properties = schema.get("properties") or {}
            return {
                name: self.value(sub, depth + 1)
                for name, sub in properties.items()
                if isinstance(name, str)
            }
        if kind == "array":
            count = max(1, int(schema.get("minItems") or 1))
            return [self.value(schema.get("items") or {}, depth + 1) for _ in range(min(3, count))]
        if kind == "string":
            words = self.prompt.split()[:6] or ["simulated"]
            return " ".join(words)
        if kind == "integer":
            low = schema.get("minimum", 0)
            return int(low if isinstance(low, int | float) else 0) + self.rng.randint(0, 9)
        if kind == "number":
            low = schema.get("minimum", 0)
            return float(low if isinstance(low, int | float) else 0) + round(self.rng.random(), 3)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "null":
            return None
        return "simulated"


# --- log probabilities ------------------------------------------------------------------------


def token_logprobs(
    tokens: list[str], shape: ReplyShape, seed: int, index: int
) -> list[dict[str, Any]]:
    """`ChatCompletionTokenLogprob` entries for each token: the token's own, and as many
    alternatives as `top_logprobs` asks (the token itself first among them, as the API
    lists the chosen one when it is the likeliest)."""
    rng = random.Random(f"{seed}\x00logprobs\x00{index}")
    out = []
    for token in tokens:
        own = -abs(rng.gauss(0.0, 1.2)) * (0.2 if token.strip() in ".,;" else 1.0)
        top = [_entry(token, own)]
        for n in range(1, shape.top_logprobs):
            other = _alternative(token, n, rng)
            top.append(_entry(other, own - 0.3 - abs(rng.gauss(0.8, 0.6)) * n))
        top.sort(key=lambda e: e["logprob"], reverse=True)
        out.append({**_entry(token, own), "top_logprobs": top[: shape.top_logprobs]})
    return out


def _entry(token: str, logprob: float) -> dict[str, Any]:
    value = round(max(-9999.0, logprob), 6) if math.isfinite(logprob) else -9999.0
    return {"token": token, "logprob": value, "bytes": list(token.encode("utf-8"))}


def _alternative(token: str, n: int, rng: random.Random) -> str:
    stripped = token.strip()
    lead = token[: len(token) - len(token.lstrip())]
    pool = ("the", "a", "token", "stream", "model", "reply", "and", ".", ",", "of")
    pick = pool[(n + rng.randint(0, len(pool) - 1)) % len(pool)]
    return lead + (pick if pick != stripped else pick + "s")


def _null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"
