"""What kind of model an id names, for lists that offer models to chat with."""

from __future__ import annotations

NOT_FOR_CHAT = (
    "embed",
    "whisper",
    "tts",
    "dall-e",
    "gpt-image",
    "moderation",
    "davinci",
    "babbage",
    "sora",
    "transcribe",
    "realtime",
    "rerank",
)
"""Parts of model ids that name models the chat completions endpoint does not serve."""


def is_chat_model(model_id: str) -> bool:
    """Whether a model id (OpenAI's or a compatible server's) looks like a chat model."""
    lowered = model_id.lower()
    return not any(part in lowered for part in NOT_FOR_CHAT)
