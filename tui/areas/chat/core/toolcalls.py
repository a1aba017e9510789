"""Tool calls a reply asked for, as people read them. Loom does not run tools: it shows
which tools the model asked for, keeps them, exports them, and tells the model in later
turns what it asked for."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any


def describe(calls: Sequence[dict[str, str]]) -> str:
    """One line per call: `name(arguments)`, the arguments as compact JSON when they are."""
    lines = []
    for call in calls:
        arguments = call.get("arguments", "")
        with contextlib.suppress(ValueError):
            arguments = json.dumps(json.loads(arguments), ensure_ascii=False)
        lines.append(f"{call.get('name') or '?'}({arguments})")
    return "\n".join(lines)


def as_turn_text(content: str, calls: Sequence[dict[str, str]]) -> str:
    """A reply's text for later requests: its content, and the calls it asked for in
    words (sending them as `tool_calls` would require the tools' results, which Loom
    does not have)."""
    if not calls:
        return content
    asked = "[asked to call: " + "; ".join(describe(calls).splitlines()) + "]"
    return f"{content}\n\n{asked}" if content else asked


def api_shape(calls: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """The calls as the API's `tool_calls` (for the JSON export)."""
    return [
        {
            "id": call.get("id", ""),
            "type": "function",
            "function": {"name": call.get("name", ""), "arguments": call.get("arguments", "")},
        }
        for call in calls
    ]
