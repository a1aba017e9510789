"""Conversations to Markdown and JSON, and JSON back in. No Textual here: the shell's
`loom export` and the chat screen share it."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from tui.core.text import moment, redact, safe
from tui.store.conversations import REPLY_FIELDS, Conversation, ConversationStore, Message

FORMAT = "loom.conversation"
VERSION = 1
_META = (*(f for f in REPLY_FIELDS if f != "tool_calls"), "created")
"""Loom's figures of each message in the JSON export (tool calls go in the message)."""


class ImportProblem(ValueError):
    """The file is not a conversation Loom can read; the message says what is wrong."""


def file_stem(title: str) -> str:
    """A file name made from a title: lower case, letters, digits, - and _ only."""
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in title.lower())
    return "-".join(part for part in stem.split("-") if part)[:60] or "conversation"


def _stamp(seconds: float) -> str:
    return moment(seconds)


def to_markdown(conversation: Conversation, messages: list[Message]) -> str:
    """The conversation as a Markdown document: a heading per turn, replies as they were."""
    lines = [f"# {conversation.title or 'Untitled'}", ""]
    about = [conversation.model] if conversation.model else []
    about += [
        f"started {_stamp(conversation.created)}",
        f"exported {_stamp(time.time())} from Loom",
    ]
    lines.append("_" + " · ".join(about) + "_")
    lines.append("")
    if conversation.system_prompt:
        lines += ["## System", "", conversation.system_prompt, ""]
    if conversation.params:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(conversation.params.items()))
        lines += [f"Parameters: {shown}", ""]
    for message in messages:
        if message.role == "user":
            lines += ["## You", ""]
        else:
            figures = [m for m in (message.model or conversation.model,) if m]
            if message.completion_tokens is not None:
                figures.append(f"{message.completion_tokens} tokens")
            if message.incomplete:
                figures.append("incomplete")
            lines += [f"## Assistant ({', '.join(figures)})" if figures else "## Assistant", ""]
        if message.content.strip():
            lines += [message.content.rstrip(), ""]
        if message.tool_calls:
            from tui.areas.chat.core.toolcalls import describe

            lines += ["Asked to call tools:", "", "```", describe(message.tool_calls), "```", ""]
        if message.error:
            error = message.error
            lines += [f"> ✗ {error.get('headline', '')} {error.get('detail', '')}".rstrip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(conversation: Conversation, messages: list[Message]) -> dict[str, Any]:
    """The API's `messages` (system prompt first), and Loom's metadata beside them."""
    api_messages: list[dict[str, Any]] = []
    if conversation.system_prompt:
        api_messages.append({"role": "system", "content": conversation.system_prompt})
    from tui.areas.chat.core.toolcalls import api_shape
    from tui.core.chat_messages import request_content

    for m in messages:
        entry: dict[str, Any] = {"role": m.role, "content": request_content(m.content, m.images)}
        if m.tool_calls:
            entry["tool_calls"] = api_shape(m.tool_calls)
        api_messages.append(entry)
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": conversation.title,
        "model": conversation.model,
        "params": conversation.params,
        "created": conversation.created,
        "updated": conversation.updated,
        "messages": api_messages,
        "metadata": [{key: getattr(m, key) for key in _META} for m in messages],
    }


def import_json(store: ConversationStore, data: object) -> Conversation:
    """A new conversation from `to_json`'s output (or any object with the API's
    `messages`); raises ImportProblem naming what is wrong. Everything is checked before
    anything is written: a refused file leaves no half conversation behind."""
    if not isinstance(data, dict):
        raise ImportProblem("expected a JSON object with a `messages` list")
    raw = data.get("messages")
    if not isinstance(raw, list) or not raw:
        raise ImportProblem("there is no `messages` list, or it is empty")
    system = ""
    turns: list[tuple[str, str, list[str]]] = []
    calls: list[list[dict[str, str]]] = []
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict) or item.get("role") not in {"system", "user", "assistant"}:
            raise ImportProblem(f"message {n} has no role of system, user or assistant")
        content = item.get("content")
        if content is None and item.get("tool_calls"):
            content = ""
        images: list[str] = []
        if isinstance(content, list):  # content parts: text, and images by URL
            parts = [part for part in content if isinstance(part, dict)]
            images = [
                _text(part["image_url"].get("url", ""), f"message {n}'s image")
                for part in parts
                if part.get("type") == "image_url" and isinstance(part.get("image_url"), dict)
            ]
            content = "\n".join(str(part.get("text", "")) for part in parts if "text" in part)
        if not isinstance(content, str):
            raise ImportProblem(f"message {n} has no text content")
        content = _text(content, f"message {n}")
        if item["role"] == "system":
            system = content
        else:
            turns.append((item["role"], content, images))
            calls.append(_calls(item.get("tool_calls"), n))
    metadata = data.get("metadata")
    if not isinstance(metadata, list) or len(metadata) != len(turns):
        metadata = [{} for _ in turns]
    checked = [_metadata(meta, n) for n, meta in enumerate(metadata)]
    title = _text(data.get("title") or "", "title")
    if not title:
        from tui.store.conversations import title_from

        title = title_from(next((c for r, c, _ in turns if r == "user"), "Imported"))
    params = data.get("params") if data.get("params") is not None else {}
    from tui.core.chat_params import check_all

    problems = check_all(params)
    if problems:
        raise ImportProblem("params: " + "; ".join(problems))
    assert isinstance(params, dict)
    for meta, asked in zip(checked, calls, strict=True):
        if asked:
            meta["tool_calls"] = asked
    with store.transaction():
        return _write(store, title, data, system, params, turns, checked)


def _write(
    store: ConversationStore,
    title: str,
    data: dict[str, Any],
    system: str,
    params: dict[str, Any],
    turns: list[tuple[str, str, list[str]]],
    checked: list[dict[str, Any]],
) -> Conversation:
    conversation = store.create(
        title=title,
        model=_text(data.get("model") or "", "model"),
        system_prompt=system,
        params=params,
    )
    parent: int | None = None
    for (role, content, images), meta in zip(turns, checked, strict=True):
        message = store.add_message(
            conversation.id,
            role,
            content,
            parent_id=parent,
            model=meta.get("model"),
            images=images,
        )
        if role == "assistant":
            fields = {k: meta[k] for k in REPLY_FIELDS if meta.get(k) is not None}
            store.save_reply(message.id, content, **fields)
        parent = message.id
    return store.get(conversation.id)


def render(store: ConversationStore, conversation: Conversation, fmt: str) -> str:
    """The conversation's branch on screen, as `md` or `json` text, safe to print: secrets
    masked, and no terminal control sequences (removed from Markdown, escaped in JSON)."""
    messages = store.path(conversation.id)
    if fmt == "md":
        return safe(to_markdown(conversation, messages))
    text = json.dumps(to_json(conversation, messages), indent=2, ensure_ascii=False) + "\n"
    return terminal_safe_json(redact(text))


_UNESCAPED = re.compile(r"[\x7f-\x9f]")


def terminal_safe_json(text: str) -> str:
    """JSON text with DEL and the C1 controls escaped as well (json.dumps escapes only
    C0): such characters occur only inside strings, where `\\u00XX` means the same."""
    return _UNESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


MAX_NESTING = 64
"""An import nested deeper than this is refused (a conversation is three levels deep)."""


def load_json(raw: bytes) -> object:
    """Parse an import file; ImportProblem says what is wrong, in one line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportProblem(
            f"is not UTF-8 text (byte {error.start}: {raw[error.start : error.start + 1]!r}); "
            "export it again as UTF-8"
        ) from None

    def refuse(constant: str) -> object:
        raise ImportProblem(f"holds {constant}, which is not a JSON number")

    try:
        data = json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as error:
        raise ImportProblem(
            f"is not JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except RecursionError:
        raise ImportProblem("is nested too deeply to be a conversation") from None
    if _depth(data) > MAX_NESTING:
        raise ImportProblem("is nested too deeply to be a conversation")
    return data


def _depth(value: object, level: int = 0) -> int:
    if level > MAX_NESTING:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _text(value: object, where: str) -> str:
    """A string from an import, checked to be valid Unicode (no lone surrogates)."""
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ImportProblem(
            f"{where} is not valid Unicode (character {error.start}: "
            f"{text[error.start]!r}, a lone surrogate)"
        ) from None
    return text


_META_TYPES: dict[str, tuple[type, ...]] = {
    "model": (str,),
    "finish_reason": (str,),
    "prompt_tokens": (int,),
    "completion_tokens": (int,),
    "ttft": (int, float),
    "duration": (int, float),
    "request_id": (str,),
    "incomplete": (bool,),
}


def _calls(value: object, n: int) -> list[dict[str, str]]:
    """The API's `tool_calls` of an imported message, checked."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ImportProblem(f"message {n}'s tool_calls should be a list")
    calls = []
    for call in value:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            raise ImportProblem(f"message {n}'s tool_calls need a function each")
        calls.append(
            {
                "id": _text(call.get("id") or "", f"message {n}'s tool call id"),
                "name": _text(function.get("name") or "", f"message {n}'s tool name"),
                "arguments": _text(function.get("arguments") or "", f"message {n}'s arguments"),
            }
        )
    return calls


def _metadata(meta: object, n: int) -> dict[str, Any]:
    if not isinstance(meta, dict):
        return {}
    checked: dict[str, Any] = {}
    for key, kinds in _META_TYPES.items():
        value = meta.get(key)
        if value is None:
            continue
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            kind = "text" if str in kinds else "true or false" if bool in kinds else "a number"
            raise ImportProblem(f"metadata[{n}].{key} should be {kind}, not {value!r:.40}")
        checked[key] = _text(value, f"metadata[{n}].{key}") if isinstance(value, str) else value
    error = meta.get("error")
    if error is not None:
        if not isinstance(error, dict) or not all(isinstance(v, str) for v in error.values()):
            raise ImportProblem(f"metadata[{n}].error should be an object of texts")
        checked["error"] = {str(k): _text(v, f"metadata[{n}].error") for k, v in error.items()}
    return checked
