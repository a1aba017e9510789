"""A stored conversation as the Chat Completions API's messages: what chat sends again with
every turn, what its JSON export writes, and what a batch asks again of another model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.store.conversations import Message


def request_content(text: str, images: list[str]) -> str | list[dict[str, object]]:
    """A user message's content for the API: plain text, or parts when images (data URLs)
    go with it."""
    if not images:
        return text
    parts: list[dict[str, object]] = [{"type": "text", "text": text}]
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in images]
    return parts


def prompts(system_prompt: str, messages: Sequence[Message]) -> list[list[dict[str, Any]]]:
    """For each user message of a conversation, the messages a request asking it again
    sends: the system prompt, the conversation before it (replies that failed or came
    empty left out, a reply's tool calls kept in words) and the prompt itself."""
    history: list[dict[str, Any]] = []
    if system_prompt:
        history.append({"role": "system", "content": system_prompt})
    asked: list[list[dict[str, Any]]] = []
    for message in messages:
        if message.role == "user":
            history.append(
                {"role": "user", "content": request_content(message.content, message.images)}
            )
            asked.append(list(history))
        elif message.role == "assistant" and message.error is None:
            text = message.content
            if message.tool_calls:
                names = ", ".join(call.get("name", "?") for call in message.tool_calls)
                text = (
                    f"{text}\n\n[asked to call: {names}]" if text else f"[asked to call: {names}]"
                )
            if text:
                history.append({"role": "assistant", "content": text})
        elif message.role == "system" and message.content:
            history.append({"role": "system", "content": message.content})
    return asked
