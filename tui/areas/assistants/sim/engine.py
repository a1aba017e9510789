"""The simulator's assistants, threads, messages and runs as state, and a run's life:
`queued → in_progress → requires_action | completed | failed | cancelled | expired`. A run
answers the thread's last user message with the simulator's own reply text; when the
assistant has a function tool and the message asks for it (names the function, or says
"tool", "call" or "weather"), the run stops at `requires_action` with one call of it, and
the outputs submitted come back in the reply. Each run records its steps (tool calls, the
message it wrote) and its usage. A run asked for without a stream moves on a clock as it
is looked at; a streamed one goes through its life at once, event by event (`events`)."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tui.areas.assistants.sim import checks
from tui.sim.reply import compose_reply, count_tokens, tokenize

QUEUED_S = 0.3
"""How long a run waits in the queue (a run looked at without a stream)."""
WORKING_S = 0.8
"""How long it works before it answers or asks for its tools."""
EXPIRES_S = 600
"""How long a run waits for tool outputs before it expires."""
ASKS_FOR_TOOLS = ("tool", "call", "weather")
FINISHED = frozenset({"completed", "failed", "cancelled", "expired", "incomplete"})
DAY = 86_400


def text_of(message: dict[str, Any]) -> str:
    """A message's text parts, joined."""
    parts = message.get("content") or []
    return "".join(p.get("text", {}).get("value", "") for p in parts if isinstance(p, dict))


@dataclass
class Plan:
    """What a run will do (the simulator's own, never sent)."""

    reply: str
    call: dict[str, Any] | None = None
    """The function call it asks for, if any (`{"id", "type", "function"}`)."""
    outputs: list[dict[str, Any]] | None = None


@dataclass
class AssistantsState:
    """Every assistant, thread, message, run and step, by id (insertion order)."""

    seed: int = 0
    assistants: dict[str, dict[str, Any]] = field(default_factory=dict)
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """thread id → its messages, oldest first."""
    runs: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """thread id → run id → run."""
    steps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """run id → its steps, oldest first."""
    plans: dict[str, Plan] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def of(cls, sim: Any) -> AssistantsState:
        """A simulator's assistants: two, as `loom --demo` shows them."""
        made = cls(seed=sim.config.seed, rng=random.Random(f"assistants\x00{sim.config.seed}"))
        made.seed_assistants()
        return made

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{self.rng.getrandbits(64):016x}{next(self._ids):04d}"[:28]

    # --- making things -----------------------------------------------------------------------

    def add_assistant(self, body: dict[str, Any], at: int | None = None) -> dict[str, Any]:
        assistant_id = self.next_id("asst_")
        made = {
            "id": assistant_id,
            "object": "assistant",
            "created_at": int(at if at is not None else time.time()),
            "name": body.get("name"),
            "description": body.get("description"),
            "model": body["model"],
            "instructions": body.get("instructions"),
            "tools": checks.kept_tools(body.get("tools") or []),
            "tool_resources": checks.tool_resources(body.get("tool_resources"), self.next_id),
            "metadata": dict(body.get("metadata") or {}),
            "temperature": body.get("temperature", 1.0),
            "top_p": body.get("top_p", 1.0),
            "response_format": body.get("response_format", "auto"),
        }
        self.assistants[assistant_id] = made
        return made

    def add_thread(self, body: dict[str, Any], at: int | None = None) -> dict[str, Any]:
        thread_id = self.next_id("thread_")
        made = {
            "id": thread_id,
            "object": "thread",
            "created_at": int(at if at is not None else time.time()),
            "tool_resources": checks.tool_resources(body.get("tool_resources"), self.next_id),
            "metadata": dict(body.get("metadata") or {}),
        }
        self.threads[thread_id] = made
        self.messages[thread_id] = []
        self.runs[thread_id] = {}
        for message in body.get("messages") or []:
            self.add_message(thread_id, message)
        return made

    def add_message(
        self,
        thread_id: str,
        body: dict[str, Any],
        *,
        assistant_id: str | None = None,
        run_id: str | None = None,
        at: int | None = None,
    ) -> dict[str, Any]:
        """A message on a thread: `content` a string or a list of parts."""
        now = int(at if at is not None else time.time())
        content = body.get("content", "")
        if isinstance(content, str):
            parts = [{"type": "text", "text": {"value": content, "annotations": []}}]
        else:
            parts = [
                p
                if p.get("type") != "text"
                else {"type": "text", "text": {"value": str(p.get("text", "")), "annotations": []}}
                for p in content
            ]
        made = {
            "id": self.next_id("msg_"),
            "object": "thread.message",
            "created_at": now,
            "thread_id": thread_id,
            "status": "completed",
            "incomplete_details": None,
            "completed_at": now,
            "incomplete_at": None,
            "role": body.get("role", "user"),
            "content": parts,
            "assistant_id": assistant_id,
            "run_id": run_id,
            "attachments": list(body.get("attachments") or []),
            "metadata": dict(body.get("metadata") or {}),
        }
        self.messages[thread_id].append(made)
        return made

    def add_run(
        self, thread_id: str, assistant: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        """A queued run of `assistant` on the thread, with its plan made now."""
        now = int(time.time())
        run_id = self.next_id("run_")
        tools = body.get("tools")
        run = {
            "id": run_id,
            "object": "thread.run",
            "created_at": now,
            "thread_id": thread_id,
            "assistant_id": assistant["id"],
            "status": "queued",
            "required_action": None,
            "last_error": None,
            "expires_at": now + EXPIRES_S,
            "started_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "model": body.get("model") or assistant["model"],
            "instructions": body.get("instructions") or assistant.get("instructions") or "",
            "tools": checks.kept_tools(tools) if tools is not None else list(assistant["tools"]),
            "metadata": dict(body.get("metadata") or {}),
            "usage": None,
            "incomplete_details": None,
            "temperature": body.get("temperature", assistant.get("temperature", 1.0)),
            "top_p": body.get("top_p", assistant.get("top_p", 1.0)),
            "max_prompt_tokens": body.get("max_prompt_tokens"),
            "max_completion_tokens": body.get("max_completion_tokens"),
            "truncation_strategy": body.get("truncation_strategy")
            or {"type": "auto", "last_messages": None},
            "tool_choice": body.get("tool_choice", "auto"),
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "response_format": body.get("response_format", "auto"),
        }
        for message in body.get("additional_messages") or []:
            self.add_message(thread_id, message)
        self.runs[thread_id][run_id] = run
        self.steps[run_id] = []
        self.plans[run_id] = self._plan(thread_id, run)
        return run

    def _plan(self, thread_id: str, run: dict[str, Any]) -> Plan:
        said = [m for m in self.messages[thread_id] if m["role"] == "user"]
        prompt = text_of(said[-1]) if said else ""
        reply = compose_reply(prompt, seed=self.seed)
        functions = [t for t in run["tools"] if t.get("type") == "function"]
        lowered = prompt.lower()
        for tool in functions:
            function = tool.get("function") or {}
            name = str(function.get("name", ""))
            if name and (name.lower() in lowered or any(w in lowered for w in ASKS_FOR_TOOLS)):
                words = [w.strip(".,?!") for w in prompt.split() if w[:1].isupper()]
                arguments = {"query": prompt[:80]}
                if "weather" in lowered:
                    arguments = {"city": words[-1] if words else "Lisbon", "unit": "celsius"}
                call = {
                    "id": self.next_id("call_"),
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(arguments)},
                }
                return Plan(reply, call)
        return Plan(reply)

    # --- a run's life ------------------------------------------------------------------------

    def _step(self, run: dict[str, Any], kind: str, details: dict[str, Any]) -> dict[str, Any]:
        step = {
            "id": self.next_id("step_"),
            "object": "thread.run.step",
            "created_at": int(time.time()),
            "assistant_id": run["assistant_id"],
            "thread_id": run["thread_id"],
            "run_id": run["id"],
            "type": kind,
            "status": "in_progress",
            "step_details": details,
            "last_error": None,
            "expired_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "metadata": {},
            "usage": None,
        }
        self.steps[run["id"]].append(step)
        return step

    def _usage(self, run: dict[str, Any], written: str) -> dict[str, int]:
        prompt = sum(count_tokens(text_of(m)) for m in self.messages[run["thread_id"]])
        prompt += count_tokens(run.get("instructions") or "")
        done = count_tokens(written)
        return {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done}

    def events(self, run: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """The run from where it is to where it stops (completed, or requires_action),
        as (event name, object) in the spec's order — the objects as they are then."""
        plan = self.plans[run["id"]]
        now = int(time.time())
        if run["status"] == "queued":
            yield "thread.run.queued", dict(run)
            run["status"], run["started_at"] = "in_progress", run["started_at"] or now
            yield "thread.run.in_progress", dict(run)
        call = plan.call
        if call is not None and plan.outputs is None:
            step = self._step(
                run,
                "tool_calls",
                {
                    "type": "tool_calls",
                    "tool_calls": [
                        {
                            "id": call["id"],
                            "type": "function",
                            "function": {**call["function"], "output": None},
                        }
                    ],
                },
            )
            yield "thread.run.step.created", dict(step)
            yield "thread.run.step.in_progress", dict(step)
            yield (
                "thread.run.step.delta",
                {
                    "id": step["id"],
                    "object": "thread.run.step.delta",
                    "delta": {
                        "step_details": {
                            "type": "tool_calls",
                            "tool_calls": [
                                {
                                    "index": 0,
                                    "id": call["id"],
                                    "type": "function",
                                    "function": {**call["function"], "output": None},
                                }
                            ],
                        }
                    },
                },
            )
            run["status"] = "requires_action"
            run["required_action"] = {
                "type": "submit_tool_outputs",
                "submit_tool_outputs": {"tool_calls": [call]},
            }
            yield "thread.run.requires_action", dict(run)
            return
        if call is not None and plan.outputs is not None:
            for step in self.steps[run["id"]]:
                if step["type"] == "tool_calls" and step["status"] == "in_progress":
                    outputs = {o.get("tool_call_id"): o.get("output") for o in plan.outputs}
                    for each in step["step_details"]["tool_calls"]:
                        each["function"]["output"] = outputs.get(each["id"], "")
                    step["status"], step["completed_at"] = "completed", int(time.time())
                    step["usage"] = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
                    yield "thread.run.step.completed", dict(step)
        written = plan.reply
        if plan.outputs:
            told = "; ".join(str(o.get("output", "")) for o in plan.outputs)
            written = f"The tool answered: {told}\n\n{plan.reply}"
        message = self.add_message(
            run["thread_id"],
            {"role": "assistant", "content": ""},
            assistant_id=run["assistant_id"],
            run_id=run["id"],
        )
        message["status"], message["completed_at"] = "in_progress", None
        step = self._step(
            run,
            "message_creation",
            {"type": "message_creation", "message_creation": {"message_id": message["id"]}},
        )
        yield "thread.run.step.created", dict(step)
        yield "thread.run.step.in_progress", dict(step)
        yield "thread.message.created", dict(message)
        yield "thread.message.in_progress", dict(message)
        for piece in tokenize(written):
            yield (
                "thread.message.delta",
                {
                    "id": message["id"],
                    "object": "thread.message.delta",
                    "delta": {
                        "content": [
                            {
                                "index": 0,
                                "type": "text",
                                "text": {"value": piece, "annotations": []},
                            }
                        ]
                    },
                },
            )
        finished = int(time.time())
        message["content"] = [{"type": "text", "text": {"value": written, "annotations": []}}]
        message["status"], message["completed_at"] = "completed", finished
        yield "thread.message.completed", dict(message)
        usage = self._usage(run, written)
        step["status"], step["completed_at"], step["usage"] = "completed", finished, usage
        yield "thread.run.step.completed", dict(step)
        run["status"], run["completed_at"], run["usage"] = "completed", finished, usage
        yield "thread.run.completed", dict(run)

    def advance(self, run: dict[str, Any], now: float | None = None) -> None:
        """Move a run looked at without a stream on by its clock."""
        now = now if now is not None else time.time()
        status = run["status"]
        if status in FINISHED:
            return
        if status == "cancelling":
            run["status"], run["cancelled_at"] = "cancelled", int(now)
            return
        if status == "requires_action":
            if run["expires_at"] and now >= run["expires_at"]:
                run["status"], run["required_action"] = "expired", None
            return
        if status == "queued" and now - run["created_at"] < QUEUED_S:
            return
        started = run["started_at"] or run["created_at"] + QUEUED_S
        if status == "queued":
            run["status"], run["started_at"] = "in_progress", int(started)
        if now - started < WORKING_S:
            return
        for _ in self.events(run):
            pass

    def submit(self, run: dict[str, Any], outputs: list[dict[str, Any]]) -> None:
        """The tool outputs for a run that asked: it is queued again, and answers at once
        when next looked at (or streamed)."""
        self.plans[run["id"]].outputs = outputs
        run["status"], run["required_action"] = "queued", None

    # --- the demo ------------------------------------------------------------------------

    def seed_assistants(self) -> None:
        start = int(time.time()) - 40 * DAY
        self.add_assistant(
            {
                "name": "Weaver's helper",
                "description": "Answers questions about the loom; looks up the weather.",
                "model": "gpt-4o-mini",
                "instructions": "You are a concise helper for weavers. Use get_weather for "
                "any question about the weather.",
                "tools": [
                    {"type": "code_interpreter"},
                    {
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "description": "The weather in a city now.",
                            "parameters": {
                                "type": "object",
                                "properties": {
                                    "city": {"type": "string"},
                                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                                },
                                "required": ["city"],
                            },
                        },
                    },
                ],
                "metadata": {"team": "support"},
                "temperature": 0.7,
            },
            at=start,
        )
        self.add_assistant(
            {
                "name": "Docs searcher",
                "description": "Finds the page of the manual that answers a question.",
                "model": "gpt-4o",
                "instructions": "Answer from the manual only, and say which page.",
                "tools": [{"type": "file_search"}],
                "metadata": {},
            },
            at=start + 5 * DAY,
        )
