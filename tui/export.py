"""Conversations to Markdown and JSON, and JSON back in. No Textual here: the shell's
`loom export` and the chat screen share it."""

from __future__ import annotations

import json
import time
from typing import Any

from tui.store.conversations import REPLY_FIELDS, Conversation, ConversationStore, Message

FORMAT = "loom.conversation"
VERSION = 1
_META = (*REPLY_FIELDS, "created")


class ImportProblem(ValueError):
    """The file is not a conversation Loom can read; the message says what is wrong."""


def file_stem(title: str) -> str:
    """A file name made from a title: lower case, letters, digits, - and _ only."""
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in title.lower())
    return "-".join(part for part in stem.split("-") if part)[:60] or "conversation"


def _stamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def to_markdown(conversation: Conversation, messages: list[Message]) -> str:
    """The conversation as a Markdown document: a heading per turn, replies as they were."""
    lines = [f"# {conversation.title or 'Untitled'}", ""]
    lines.append(
        f"*{conversation.model} · started {_stamp(conversation.created)} · "
        f"exported {_stamp(time.time())} from Loom*"
    )
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
            figures = [message.model or conversation.model]
            if message.completion_tokens is not None:
                figures.append(f"{message.completion_tokens} tokens")
            if message.incomplete:
                figures.append("incomplete")
            lines += [f"## Assistant ({', '.join(figures)})", ""]
        lines += [message.content.rstrip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(conversation: Conversation, messages: list[Message]) -> dict[str, Any]:
    """The API's `messages` (system prompt first), and Loom's metadata beside them."""
    api_messages: list[dict[str, Any]] = []
    if conversation.system_prompt:
        api_messages.append({"role": "system", "content": conversation.system_prompt})
    from tui.attachments import request_content

    api_messages += [
        {"role": m.role, "content": request_content(m.content, m.images)} for m in messages
    ]
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
    `messages`); raises ImportProblem naming what is wrong."""
    if not isinstance(data, dict):
        raise ImportProblem("expected a JSON object with a `messages` list")
    raw = data.get("messages")
    if not isinstance(raw, list) or not raw:
        raise ImportProblem("there is no `messages` list, or it is empty")
    system = ""
    turns: list[tuple[str, str, list[str]]] = []
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict) or item.get("role") not in {"system", "user", "assistant"}:
            raise ImportProblem(f"message {n} has no role of system, user or assistant")
        content = item.get("content")
        images: list[str] = []
        if isinstance(content, list):  # content parts: text, and images by URL
            parts = [part for part in content if isinstance(part, dict)]
            images = [
                str(part["image_url"].get("url", ""))
                for part in parts
                if part.get("type") == "image_url" and isinstance(part.get("image_url"), dict)
            ]
            content = "\n".join(str(part.get("text", "")) for part in parts if "text" in part)
        if not isinstance(content, str):
            raise ImportProblem(f"message {n} has no text content")
        if item["role"] == "system":
            system = content
        else:
            turns.append((item["role"], content, images))
    metadata = data.get("metadata")
    if not isinstance(metadata, list) or len(metadata) != len(turns):
        metadata = [{} for _ in turns]
    title = str(data.get("title") or "")
    if not title:
        from tui.store.conversations import title_from

        title = title_from(next((c for r, c, _ in turns if r == "user"), "Imported"))
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    conversation = store.create(
        title=title,
        model=str(data.get("model") or ""),
        system_prompt=system,
        params=params,
    )
    parent: int | None = None
    for (role, content, images), meta in zip(turns, metadata, strict=True):
        meta = meta if isinstance(meta, dict) else {}
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
    """The conversation's branch on screen, as `md` or `json` text."""
    messages = store.path(conversation.id)
    if fmt == "md":
        return to_markdown(conversation, messages)
    return json.dumps(to_json(conversation, messages), indent=2, ensure_ascii=False) + "\n"
