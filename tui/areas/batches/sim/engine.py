"""The simulator's batches: each runs on its own clock through the real lifecycle
(`validating → in_progress → finalizing → completed`, or `failed` when its input does not
validate, `expired` when the window closes first, `cancelling → cancelled`), and each of its
lines is answered by the simulator's own route for the batch's endpoint (tui/sim/inner.py):
the outputs are real response bodies, and a line the route refuses (an unknown model, a
parameter out of range, an endpoint the simulator does not serve) is a real error line.

A batch's state is a function of the time: asking for it brings it up to now, answering
the lines whose time has come, in order. No Textual, no client: the simulator's own.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tui.areas.batches.spec import COMPLETION_WINDOWS, MAX_REQUESTS
from tui.sim.files import add_file
from tui.sim.inner import Answer

MAX_ERRORS = 1000
"""The most validation errors listed for one file."""

Runner = Callable[[str, Any], Awaitable[Answer]]
"""Answers one line: (url, body) -> the route's answer."""


@dataclass(frozen=True, slots=True)
class Timing:
    """How long each stage lasts, in seconds of the batch's own clock."""

    validating: float = 3.0
    per_request: float = 0.2
    finalizing: float = 2.0
    cancelling: float = 2.0


@dataclass(slots=True)
class Line:
    """One request of the input file."""

    number: int
    custom_id: str
    url: str
    body: dict[str, Any]


def _error(code: str, message: str, line: int | None, param: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


def validate_input(content: bytes, endpoint: str) -> tuple[list[Line], list[dict[str, Any]]]:
    """The lines of an input file and the problems the API reports for it (`BatchError`s,
    each with its line number)."""
    lines: list[Line] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    model: str | None = None
    text = content.decode("utf-8", "replace")
    for number, raw in enumerate(text.splitlines(), 1):
        if len(errors) >= MAX_ERRORS:
            break
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):
            errors.append(
                _error("invalid_json_line", "This line is not parseable as valid JSON.", number)
            )
            continue
        custom_id = entry.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            errors.append(
                _error(
                    "missing_required_parameter",
                    "Missing required parameter: 'custom_id'.",
                    number,
                    "custom_id",
                )
            )
            continue
        if custom_id in seen:
            errors.append(
                _error(
                    "duplicate_custom_id",
                    f"The custom_id '{custom_id}' is a duplicate of another request's: it "
                    "must be unique within a batch.",
                    number,
                    "custom_id",
                )
            )
            continue
        seen.add(custom_id)
        if entry.get("method") != "POST":
            errors.append(
                _error("invalid_method", "Only the POST method is supported.", number, "method")
            )
            continue
        if entry.get("url") != endpoint:
            errors.append(
                _error(
                    "invalid_url",
                    f"The url {entry.get('url')!r} does not match the batch's endpoint "
                    f"{endpoint!r}.",
                    number,
                    "url",
                )
            )
            continue
        body = entry.get("body")
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            errors.append(
                _error(
                    "missing_required_parameter",
                    "Missing required parameter: 'body.model'.",
                    number,
                    "body.model",
                )
            )
            continue
        if model is None:
            model = body["model"]
        elif body["model"] != model:
            errors.append(
                _error(
                    "mismatched_model",
                    f"The model {body['model']!r} differs from the {model!r} of the other "
                    "requests: a batch runs one model.",
                    number,
                    "body.model",
                )
            )
            continue
        lines.append(Line(number, custom_id, endpoint, body))
    if not errors and not lines:
        errors.append(_error("empty_file", "The input file holds no requests.", None))
    if len(lines) > MAX_REQUESTS:
        errors.append(
            _error(
                "too_many_requests",
                f"The input file holds {len(lines):,} requests; a batch takes at most "
                f"{MAX_REQUESTS:,}.",
                None,
            )
        )
    return lines, errors


@dataclass
class SimBatch:
    """One batch, as the simulator runs it."""

    id: str
    endpoint: str
    input_file_id: str
    completion_window: str
    created_at: float
    lines: list[Line]
    errors: list[dict[str, Any]]
    timing: Timing
    authorization: str
    """The key of whoever made it: its lines are asked with it."""
    metadata: dict[str, str] | None = None
    output_expires_after: int | None = None
    cancel_at: float | None = None
    results: list[tuple[Line, Answer | None]] = field(default_factory=list)
    """The lines answered so far, in order (None: the line could not be asked)."""
    output_file_id: str | None = None
    error_file_id: str | None = None
    files_made: bool = False
    _lock: asyncio.Lock | None = None

    @property
    def model(self) -> str | None:
        """The model its lines name."""
        return self.lines[0].body.get("model") if self.lines else None

    @property
    def in_progress_at(self) -> float:
        return self.created_at + self.timing.validating

    @property
    def expires_at(self) -> float:
        return self.created_at + COMPLETION_WINDOWS.get(self.completion_window, 86_400)

    def _due_at(self, moment: float) -> int:
        """How many lines are answered by `moment`."""
        spent = moment - self.in_progress_at
        if spent <= 0:
            return 0
        per = self.timing.per_request
        return len(self.lines) if per <= 0 else min(len(self.lines), math.floor(spent / per))

    @property
    def work_done_at(self) -> float:
        return self.in_progress_at + len(self.lines) * self.timing.per_request

    def stage(self, now: float) -> tuple[str, dict[str, float]]:
        """Its status at `now`, and when it reached each stage (`in_progress_at`, …)."""
        when: dict[str, float] = {}
        if self.cancel_at is not None and self.cancel_at < self.in_progress_at:
            return self._cancelled(now, when)
        if now < self.in_progress_at:
            return "validating", when
        if self.errors:
            when["failed_at"] = self.in_progress_at
            return "failed", when
        when["in_progress_at"] = self.in_progress_at
        if (
            self.cancel_at is not None
            and self.cancel_at < self.work_done_at + self.timing.finalizing
        ):
            return self._cancelled(now, when)
        if self.expires_at < self.work_done_at:
            if now < self.expires_at:
                return "in_progress", when
            when["expired_at"] = self.expires_at
            return "expired", when
        if now < self.work_done_at:
            return "in_progress", when
        when["finalizing_at"] = self.work_done_at
        if now < self.work_done_at + self.timing.finalizing:
            return "finalizing", when
        when["completed_at"] = self.work_done_at + self.timing.finalizing
        return "completed", when

    def _cancelled(self, now: float, when: dict[str, float]) -> tuple[str, dict[str, float]]:
        assert self.cancel_at is not None
        when["cancelling_at"] = self.cancel_at
        if now < self.cancel_at + self.timing.cancelling:
            return "cancelling", when
        when["cancelled_at"] = self.cancel_at + self.timing.cancelling
        return "cancelled", when

    def due(self, now: float) -> int:
        """How many lines have been answered by `now` (none after the batch stopped)."""
        status, _ = self.stage(now)
        if status in ("validating", "failed"):
            return 0
        stop = now
        if self.cancel_at is not None:
            stop = min(stop, self.cancel_at)
        if status == "expired":
            stop = min(stop, self.expires_at)
        return self._due_at(stop)

    async def advance(self, now: float, run: Runner, files: Any) -> None:
        """Answer the lines whose time has come; make the output and error files once it
        ended (`files` is the simulator state the files are added to)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            wanted = self.due(now)
            while len(self.results) < wanted:
                line = self.lines[len(self.results)]
                body = line.body
                if body.get("stream"):
                    self.results.append((line, None))
                    continue
                self.results.append((line, await run(line.url, body)))
            status, when = self.stage(now)
            if status in ("completed", "cancelled", "expired") and not self.files_made:
                ended = max(when.values()) if when else now
                self._make_files(files, ended)

    def _make_files(self, sim: Any, ended: float) -> None:
        good: list[str] = []
        bad: list[str] = []
        for n, (line, answer) in enumerate(self.results):
            entry = self.output_line(n, line, answer)
            ok = answer is not None and 200 <= answer.status < 300
            (good if ok else bad).append(json.dumps(entry))
        name = self.id
        if good:
            self.output_file_id = add_file(
                sim, f"{name}_output.jsonl", _jsonl(good), created_at=ended, purpose="batch_output"
            )
        if bad:
            self.error_file_id = add_file(
                sim, f"{name}_error.jsonl", _jsonl(bad), created_at=ended, purpose="batch_output"
            )
        self.files_made = True

    def output_line(self, n: int, line: Line, answer: Answer | None) -> dict[str, Any]:
        """A `BatchRequestOutput` line for one answered request."""
        line_id = f"batch_req_{self.id.removeprefix('batch_')}{n:06d}"
        if answer is None:
            return {
                "id": line_id,
                "custom_id": line.custom_id,
                "response": None,
                "error": {
                    "code": "invalid_request",
                    "message": "Streaming is not available inside a batch: leave out 'stream'.",
                },
            }
        return {
            "id": line_id,
            "custom_id": line.custom_id,
            "response": {
                "status_code": answer.status,
                "request_id": answer.request_id,
                "body": answer.body,
            },
            "error": None,
        }

    def counts(self, now: float) -> dict[str, int]:
        """`request_counts` at `now`, from the lines answered."""
        status, _ = self.stage(now)
        if status == "validating" or status == "failed":
            return {"total": 0, "completed": 0, "failed": 0}
        done = self.results[: self.due(now)]
        ok = sum(1 for _, a in done if a is not None and 200 <= a.status < 300)
        return {"total": len(self.lines), "completed": ok, "failed": len(done) - ok}

    def usage(self, now: float) -> dict[str, Any]:
        """`usage`: the tokens its answered lines used."""
        prompt = completion = cached = reasoning = 0
        for _, answer in self.results[: self.due(now)]:
            body = answer.body if answer is not None else None
            used = body.get("usage") if isinstance(body, dict) else None
            if not isinstance(used, dict):
                continue
            prompt += int(used.get("prompt_tokens", used.get("input_tokens", 0)) or 0)
            completion += int(used.get("completion_tokens", used.get("output_tokens", 0)) or 0)
            cached += int((used.get("prompt_tokens_details") or {}).get("cached_tokens", 0) or 0)
            details = used.get("completion_tokens_details") or {}
            reasoning += int(details.get("reasoning_tokens", 0) or 0)
        return {
            "input_tokens": prompt,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": completion,
            "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": prompt + completion,
        }

    def to_json(self, now: float) -> dict[str, Any]:
        """The batch as the API shows it (`Batch`)."""
        status, when = self.stage(now)
        stamp = {name: int(value) for name, value in when.items()}
        ended = status in ("completed", "cancelled", "expired") and self.files_made
        shown = {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "model": self.model,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": status,
            "output_file_id": self.output_file_id if ended else None,
            "error_file_id": self.error_file_id if ended else None,
            "created_at": int(self.created_at),
            "in_progress_at": stamp.get("in_progress_at"),
            "expires_at": int(self.expires_at),
            "finalizing_at": stamp.get("finalizing_at"),
            "completed_at": stamp.get("completed_at"),
            "failed_at": stamp.get("failed_at"),
            "expired_at": stamp.get("expired_at"),
            "cancelling_at": stamp.get("cancelling_at"),
            "cancelled_at": stamp.get("cancelled_at"),
            "request_counts": self.counts(now),
            "usage": self.usage(now),
            "metadata": self.metadata,
        }
        # The spec types these as plain strings, integers and objects (not nullable), though
        # OpenAI's examples show nulls: what is not there yet is left out.
        return {k: v for k, v in shown.items() if v is not None or k == "metadata"}


def _jsonl(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@dataclass
class BatchesState:
    """Every batch the simulator knows, in the order they were made."""

    batches: dict[str, SimBatch] = field(default_factory=dict)
    now: Callable[[], float] = lambda: time.time()
    """The wall clock, read each time (tests may set their own, or stop `time.time`)."""
    timing: Timing = field(default_factory=Timing)
    """How fast a new batch goes through its stages."""

    @classmethod
    def of(cls, sim: Any) -> BatchesState:
        """The batches of a simulator (its config's timing, if it names one)."""
        timing = sim.config.timing.get("batches")
        return cls(timing=timing) if timing is not None else cls()

    def newest_first(self) -> list[SimBatch]:
        """Every batch, newest first."""
        return sorted(self.batches.values(), key=lambda b: (b.created_at, b.id), reverse=True)
