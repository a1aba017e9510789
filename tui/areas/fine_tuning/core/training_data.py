"""Checking a fine-tuning file before it is uploaded: every line, against the method it is
for, with the first problems by line number, what it holds and what training may cost.

The formats are those of OpenAI's fine-tuning guide: supervised (chat `messages`, with
optional `tools`, an assistant turn to learn from), DPO (`input`, `preferred_output`,
`non_preferred_output`) and reinforcement (`messages` ending with the user's turn, plus any
reference fields the grader reads). Tokens are counted with `tiktoken` when it is installed
and its encoding can be loaded, else estimated (and said to be an estimate).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.jsonl import objects, regular_size
from tui.core.text import size_words
from tui.core.tokens import token_counter

METHODS = ("supervised", "dpo", "reinforcement")
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
MAX_FILE_BYTES = 8 * 1024**3
"""The largest file the Uploads API takes (8 GB)."""
MIN_EXAMPLES = 10
"""The API refuses fewer examples than this."""
MAX_EXAMPLE_TOKENS = 65_536
"""Longer examples are cut in training (for most base models)."""
SHOWN_PROBLEMS = 20
"""Problems listed by line; the rest are counted."""


@dataclass
class Report:
    """What a check found."""

    path: str
    method: str
    examples: int = 0
    lines: int = 0
    problems: list[str] = field(default_factory=list)
    """The first problems, each naming its line."""
    problem_count: int = 0
    warnings: list[str] = field(default_factory=list)
    tokens: int = 0
    tokens_exact: bool = False
    """Whether tokens were counted (tiktoken) or estimated."""
    longest_tokens: int = 0
    assistant_turns: int = 0
    """Assistant messages the model learns from (supervised)."""
    roles: dict[str, int] = field(default_factory=dict)
    size: int = 0

    @property
    def ok(self) -> bool:
        """Whether the file may be used as it is."""
        return self.problem_count == 0

    def problem(self, line: int, text: str, *, whole_file: bool = False) -> None:
        """Note a problem on `line` (1-based), or of the whole file (always listed)."""
        self.problem_count += 1
        if whole_file:
            self.problems.insert(0, f"the file: {text}")
        elif len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(f"line {line}: {text}")

    def epochs(self, n_epochs: int | str = "auto") -> int:
        """Epochs the training would run: the given number, or what "auto" picks (3,
        raised for small files so that about 100 examples are seen, at most 25)."""
        if isinstance(n_epochs, int):
            return n_epochs
        if self.examples and self.examples * 3 < 100:
            return min(25, math.ceil(100 / self.examples))
        return 3

    def trained_tokens(self, n_epochs: int | str = "auto") -> int:
        """Tokens billed: the file's tokens times the epochs."""
        return self.tokens * self.epochs(n_epochs)

    def summary(self) -> list[str]:
        """The report as lines of text."""
        counted = "" if self.tokens_exact else " (estimated: about 4 characters a token)"
        out = [
            f"{self.path}: {self.method}, {_count(self.examples, 'example')} in "
            f"{_count(self.lines, 'line')}, {size_words(self.size)}",
            f"tokens: {self.tokens:,}{counted}; longest example {self.longest_tokens:,}",
        ]
        if self.roles:
            out.append(
                "messages: " + ", ".join(f"{n:,} {r}" for r, n in sorted(self.roles.items()))
            )
        if self.method == "supervised":
            out.append(f"assistant turns to learn from: {self.assistant_turns:,}")
        out += [f"warning: {w}" for w in self.warnings]
        if self.problem_count:
            out.append(f"{_count(self.problem_count, 'problem')}:")
            out += [f"  {p}" for p in self.problems]
            if self.problem_count > len(self.problems):
                out.append(f"  … and {self.problem_count - len(self.problems):,} more")
        else:
            out.append("no problems found")
        return out


def _count(number: int, thing: str) -> str:
    """`1 example`, `12 examples`."""
    return f"{number:,} {thing}" + ("" if number == 1 else "s")


def _text_of(content: Any) -> str | None:
    """The text of a message's content (a string, or text parts); None if it has a shape
    the API does not take."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                return None
            if part["type"] == "text":
                if not isinstance(part.get("text"), str):
                    return None
                parts.append(part["text"])
        return "\n".join(parts)
    return None


class _Checker:
    def __init__(self, report: Report, count: Callable[[str], int]) -> None:
        self.report = report
        self.count = count

    def messages(self, line: int, messages: Any, where: str, *, learn: bool) -> int | None:
        """Check a list of messages, every one of them (each problem is reported); their
        tokens, or None if any message is unusable."""
        r = self.report
        if not isinstance(messages, list) or not messages:
            r.problem(line, f"{where} should be a non-empty list of messages")
            return None
        tokens = 0
        learned = 0
        usable = True
        for n, message in enumerate(messages, 1):
            if not isinstance(message, dict):
                r.problem(line, f"{where}[{n}] is not an object")
                usable = False
                continue
            role = message.get("role")
            if role not in ROLES:
                r.problem(line, f"{where}[{n}] has role {role!r}; use one of {', '.join(ROLES)}")
                usable = False
                continue
            r.roles[role] = r.roles.get(role, 0) + 1
            text = _text_of(message.get("content"))
            if text is None:
                r.problem(
                    line, f"{where}[{n}] ({role}) has content of a shape the API does not take"
                )
                usable = False
                continue
            calls = message.get("tool_calls") or message.get("function_call")
            if not text.strip() and not calls:
                r.problem(line, f"{where}[{n}] ({role}) is empty")
            if role == "tool" and not message.get("tool_call_id"):
                r.problem(line, f"{where}[{n}] (tool) needs a tool_call_id")
            weight = message.get("weight", 1)
            if "weight" in message and weight not in (0, 1):
                r.problem(line, f"{where}[{n}] has weight {weight!r}; use 0 or 1")
            if role == "assistant" and weight != 0:
                learned += 1
            tokens += self.count(text) + 4
            if calls:
                tokens += self.count(json.dumps(calls))
        if learn:
            r.assistant_turns += learned
            if not learned and usable:
                r.problem(line, "no assistant message to learn from (all weight 0, or none)")
        return tokens if usable else None

    def supervised(self, line: int, example: dict[str, Any]) -> int | None:
        tokens = self.messages(line, example.get("messages"), "messages", learn=True)
        tools = example.get("tools")
        if tools is not None:
            if not isinstance(tools, list):
                self.report.problem(line, "tools should be a list")
            elif tokens is not None:
                tokens += self.count(json.dumps(tools))
        return tokens

    def dpo(self, line: int, example: dict[str, Any]) -> int | None:
        r = self.report
        given = example.get("input")
        if not isinstance(given, dict):
            r.problem(line, "input should be an object with messages")
            return None
        tokens = self.messages(line, given.get("messages"), "input.messages", learn=False)
        if tokens is None:
            return None
        last = given["messages"][-1]
        if isinstance(last, dict) and last.get("role") != "user":
            r.problem(line, "input.messages should end with the user's turn")
        for name in ("preferred_output", "non_preferred_output"):
            output = example.get(name)
            if (
                not isinstance(output, list)
                or len(output) != 1
                or not isinstance(output[0], dict)
                or output[0].get("role") != "assistant"
            ):
                r.problem(line, f"{name} should be a list of one assistant message")
                return None
            more = self.messages(line, output, name, learn=False)
            if more is None:
                return None
            tokens += more
        return tokens

    def reinforcement(self, line: int, example: dict[str, Any]) -> int | None:
        tokens = self.messages(line, example.get("messages"), "messages", learn=False)
        if tokens is None:
            return None
        last = example["messages"][-1]
        if isinstance(last, dict) and last.get("role") != "user":
            self.report.problem(
                line, "messages should end with the user's turn (the model writes the answer)"
            )
        return tokens


def check_file(path: Path, method: str = "supervised") -> Report:
    """Check a JSONL training file for `method` (OSError if it cannot be read, or is not a
    regular file: a pipe or a device such as /dev/zero never ends)."""
    if method not in METHODS:
        raise ValueError(f"method should be one of {', '.join(METHODS)}")
    report = Report(str(path), method, size=regular_size(path))
    if report.size > MAX_FILE_BYTES:
        report.problem(0, f"the file is {size_words(report.size)}; the API takes at most 8 GB")
        return report
    count, report.tokens_exact = token_counter()
    checker = _Checker(report, count)
    check = {"supervised": checker.supervised, "dpo": checker.dpo}.get(
        method, checker.reinforcement
    )
    with path.open("rb") as file:
        for number, _, example, problem in objects(file):
            report.lines = number
            if example is None:
                report.problem(number, problem or "cannot be read")
                continue
            before = report.problem_count
            tokens = check(number, example)
            if tokens is not None and report.problem_count == before:
                report.examples += 1
                report.tokens += tokens
                report.longest_tokens = max(report.longest_tokens, tokens)
                if tokens > MAX_EXAMPLE_TOKENS:
                    report.warnings.append(
                        f"line {number}: about {tokens:,} tokens; examples over "
                        f"{MAX_EXAMPLE_TOKENS:,} are cut in training"
                    )
    if report.examples < MIN_EXAMPLES:
        usable = _count(report.examples, "usable example")
        report.problem(
            report.lines, f"{usable}; the API needs at least {MIN_EXAMPLES}", whole_file=True
        )
    if len(report.warnings) > SHOWN_PROBLEMS:
        extra = len(report.warnings) - SHOWN_PROBLEMS
        report.warnings = [*report.warnings[:SHOWN_PROBLEMS], f"… and {extra} more"]
    return report


def training_cost(report: Report, base: str, n_epochs: int | str = "auto") -> str:
    """What training on `base` would cost, as text ("≈ $1.23 for 410,000 tokens")."""
    from tui.core.pricing import load_prices

    price = load_prices().training_price(base)
    if price is None:
        return "no training price known for this model"
    if price.per_hour is not None:
        return f"billed by training time: ${price.per_hour:,.2f} an hour"
    assert price.per_million is not None
    tokens = report.trained_tokens(n_epochs)
    cost = tokens * price.per_million / 1e6
    estimate = "" if report.tokens_exact else "≈ "
    return (
        f"{estimate}${cost:,.2f} for {tokens:,} trained tokens "
        f"({report.epochs(n_epochs)} epochs at ${price.per_million:g} per million)"
    )
