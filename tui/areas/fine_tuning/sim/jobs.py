"""Simulated fine-tuning jobs: the real lifecycle on an accelerated clock.

A job's life is a pure function of its own clock (seconds since it was created, less the
time it spent paused): `validating_files`, then `queued`, then `running` one step every
`step` seconds with a noisy falling loss, a checkpoint at the end of each epoch, then
`succeeded` with a fine-tuned model and a metrics file. A training file that the API
would refuse makes the job fail after validation, with the API's kind of error. Events
are made as the clock reaches them and kept in order, so any page of them, newest first,
costs only its own length.
"""

from __future__ import annotations

import base64
import json
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.sim.state import FINE_TUNED_OWNER

FINE_TUNABLE = (
    "gpt-4o-mini-2024-07-18",
    "gpt-4o-2024-08-06",
    "gpt-4.1-2025-04-14",
    "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano-2025-04-14",
    "o4-mini-2025-04-16",
)
"""Base models the simulator fine-tunes (their short names work too: `gpt-4o-mini`)."""
ORGANIZATION = "org-loomsim"
OWNER = FINE_TUNED_OWNER
"""The organisation named in fine-tuned model ids: `ft:gpt-4o-mini-2024-07-18:loom-sim:…`."""
MIN_EXAMPLES = 10
"""The API refuses a training file with fewer examples than this."""


@dataclass(frozen=True, slots=True)
class Timing:
    """How long each phase lasts, in seconds of the job's own clock."""

    validating: float = 4.0
    queued: float = 6.0
    step: float = 0.5


def base_model(model: str) -> str | None:
    """The fine-tunable model an id names (a dated id or its short name), if any."""
    if model in FINE_TUNABLE:
        return model
    for full in FINE_TUNABLE:
        if full.rsplit("-", 3)[0] == model:
            return full
    return None


def check_training_file(content: bytes, method: str) -> tuple[int, int, str | None]:
    """(examples, estimated tokens, the API's complaint or None) for a JSONL training file
    used with `method`."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return 0, 0, "Invalid file format. The file is not UTF-8 encoded text."
    examples = 0
    tokens = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            example = json.loads(line)
        except ValueError:
            return examples, tokens, f"Invalid file format. Line {number} is not valid JSON."
        if not isinstance(example, dict):
            return examples, tokens, f"Invalid file format. Line {number} is not a JSON object."
        if method == "dpo":
            needed = ("input", "preferred_output", "non_preferred_output")
            missing = [key for key in needed if key not in example]
            if missing:
                return (
                    examples,
                    tokens,
                    (
                        f"Invalid file format. Example {number} is missing the key "
                        f'"{missing[0]}" required for DPO.'
                    ),
                )
        else:
            messages = example.get("messages")
            if not isinstance(messages, list) or not messages:
                return (
                    examples,
                    tokens,
                    (
                        f'Invalid file format. Example {number}, key "messages": expected a '
                        "non-empty list of messages."
                    ),
                )
            if method == "supervised" and not any(
                isinstance(m, dict) and m.get("role") == "assistant" for m in messages
            ):
                return (
                    examples,
                    tokens,
                    (
                        f"Invalid file format. Example {number} has no assistant message to "
                        "learn from."
                    ),
                )
        examples += 1
        tokens += max(1, len(line) // 4)
    if examples < MIN_EXAMPLES:
        return (
            examples,
            tokens,
            (
                f"Training file has {examples} example(s), but must have at least "
                f"{MIN_EXAMPLES} examples."
            ),
        )
    return examples, tokens, None


@dataclass
class SimJob:
    """One fine-tuning job and the events it has made so far."""

    id: str
    model: str
    training_file: str
    created_at: float
    examples: int
    tokens_per_epoch: int
    method: dict[str, Any]
    epochs: int
    batch_size: int
    learning_rate_multiplier: float
    seed: int
    timing: Timing
    validation_file: str | None = None
    suffix: str | None = None
    metadata: dict[str, str] | None = None
    integrations: list[dict[str, Any]] | None = None
    failure: str | None = None
    """Why validation fails, if it will."""
    paused_since: float | None = None
    paused_total: float = 0.0
    cancelled_at: float | None = None
    finished_wall: float | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    result_file: str | None = None
    _index: dict[str, int] = field(default_factory=dict)
    _emitted: float = -1.0
    """The clock up to which events have been made."""
    _step: int = 0
    _on_success: Callable[[SimJob], str | None] | None = None

    # --- the clock ------------------------------------------------------------------------

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps in one pass over the data."""
        return max(1, math.ceil(self.examples / self.batch_size))

    @property
    def total_steps(self) -> int:
        """Steps in the whole job."""
        return self.steps_per_epoch * self.epochs

    @property
    def started_at(self) -> float:
        """The clock when training starts."""
        return self.timing.validating + self.timing.queued

    @property
    def ends_at(self) -> float:
        """The clock when training ends."""
        return self.started_at + self.total_steps * self.timing.step

    def clock(self, now: float) -> float:
        """The job's own time: seconds since it was created, less the time spent paused."""
        if self.cancelled_at is not None:
            now = min(now, self.cancelled_at)
        paused = self.paused_total + (0.0 if self.paused_since is None else now - self.paused_since)
        return max(0.0, now - self.created_at - paused)

    def status(self, now: float) -> str:
        """The job's status at wall time `now`."""
        at = self.clock(now)
        if self.failure is not None and at >= self.timing.validating:
            return "failed"
        if self.cancelled_at is not None:
            return "cancelled"
        if at < self.timing.validating:
            return "validating_files"
        if at < self.started_at:
            return "queued"
        if at < self.ends_at:
            return "paused" if self.paused_since is not None else "running"
        return "succeeded"

    def wall(self, at: float) -> float:
        """Wall time at which the clock showed `at` (pauses before it counted)."""
        return self.created_at + self.paused_total + at

    # --- names ----------------------------------------------------------------------------

    @property
    def short(self) -> str:
        """The job's part of model ids."""
        return self.id.removeprefix("ftjob-")[:8]

    @property
    def fine_tuned_model(self) -> str:
        """The model this job makes."""
        return f"ft:{self.model}:{OWNER}:{self.suffix or ''}:{self.short}"

    def checkpoint_model(self, step: int) -> str:
        """The model saved at `step`."""
        return f"{self.fine_tuned_model}:ckpt-step-{step}"

    # --- events ---------------------------------------------------------------------------

    def _event(
        self,
        at_wall: float,
        message: str,
        *,
        level: str = "info",
        kind: str = "message",
        data: dict[str, Any] | None = None,
    ) -> None:
        number = len(self.events)
        event: dict[str, Any] = {
            "object": "fine_tuning.job.event",
            "id": f"ftevent-{self.short}{number:07d}",
            "created_at": int(at_wall),
            "level": level,
            "message": message,
            "type": kind,
            "data": data or {},
        }
        self._index[event["id"]] = number
        self.events.append(event)

    def metrics(self, step: int) -> dict[str, Any]:
        """The metrics of `step`: a noisy loss falling towards a floor, its accuracy, and
        validation figures every few steps (and over the whole validation set at epoch
        ends) when there is a validation file."""
        rng = random.Random(self.seed * 1_000_003 + step)
        progress = step / max(1, self.total_steps)
        clean = 0.18 + 1.9 * math.exp(-4.0 * progress)
        loss = max(0.01, clean * (1 + rng.gauss(0, 0.12)))
        data: dict[str, Any] = {
            "step": step,
            "train_loss": round(loss, 5),
            "train_mean_token_accuracy": round(min(0.999, max(0.0, 1 - loss / 2.6)), 5),
            "total_steps": self.total_steps,
        }
        if self.validation_file is not None and (step % 5 == 0 or step == 1):
            valid = max(0.01, (clean + 0.06 + 0.1 * progress**3) * (1 + rng.gauss(0, 0.08)))
            data["valid_loss"] = round(valid, 5)
            data["valid_mean_token_accuracy"] = round(max(0.0, 1 - valid / 2.6), 5)
        if self.validation_file is not None and step % self.steps_per_epoch == 0:
            full = clean + 0.05 + 0.12 * progress**3
            data["full_valid_loss"] = round(full, 5)
            data["full_valid_mean_token_accuracy"] = round(max(0.0, 1 - full / 2.6), 5)
        return data

    def advance(self, now: float) -> None:
        """Make every event the clock has reached by `now`."""
        at = self.clock(now)
        t = self.timing
        if self._emitted < 0:
            self._event(self.created_at, f"Created fine-tuning job: {self.id}")
            self._event(self.created_at, f"Validating training file: {self.training_file}")
            self._emitted = 0.0
        if self._emitted < t.validating <= at:
            self._emitted = t.validating
            if self.failure is not None:
                self._event(
                    self.wall(t.validating),
                    f"Training file validation failed: {self.failure}",
                    level="error",
                )
                self.finished_wall = self.wall(t.validating)
                return
            self._event(self.wall(t.validating), "Files validated, moving job to queued state")
        if self.failure is not None:
            return
        if self._emitted < self.started_at <= at:
            self._emitted = self.started_at
            self._event(self.wall(self.started_at), "Fine-tuning job started")
        while self._step < self.total_steps and self.started_at + (self._step + 1) * t.step <= at:
            self._step += 1
            step = self._step
            when = self.wall(self.started_at + step * t.step)
            data = self.metrics(step)
            words = f"Step {step}/{self.total_steps}: training loss={data['train_loss']:.2f}"
            if "valid_loss" in data:
                words += f", validation loss={data['valid_loss']:.2f}"
            self._event(when, words, kind="metrics", data=data)
            if step % self.steps_per_epoch == 0:
                self._checkpoint(step, when, data)
            self._emitted = self.started_at + step * t.step
        if self._step >= self.total_steps and self._emitted < self.ends_at + 1 <= at + 1:
            self._emitted = self.ends_at + 1
            when = self.wall(self.ends_at)
            self._event(when, f"New fine-tuned model created: {self.fine_tuned_model}")
            self._event(when, "The job has successfully completed")
            self.finished_wall = when
            if self._on_success is not None:
                self.result_file = self._on_success(self)

    def _checkpoint(self, step: int, when: float, data: dict[str, Any]) -> None:
        metrics = {k: v for k, v in data.items() if k != "total_steps"}
        self.checkpoints.append(
            {
                "object": "fine_tuning.job.checkpoint",
                "id": f"ftckpt_{self.short}{step:06d}",
                "created_at": int(when),
                "fine_tuned_model_checkpoint": self.checkpoint_model(step),
                "step_number": step,
                "metrics": {"step": float(step), **metrics},
                "fine_tuning_job_id": self.id,
            }
        )
        self._event(when, f"Checkpoint created at step {step}")

    def page(self, after: str | None, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """Events newest first, older than `after` (an event id) if given: (page, more)."""
        end = len(self.events) if after is None else self._index.get(after, 0)
        start = max(0, end - limit)
        return list(reversed(self.events[start:end])), start > 0

    def metrics_csv(self) -> str:
        """The result file's content: one row of metrics per step."""
        rows = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"]
        for step in range(1, self.total_steps + 1):
            m = self.metrics(step)
            rows.append(
                f"{step},{m['train_loss']},{m['train_mean_token_accuracy']},"
                f"{m.get('valid_loss', '')},{m.get('valid_mean_token_accuracy', '')}"
            )
        return "\n".join(rows) + "\n"

    # --- what the API shows ---------------------------------------------------------------

    def to_json(self, now: float) -> dict[str, Any]:
        """The job as `FineTuningJob`."""
        status = self.status(now)
        done = status in ("succeeded", "failed", "cancelled")
        hyper = {
            "batch_size": self.batch_size,
            "learning_rate_multiplier": self.learning_rate_multiplier,
            "n_epochs": self.epochs,
        }
        method = json.loads(json.dumps(self.method))
        kind = method.get("type", "supervised")
        inner = method.setdefault(kind, {})
        inner["hyperparameters"] = {**inner.get("hyperparameters", {}), **hyper}
        error = None
        if status == "failed":
            error = {
                "code": "invalid_training_file",
                "message": f"The job failed due to an invalid training file. {self.failure}",
                "param": "training_file",
            }
        estimated = None
        if status in ("queued", "running", "validating_files"):
            estimated = int(
                self.wall(self.ends_at) + (now - self.paused_since if self.paused_since else 0)
            )
        return {
            "object": "fine_tuning.job",
            "id": self.id,
            "created_at": int(self.created_at),
            "error": error,
            "fine_tuned_model": self.fine_tuned_model if status == "succeeded" else None,
            "user_provided_suffix": self.suffix,
            "finished_at": int(self.finished_wall or now) if done else None,
            "hyperparameters": hyper,
            "model": self.model,
            "organization_id": ORGANIZATION,
            "result_files": [self.result_file] if self.result_file else [],
            "status": status,
            "trained_tokens": self.tokens_per_epoch * self.epochs
            if status == "succeeded"
            else None,
            "training_file": self.training_file,
            "validation_file": self.validation_file,
            "integrations": self.integrations,
            "seed": self.seed,
            "estimated_finish": estimated,
            "method": method,
            "metadata": self.metadata,
        }


@dataclass
class FineTuningState:
    """Every job the simulator knows, in the order they were made."""

    jobs: dict[str, SimJob] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    now: Callable[[], float] = lambda: time.time()
    """The wall clock, read each time (tests may set their own, or stop `time.time`)."""
    timing: Timing = field(default_factory=lambda: Timing())
    """How fast a new job goes through its phases."""
    permissions: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """Checkpoint permissions: checkpoint model -> permission id -> object."""

    @classmethod
    def of(cls, sim: Any) -> FineTuningState:
        """The fine-tuning state of a simulator (its config's timing, if it names one)."""
        timing = sim.config.timing.get("fine_tuning")
        return cls(timing=timing) if timing is not None else cls()

    def job(self, job_id: str) -> SimJob | None:
        """The job, brought up to now; None if there is none."""
        with self.lock:
            found = self.jobs.get(job_id)
            if found is not None:
                found.advance(self.now())
            return found

    def all(self) -> list[SimJob]:
        """Every job, newest first, each brought up to now."""
        with self.lock:
            now = self.now()
            for job in self.jobs.values():
                job.advance(now)
            return sorted(self.jobs.values(), key=lambda j: (j.created_at, j.id), reverse=True)

    def models(self) -> list[tuple[str, int]]:
        """(id, created) of every model the jobs made: fine-tuned models and checkpoints."""
        made: list[tuple[str, int]] = []
        for job in self.all():
            for checkpoint in job.checkpoints:
                made.append((checkpoint["fine_tuned_model_checkpoint"], checkpoint["created_at"]))
            if job.finished_wall is not None and job.failure is None and job.cancelled_at is None:
                made.append((job.fine_tuned_model, int(job.finished_wall)))
        return made


def encoded_csv(text: str) -> bytes:
    """A result file as the API serves it: the CSV, base64-encoded."""
    return base64.b64encode(text.encode())
