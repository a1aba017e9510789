"""The Assistants API's objects, shaped by the official OpenAPI spec (`AssistantObject`,
`ThreadObject`, `MessageObject`, `RunObject`, `RunStepObject`), unknown fields kept; a
streamed run's events as what their data is (`RunEvent`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from tui.api.schemas import Tolerant
from tui.api.values import Moment, OptionalMoment

FINISHED = frozenset({"completed", "failed", "cancelled", "expired", "incomplete"})


class Assistant(Tolerant):
    """`AssistantObject`."""

    id: str
    name: str | None = None
    description: str | None = None
    model: str = ""
    instructions: str | None = None
    tools: list[dict[str, Any]] = Field(default_factory=list)
    metadata: dict[str, Any] | None = None
    created_at: Moment = 0
    temperature: float | None = None
    top_p: float | None = None

    def tool_names(self) -> list[str]:
        """Each tool as it reads: `code_interpreter`, `get_weather()`."""
        names = []
        for tool in self.tools:
            if tool.get("type") == "function":
                names.append(f"{(tool.get('function') or {}).get('name', '?')}()")
            else:
                names.append(str(tool.get("type", "?")))
        return names


class Thread(Tolerant):
    """`ThreadObject`."""

    id: str
    created_at: Moment = 0
    metadata: dict[str, Any] | None = None


class Message(Tolerant):
    """`MessageObject`: its text parts as `text`."""

    id: str
    thread_id: str = ""
    role: str = "user"
    content: list[dict[str, Any]] = Field(default_factory=list)
    created_at: Moment = 0
    status: str | None = None
    assistant_id: str | None = None
    run_id: str | None = None

    @property
    def text(self) -> str:
        """Its text parts, one after another (image parts named)."""
        parts = []
        for part in self.content:
            if part.get("type") == "text":
                parts.append(str((part.get("text") or {}).get("value", "")))
            elif part.get("type") == "refusal":
                parts.append(str(part.get("refusal", "")))
            else:
                parts.append(f"[{part.get('type', 'part')}]")
        return "".join(parts)


class ToolCall(Tolerant):
    """`RunToolCallObject`: a function the run asks to be called."""

    id: str
    type: str = "function"
    function: dict[str, Any] = Field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.function.get("name", ""))

    @property
    def arguments(self) -> str:
        """Its arguments as sent (JSON text), pretty when they are JSON."""
        raw = str(self.function.get("arguments", ""))
        try:
            return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
        except ValueError:
            return raw


class Run(Tolerant):
    """`RunObject`."""

    id: str
    thread_id: str = ""
    assistant_id: str = ""
    status: str = ""
    model: str = ""
    created_at: Moment = 0
    started_at: OptionalMoment = None
    completed_at: OptionalMoment = None
    expires_at: OptionalMoment = None
    required_action: dict[str, Any] | None = None
    last_error: dict[str, Any] | None = None
    usage: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def tool_calls(self) -> list[ToolCall]:
        """The calls a run at `requires_action` waits for."""
        action = self.required_action or {}
        calls = (action.get("submit_tool_outputs") or {}).get("tool_calls") or []
        return [ToolCall.model_validate(c) for c in calls if isinstance(c, dict)]


class RunStep(Tolerant):
    """`RunStepObject`: a message it wrote, or tool calls it made."""

    id: str
    run_id: str = ""
    type: str = ""
    status: str = ""
    step_details: dict[str, Any] = Field(default_factory=dict)
    created_at: Moment = 0
    completed_at: OptionalMoment = None
    usage: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One event of a streamed run: what changed (`run`, `step`, `message`, `delta` of a
    message's text, `done`, `error`) and the object as it is now."""

    kind: str
    run: Run | None = None
    step: RunStep | None = None
    message: Message | None = None
    text: str = ""
    """A message delta's text."""
    error: str = ""

    @classmethod
    def of(cls, data: str) -> RunEvent | None:
        """The event an SSE event's data is (None for data Loom does not know)."""
        if data.strip() == "[DONE]":
            return cls("done")
        try:
            value = json.loads(data)
        except ValueError:
            return cls("error", error=f"not JSON: {data[:80]!r}")
        if not isinstance(value, dict):
            return None
        kind = value.get("object")
        if "error" in value and kind is None:
            error = value["error"]
            said = error.get("message") if isinstance(error, dict) else error
            return cls("error", error=str(said))
        if kind == "thread.run":
            return cls("run", run=Run.model_validate(value))
        if kind == "thread.run.step":
            return cls("step", step=RunStep.model_validate(value))
        if kind == "thread.message":
            return cls("message", message=Message.model_validate(value))
        if kind == "thread.message.delta":
            parts = (value.get("delta") or {}).get("content") or []
            text = "".join(
                str((p.get("text") or {}).get("value", ""))
                for p in parts
                if isinstance(p, dict) and p.get("type") == "text"
            )
            return cls("delta", text=text)
        return None
