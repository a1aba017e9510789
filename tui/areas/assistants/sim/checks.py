"""What the simulator's Assistants API refuses, as the API does (a 400 naming the
parameter): tools, metadata, a message's content, and the options of an assistant or a run
(model, temperature, top_p, response format, truncation, tool choice, token limits)."""

from __future__ import annotations

import re
from typing import Any

from tui.sim.state import InvalidRequest

TOOL_TYPES = ("code_interpreter", "file_search", "function")
FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TEXTS = {"name": 256, "description": 512, "instructions": 256_000}


def tools(body: dict[str, Any]) -> None:
    found = body.get("tools")
    if found is None:
        return
    if (
        not isinstance(found, list)
        or len(found) > 128
        or not all(isinstance(t, dict) and t.get("type") in TOOL_TYPES for t in found)
    ):
        raise InvalidRequest(
            "Invalid 'tools': a list of code_interpreter, file_search or function tools.", "tools"
        )
    for tool in found:
        if tool["type"] != "function":
            continue
        function = tool.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        if (
            not isinstance(function, dict)
            or not isinstance(name, str)
            or not FUNCTION_NAME.match(name)
        ):
            raise InvalidRequest(
                "Invalid 'tools': a function tool needs a name of letters, digits, _ and -.",
                "tools",
            )
        if "description" in function and not isinstance(function["description"], str):
            raise InvalidRequest("Invalid 'tools': a function's description is a string.", "tools")
        if "parameters" in function and not isinstance(function["parameters"], dict):
            raise InvalidRequest("Invalid 'tools': a function's parameters are an object.", "tools")
        if function.get("strict") not in (None, True, False):
            raise InvalidRequest("Invalid 'tools': strict is a boolean.", "tools")


def metadata(body: dict[str, Any]) -> None:
    found = body.get("metadata")
    if found is not None and (
        not isinstance(found, dict)
        or len(found) > 16
        or not all(
            isinstance(k, str) and len(k) <= 64 and isinstance(v, str) and len(v) <= 512
            for k, v in found.items()
        )
    ):
        raise InvalidRequest("Invalid 'metadata': up to 16 string keys and values.", "metadata")


def content(body: dict[str, Any]) -> None:
    metadata(body)
    if body.get("role", "user") not in ("user", "assistant"):
        raise InvalidRequest("Invalid 'role': user or assistant.", "role")
    attachments = body.get("attachments")
    if attachments is not None and (
        not isinstance(attachments, list)
        or not all(
            isinstance(a, dict)
            and isinstance(a.get("file_id"), str)
            and isinstance(a.get("tools", []), list)
            and all(
                isinstance(t, dict) and t.get("type") in TOOL_TYPES[:2] for t in a.get("tools", [])
            )
            for a in attachments
        )
    ):
        raise InvalidRequest(
            "Invalid 'attachments': each a file_id and the tools it is for.", "attachments"
        )
    found = body.get("content")
    if isinstance(found, str):
        return
    if (
        not isinstance(found, list)
        or not found
        or not all(
            isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
            for p in found
        )
    ):
        raise InvalidRequest(
            "Invalid 'content': a string or a list of text parts (image parts are not kept "
            "by this simulator).",
            "content",
        )


def texts(body: dict[str, Any]) -> None:
    for name, most in TEXTS.items():
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > most):
            raise InvalidRequest(
                f"Invalid '{name}': a string of at most {most:,} characters.", name
            )


def _number(body: dict[str, Any], name: str, top: float) -> None:
    value = body.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= top:
        raise InvalidRequest(f"Invalid '{name}': a number from 0 to {top:g}.", name)


def response_format(value: Any) -> None:
    if value is None or value == "auto":
        return
    if isinstance(value, dict) and value.get("type") in ("text", "json_object"):
        return
    schema = value.get("json_schema") if isinstance(value, dict) else None
    if (
        isinstance(value, dict)
        and value.get("type") == "json_schema"
        and isinstance(schema, dict)
        and isinstance(schema.get("name"), str)
        and FUNCTION_NAME.match(schema["name"])
        and isinstance(schema.get("schema", {}), dict)
        and schema.get("strict") in (None, True, False)
        and isinstance(schema.get("description", ""), str)
    ):
        return
    raise InvalidRequest(
        "Invalid 'response_format': auto, text, json_object, or json_schema with a name.",
        "response_format",
    )


def options(body: dict[str, Any]) -> None:
    """An assistant's or a run's options."""
    if "model" in body and (not isinstance(body["model"], str) or not body["model"]):
        raise InvalidRequest("Invalid 'model': a model's id.", "model")
    texts(body)
    tools(body)
    metadata(body)
    _number(body, "temperature", 2)
    _number(body, "top_p", 1)
    response_format(body.get("response_format"))
    tool_resources(body.get("tool_resources"), lambda prefix: prefix)
    for name in ("max_prompt_tokens", "max_completion_tokens"):
        value = body.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 256
        ):
            raise InvalidRequest(f"Invalid '{name}': a whole number, 256 or more.", name)
    truncation = body.get("truncation_strategy")
    if truncation is not None:
        last = truncation.get("last_messages") if isinstance(truncation, dict) else None
        if (
            not isinstance(truncation, dict)
            or truncation.get("type") not in ("auto", "last_messages")
            or (
                last is not None
                and (isinstance(last, bool) or not isinstance(last, int) or last < 1)
            )
        ):
            raise InvalidRequest(
                "Invalid 'truncation_strategy': auto, or last_messages with a count.",
                "truncation_strategy",
            )
    choice = body.get("tool_choice")
    if choice is not None and choice not in ("none", "auto", "required"):
        named = choice.get("function") if isinstance(choice, dict) else None
        if not (
            isinstance(choice, dict)
            and choice.get("type") in TOOL_TYPES
            and (
                choice["type"] != "function"
                or (isinstance(named, dict) and isinstance(named.get("name"), str))
            )
        ):
            raise InvalidRequest(
                "Invalid 'tool_choice': none, auto, required, or a tool by its type.",
                "tool_choice",
            )
    if body.get("parallel_tool_calls") not in (None, True, False):
        raise InvalidRequest("Invalid 'parallel_tool_calls': a boolean.", "parallel_tool_calls")


def tool_resources(value: Any, make_id: Any) -> dict[str, Any]:
    """The resources as the API keeps them: code_interpreter's file ids (at most 20),
    file_search's one vector store (one asked to be made gets an id)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequest("Invalid 'tool_resources': an object.", "tool_resources")
    kept: dict[str, Any] = {}
    code = value.get("code_interpreter")
    if code is not None:
        files = code.get("file_ids", []) if isinstance(code, dict) else None
        if (
            not isinstance(files, list)
            or len(files) > 20
            or not all(isinstance(f, str) for f in files)
        ):
            raise InvalidRequest(
                "Invalid 'tool_resources.code_interpreter.file_ids': at most 20 file ids.",
                "tool_resources",
            )
        kept["code_interpreter"] = {"file_ids": list(files)}
    search = value.get("file_search")
    if search is not None:
        if not isinstance(search, dict):
            raise InvalidRequest(
                "Invalid 'tool_resources.file_search': an object.", "tool_resources"
            )
        stores = search.get("vector_store_ids", [])
        made = search.get("vector_stores") or []
        if (
            not isinstance(stores, list)
            or not all(isinstance(s, str) for s in stores)
            or not isinstance(made, list)
            or len(stores) + len(made) > 1
        ):
            raise InvalidRequest(
                "Invalid 'tool_resources.file_search': one vector store at most.",
                "tool_resources",
            )
        kept["file_search"] = {"vector_store_ids": [*stores, *(make_id("vs_") for _ in made)]}
    return kept


def kept_tools(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tools (checked by `tools`) as the API gives them back: a function's name,
    description, parameters and strict; file_search's result count; nothing else."""
    kept: list[dict[str, Any]] = []
    for tool in found:
        if tool["type"] == "function":
            function = tool["function"]
            shown: dict[str, Any] = {"name": function["name"]}
            for key in ("description", "parameters"):
                if key in function:
                    shown[key] = function[key]
            if isinstance(function.get("strict"), bool):
                shown["strict"] = function["strict"]
            kept.append({"type": "function", "function": shown})
        elif tool["type"] == "file_search":
            options = tool.get("file_search")
            count = options.get("max_num_results") if isinstance(options, dict) else None
            if isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= 50:
                kept.append({"type": "file_search", "file_search": {"max_num_results": count}})
            else:
                kept.append({"type": "file_search"})
        else:
            kept.append({"type": tool["type"]})
    return kept
