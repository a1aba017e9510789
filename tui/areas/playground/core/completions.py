"""Legacy completions: the parameters the spec lists, read from what was typed (a bad
value names the field, the range and what was typed), and the choices as they stream in —
each token with its probability and the alternatives the model weighed."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.areas.playground.api.schemas import Completion


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: str  # "int", "float", "stop", "bool", "text", "object"
    help: str
    low: float | None = None
    high: float | None = None


PARAMS: tuple[Param, ...] = (
    Param("max_tokens", "int", "longest completion, 0 or more (16 if empty)", 0),
    Param("temperature", "float", "randomness, 0 to 2", 0, 2),
    Param("top_p", "float", "nucleus sampling, 0 to 1", 0, 1),
    Param("n", "int", "completions per prompt, 1 to 128", 1, 128),
    Param("best_of", "int", "made server-side, the best n returned, 0 to 20", 0, 20),
    Param("logprobs", "int", "alternatives per token, 0 to 5", 0, 5),
    Param("echo", "bool", "yes: the prompt comes back too", None, None),
    Param("stop", "stop", "up to 4 sequences, separated by |"),
    Param("suffix", "text", "text after the completion (insert mode)"),
    Param("presence_penalty", "float", "-2 to 2", -2, 2),
    Param("frequency_penalty", "float", "-2 to 2", -2, 2),
    Param("logit_bias", "object", 'JSON: {"50256": -100}'),
    Param("seed", "int", "an integer, for repeatable samples"),
    Param("user", "text", "your end user's id"),
)
"""Every parameter of CreateCompletionRequest but model, prompt and stream."""
BY_NAME = {p.name: p for p in PARAMS}


class ParamError(ValueError):
    """A value that does not fit; the words say which and why."""


def parse(name: str, text: str) -> Any:
    """The JSON value of what was typed for `name` (None when empty)."""
    param = BY_NAME[name]
    text = text.strip()
    if not text:
        return None
    if param.kind in ("int", "float"):
        try:
            value: Any = int(text) if param.kind == "int" else float(text)
        except ValueError:
            kind = "a whole number" if param.kind == "int" else "a number"
            raise ParamError(f"{name}: {text!r} is not {kind} ({param.help})") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ParamError(f"{name}: {text!r} is not a finite number")
        if (param.low is not None and value < param.low) or (
            param.high is not None and value > param.high
        ):
            raise ParamError(f"{name}: {text} is out of range ({param.help})")
        return value
    if param.kind == "bool":
        if text.lower() in ("yes", "y", "true", "1", "on"):
            return True
        if text.lower() in ("no", "n", "false", "0", "off"):
            return False
        raise ParamError(f"{name}: {text!r} is not yes or no")
    if param.kind == "stop":
        parts = [part for part in text.split("|") if part]
        if len(parts) > 4:
            raise ParamError(f"stop: at most 4 sequences, got {len(parts)}")
        return parts
    if param.kind == "object":
        try:
            value = json.loads(text)
        except ValueError:
            raise ParamError(f"{name}: not JSON ({param.help})") from None
        if not isinstance(value, dict):
            raise ParamError(f"{name}: a JSON object of token id to bias ({param.help})")
        return value
    return text


def parse_all(texts: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The parameters set, and a message per field that does not fit."""
    found: dict[str, Any] = {}
    problems = []
    for name, text in texts.items():
        try:
            value = parse(name, text)
        except ParamError as error:
            problems.append(str(error))
            continue
        if value is not None:
            found[name] = value
    n, best = found.get("n", 1), found.get("best_of")
    if best is not None and best < n:
        problems.append(f"best_of: {best} is below n ({n}); it must be at least n")
    return found, problems


@dataclass(slots=True)
class Token:
    """One token of a choice and what the model thought of it."""

    text: str
    logprob: float | None
    alternatives: dict[str, float] = field(default_factory=dict)

    @property
    def probability(self) -> float | None:
        return None if self.logprob is None else math.exp(self.logprob)


@dataclass(slots=True)
class Choice:
    """One completion as it grows."""

    index: int
    parts: list[str] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    finish_reason: str | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)


class Choices:
    """Every choice of a completion, filled chunk by chunk (or from one whole reply)."""

    def __init__(self) -> None:
        self.by_index: dict[int, Choice] = {}
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None
        self.model = ""

    def take(self, chunk: Completion) -> None:
        """Fold a chunk (or a whole completion) in."""
        self.model = chunk.model or self.model
        for part in chunk.choices:
            choice = self.by_index.setdefault(part.index, Choice(part.index))
            choice.parts.append(part.text)
            logprobs = part.logprobs
            if logprobs is not None and logprobs.tokens:
                tops = list(logprobs.top_logprobs) + [None] * len(logprobs.tokens)
                values = list(logprobs.token_logprobs) + [None] * len(logprobs.tokens)
                for n, token in enumerate(logprobs.tokens):
                    choice.tokens.append(Token(token, values[n], dict(tops[n] or {})))
            if part.finish_reason:
                choice.finish_reason = part.finish_reason
        if chunk.usage is not None:
            self.prompt_tokens = int(chunk.usage.prompt_tokens)
            self.completion_tokens = int(chunk.usage.completion_tokens)

    def ordered(self) -> list[Choice]:
        return [self.by_index[i] for i in sorted(self.by_index)]


def shade(probability: float | None) -> str:
    """A word for how sure the model was of a token: sure, likely, unsure, doubtful."""
    if probability is None:
        return "prompt"
    if probability >= 0.75:
        return "sure"
    if probability >= 0.4:
        return "likely"
    if probability >= 0.15:
        return "unsure"
    return "doubtful"
