"""Checking a batch's input file before it is uploaded — the same check for `loom batches
validate FILE` and the screen: every line parses, `custom_id` present and unique, `method`
and `url` name one endpoint, the body fits that endpoint's request in the official spec
(its required fields, each field's type and words: `requests.json`, taken from the spec and
kept equal to it by a test), one model throughout, the limits of size and count; and what
it holds — requests, estimated tokens, and what it would cost at the batch price.

The file is read a line at a time (tui/core/jsonl.py): a 200 MB file costs its ids, not
its size, in memory.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.areas.batches.spec import ENDPOINTS, MAX_BYTES, MAX_REQUESTS
from tui.core.jsonl import objects, regular_size
from tui.core.text import size_words
from tui.core.tokens import token_counter

if TYPE_CHECKING:
    from tui.core.pricing import PriceTable

SHOWN_PROBLEMS = 20
"""Problems listed by line; the rest are counted."""
MAX_EMBEDDING_INPUTS = 50_000
"""An embeddings batch takes at most this many inputs across all its requests."""


@functools.cache
def request_facts() -> dict[str, Any]:
    """What the spec says of each endpoint's body (see the module's docstring)."""
    text = resources.files(__package__).joinpath("requests.json").read_text(encoding="utf-8")
    facts: dict[str, Any] = json.loads(text)
    return facts


def json_types(value: Any) -> set[str]:
    """The JSON Schema types a decoded JSON value has."""
    if value is None:
        return {"null"}
    if isinstance(value, bool):
        return {"boolean"}
    if isinstance(value, int):
        return {"integer", "number"}
    if isinstance(value, float):
        return {"number"}
    if isinstance(value, str):
        return {"string"}
    if isinstance(value, list):
        return {"array"}
    return {"object"}


@dataclass
class Report:
    """What a check found."""

    path: str
    size: int = 0
    endpoint: str | None = None
    """The endpoint every line names (the first line's, if they disagree)."""
    model: str | None = None
    requests: int = 0
    """Lines that are usable requests."""
    lines: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    """The most the requests may write (their max_tokens), where they say."""
    open_ended: int = 0
    """Requests that name no limit on what they write."""
    tokens_exact: bool = False
    embedding_inputs: int = 0

    @property
    def ok(self) -> bool:
        """Whether the file may be submitted as it is."""
        return self.problem_count == 0

    def problem(self, line: int | None, text: str) -> None:
        """Note a problem on `line` (or of the whole file, listed first)."""
        self.problem_count += 1
        if line is None:
            self.problems.insert(0, f"the file: {text}")
        elif len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(f"line {line}: {text}")

    def summary(self, cost: str | None = None) -> list[str]:
        """The report as lines of text: what the file holds, its problems, and (last) what
        it would cost."""
        plural = "" if self.requests == 1 else "s"
        head = f"{self.path}: {self.requests:,} request{plural}"
        if self.endpoint:
            head += f" to {self.endpoint}"
        if self.model:
            head += f", model {self.model}"
        out = [head + f" ({size_words(self.size)})"]
        if self.requests:
            estimate = "" if self.tokens_exact else "≈ "
            tokens = f"tokens: {estimate}{self.input_tokens:,} in"
            if self.output_tokens:
                tokens += f", at most {self.output_tokens:,} out"
            if self.open_ended:
                tokens += f" ({self.open_ended:,} without max_tokens)"
            out.append(tokens)
        if self.problem_count:
            plural = "" if self.problem_count == 1 else "s"
            out.append(f"{self.problem_count:,} problem{plural}:")
            out += [f"  {p}" for p in self.problems]
            if self.problem_count > len(self.problems):
                out.append(f"  … and {self.problem_count - len(self.problems):,} more")
        else:
            out.append("no problems found")
        if cost:
            out.append(cost)
        return out


def _texts(value: Any) -> list[str]:
    """Every string inside a JSON value (what a request sends as text)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for item in value for t in _texts(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _texts(item)]
    return []


def _body_problems(body: dict[str, Any], endpoint: str) -> list[str]:
    """What is wrong with a body for `endpoint`, by the spec's request."""
    facts = request_facts().get(endpoint)
    if facts is None:
        return []  # a multipart endpoint (image edits, videos): its body is not JSON
    problems = [
        f"body.{name} is required for {endpoint}" for name in facts["required"] if name not in body
    ]
    fields: dict[str, Any] = facts["fields"]
    for name, value in body.items():
        known = fields.get(name)
        if known is None:
            problems.append(f"body.{name} is not a parameter of {endpoint}")
            continue
        allowed = set(known["types"])
        if allowed and not json_types(value) & allowed:
            want = " or ".join(sorted(allowed))
            problems.append(f"body.{name} should be {want}, not {sorted(json_types(value))[0]}")
            continue
        words = known.get("words")
        if words and isinstance(value, str) and value not in words:
            problems.append(f"body.{name} is {value!r}; it takes {', '.join(words)}")
    return problems


def check_file(path: Path, endpoint: str | None = None) -> Report:
    """Check a batch input file (OSError if it cannot be read or is not a regular file);
    `endpoint`, when given, is what every line must name."""
    report = Report(str(path), size=regular_size(path), endpoint=endpoint)
    if report.size > MAX_BYTES:
        report.problem(None, f"it is {size_words(report.size)}; a batch takes at most 200 MB")
    count, report.tokens_exact = token_counter()
    seen: set[str] = set()
    with path.open("rb") as file:
        for number, _, line, trouble in objects(file):
            report.lines = number
            if line is None:
                report.problem(number, trouble or "cannot be read")
                continue
            before = report.problem_count
            _check_line(report, number, line, seen)
            if report.problem_count > before:
                continue
            report.requests += 1
            body = line["body"]
            report.input_tokens += sum(count(t) for t in _texts(_sent(body)))
            limit = body.get("max_completion_tokens", body.get("max_tokens"))
            if isinstance(limit, int) and limit > 0:
                report.output_tokens += limit * max(1, _int(body.get("n"), 1))
            elif report.endpoint in ("/v1/chat/completions", "/v1/completions", "/v1/responses"):
                report.open_ended += 1
            if report.endpoint == "/v1/embeddings":
                given = body.get("input")
                report.embedding_inputs += len(given) if isinstance(given, list) else 1
    if not report.requests and not report.problem_count:
        report.problem(None, "it holds no requests")
    if report.requests > MAX_REQUESTS:
        report.problem(
            None, f"it holds {report.requests:,} requests; a batch takes at most {MAX_REQUESTS:,}"
        )
    if report.embedding_inputs > MAX_EMBEDDING_INPUTS:
        report.problem(
            None,
            f"it embeds {report.embedding_inputs:,} inputs; an embeddings batch takes at most "
            f"{MAX_EMBEDDING_INPUTS:,} in all",
        )
    return report


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _sent(body: dict[str, Any]) -> Any:
    """The part of a body that is read as input tokens."""
    for name in ("messages", "prompt", "input", "instructions"):
        if name in body:
            return [body[name], body.get("instructions")] if name == "input" else body[name]
    return []


def _check_line(report: Report, number: int, line: dict[str, Any], seen: set[str]) -> None:
    custom_id = line.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        report.problem(number, "has no custom_id (a non-empty string that names the request)")
    elif custom_id in seen:
        report.problem(number, f"custom_id {custom_id!r} is used by an earlier line")
    else:
        seen.add(custom_id)
    if line.get("method") != "POST":
        report.problem(number, f"method is {line.get('method')!r}; a batch sends POST")
    url = line.get("url")
    if url not in ENDPOINTS:
        report.problem(
            number, f"url {url!r} is not an endpoint batches run ({', '.join(ENDPOINTS)})"
        )
        return
    if report.endpoint is None:
        report.endpoint = url
    elif url != report.endpoint:
        report.problem(number, f"url {url!r} differs from {report.endpoint!r}: a batch runs one")
        return
    body = line.get("body")
    if not isinstance(body, dict):
        report.problem(number, "has no body object (the request's parameters)")
        return
    for problem in _body_problems(body, url):
        report.problem(number, problem)
    model = body.get("model")
    if isinstance(model, str):
        if report.model is None:
            report.model = model
        elif model != report.model:
            report.problem(
                number, f"model {model!r} differs from {report.model!r}: a batch runs one"
            )


def batch_cost(report: Report, prices: PriceTable) -> str | None:
    """What the batch would cost at the batch price (`prices`, a PriceTable), as text; None
    when no price is known for its model."""
    if not report.model or not report.requests:
        return None
    price = prices.price(report.model)
    if price is None:
        return f"cost: no price known for {report.model}"
    share = prices.batch_share
    low = report.input_tokens * price.input * share / 1e6
    high = low + report.output_tokens * price.output * share / 1e6
    estimate = "" if report.tokens_exact else "≈ "
    cut = f"{round((1 - share) * 100)}% off"
    if report.output_tokens and not report.open_ended:
        return f"cost at the batch price ({cut}): {estimate}${low:,.4f} to ${high:,.4f}"
    return (
        f"cost at the batch price ({cut}): {estimate}${low:,.4f} for the input, plus what it writes"
    )
