"""Request parameters a conversation can set, with the ranges of the OpenAI spec
(CreateChatCompletionRequest; tests/test_params.py checks them against the spec file).

Values come in as the text typed in the parameter panel and go out as the request's JSON
fields; a bad value gives a message naming the field, the range and what was typed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter: its JSON name, kind and allowed values."""

    name: str
    kind: str  # "float", "int", "choice", "stop"
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


PARAMS: tuple[Param, ...] = (
    Param("temperature", "float", "randomness, 0 to 2", 0, 2),
    Param("top_p", "float", "nucleus sampling, 0 to 1", 0, 1),
    Param("max_completion_tokens", "int", "longest reply in tokens, 1 or more", 1),
    Param(
        "reasoning_effort",
        "choice",
        "for reasoning models",
        choices=("none", "minimal", "low", "medium", "high", "xhigh", "max"),
    ),
    Param("stop", "stop", "up to 4 sequences, separated by |"),
    Param("seed", "int", "an integer, for repeatable samples"),
    Param("response_format", "choice", "text or json_object", choices=("text", "json_object")),
    Param("presence_penalty", "float", "-2 to 2", -2, 2),
    Param("frequency_penalty", "float", "-2 to 2", -2, 2),
)
BY_NAME = {param.name: param for param in PARAMS}
MAX_STOP = 4


class ParamError(ValueError):
    """A value out of range or of the wrong kind; the message says which and why."""


def parse(name: str, text: str) -> Any:
    """The JSON value for what was typed (None for an empty field)."""
    param = BY_NAME[name]
    text = text.strip()
    if not text:
        return None
    if param.kind == "float":
        try:
            value: Any = float(text)
        except ValueError:
            raise ParamError(f"{name}: {text!r} is not a number ({param.help})") from None
        if not math.isfinite(value):
            raise ParamError(f"{name}: {text!r} is not a finite number ({param.help})")
    elif param.kind == "int":
        try:
            value = int(text)
        except ValueError:
            raise ParamError(f"{name}: {text!r} is not a whole number ({param.help})") from None
    elif param.kind == "choice":
        if text not in param.choices:
            raise ParamError(f"{name}: {text!r} is not one of {', '.join(param.choices)}")
        return {"type": text} if name == "response_format" else text
    else:
        sequences = [part for part in text.split("|") if part]
        if len(sequences) > MAX_STOP:
            raise ParamError(f"stop: at most {MAX_STOP} sequences, got {len(sequences)}")
        return sequences
    if param.low is not None and value < param.low:
        raise ParamError(f"{name}: {text} is below {param.low:g} ({param.help})")
    if param.high is not None and value > param.high:
        raise ParamError(f"{name}: {text} is above {param.high:g} ({param.help})")
    return value


def check(name: str, value: Any) -> str | None:
    """What is wrong with a stored or imported value of a known parameter (None: nothing).

    Values come from JSON here, not from typing: the same ranges as `parse`, and the type
    the API expects. Parameters Loom does not know pass through to the server unchecked,
    except that every number in them must be finite (JSON has no NaN or infinity)."""
    param = BY_NAME.get(name)
    if param is None:
        return None if _finite(value) else f"{name}: holds a number that is not finite"
    if value is None:
        return None
    if param.kind in ("float", "int"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name}: {value!r} is not a number ({param.help})"
        if param.kind == "int" and not isinstance(value, int):
            return f"{name}: {value!r} is not a whole number ({param.help})"
        text = repr(value)
    elif param.kind == "choice":
        if name == "response_format":
            if not isinstance(value, dict) or not isinstance(value.get("type"), str):
                return f'{name}: should be an object like {{"type": "text"}}'
            if value["type"] == "json_schema":
                return None
            text = value["type"]
        elif isinstance(value, str):
            text = value
        else:
            return f"{name}: {value!r} is not one of {', '.join(param.choices)}"
    else:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"{name}: should be a string or a list of up to {MAX_STOP} strings"
        if len(value) > MAX_STOP:
            return f"stop: at most {MAX_STOP} sequences, got {len(value)}"
        return None
    try:
        parse(name, text)
    except ParamError as error:
        return str(error)
    return None


def check_all(params: object) -> list[str]:
    """A message per bad entry of a parameters object (from the store or an import)."""
    if not isinstance(params, dict):
        return ["params: should be an object of request parameters"]
    problems = []
    for name, value in params.items():
        problem = check(str(name), value)
        if problem:
            problems.append(problem)
    return problems


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def show(name: str, value: Any) -> str:
    """The text a stored value is edited as."""
    if value is None:
        return ""
    if name == "response_format" and isinstance(value, dict):
        return str(value.get("type", ""))
    if name == "stop":
        return "|".join(value) if isinstance(value, list) else str(value)
    return str(value)


def parse_all(texts: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Every field at once: the parameters set, and a message per bad field."""
    params: dict[str, Any] = {}
    problems: list[str] = []
    for name, text in texts.items():
        try:
            value = parse(name, text)
        except ParamError as error:
            problems.append(str(error))
            continue
        if value is not None:
            params[name] = value
    return params, problems
