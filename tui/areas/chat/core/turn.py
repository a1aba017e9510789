"""One message of the conversation shown — what the user wrote, or a reply — with the
version of it the store has."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core.advice import Advice

if TYPE_CHECKING:
    from tui.store.conversations import Message


@dataclass(eq=False)
class Turn:
    """One message of the conversation shown: what the user wrote, or a reply."""

    role: str
    content: str = ""
    images: list[str] = field(default_factory=list)
    model: str | None = None
    record_id: int | None = None
    """The stored message, once saved."""
    finish_reason: str | None = None
    incomplete: bool = False
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    ttft: float | None = None
    duration: float | None = None
    request_id: str | None = None
    tool_calls: list[dict[str, str]] = field(default_factory=list)
    error: dict[str, str] | None = None
    """What ended a failed reply: Advice.as_dict()."""
    branch: tuple[int, int] = (1, 1)
    """Which of its versions this message is, and how many there are."""
    streamed: bool = True
    """False when the server sent the whole reply at once."""
    tokens_per_second: float | None = None
    version: int = 0
    """Bumped on every change; the store has `saved_version`."""
    saved_version: int = -1

    @property
    def saved(self) -> bool:
        """Whether the store holds this turn as it is now."""
        return self.record_id is not None and self.saved_version == self.version

    @property
    def advice(self) -> Advice | None:
        """The error that ended this reply, if one did."""
        return Advice.from_dict(self.error) if self.error else None

    def changed(self) -> None:
        """Note a change, so the next save writes it."""
        self.version += 1

    def text_for_request(self) -> str:
        """The text this turn contributes to later requests."""
        from tui.areas.chat.core.toolcalls import as_turn_text

        return as_turn_text(self.content, self.tool_calls)

    @classmethod
    def from_message(cls, message: Message, branch: tuple[int, int]) -> Turn:
        """A stored message as a turn (saved as it is)."""
        return cls(
            role=message.role,
            content=message.content,
            images=list(message.images),
            model=message.model,
            record_id=message.id,
            finish_reason=message.finish_reason,
            incomplete=message.incomplete,
            prompt_tokens=message.prompt_tokens,
            completion_tokens=message.completion_tokens,
            ttft=message.ttft,
            duration=message.duration,
            request_id=message.request_id,
            tool_calls=list(message.tool_calls),
            error=message.error,
            branch=branch,
            saved_version=0,
        )
