"""What every part of the chat screen shares: its services, its widgets, the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.containers import VerticalScroll
from textual.screen import Screen

from tui.areas.chat.core.session import (
    ChatSession,
    Turn,
)
from tui.areas.chat.widgets.messages import ChatItem, ReplyView, UserMessage
from tui.areas.chat.widgets.prompt_input import PromptInput
from tui.areas.chat.widgets.reply_body import RenderCache
from tui.areas.chat.widgets.status_line import StatusLine
from tui.core.advice import Advice
from tui.core.failures import StoreError
from tui.core.services import Services
from tui.widgets.relay import Relaying

if TYPE_CHECKING:
    from tui.areas.chat.core.attachments import Attachment


NARROW = 100
"""Below this many columns the conversation list starts hidden."""


class ChatBase(Relaying, Screen[None]):
    """The chat screen's common ground; its parts (the screen, the conversation list, the
    message actions, the panels) are mixins over it, each in its own module."""

    session: ChatSession
    reply: ReplyView | None
    models: list[str]
    models_status: str
    attachments: list[Attachment]
    render_cache: RenderCache
    _editing: UserMessage | None
    _first_shown: int
    _flush_seconds: float

    @property
    def services(self) -> Services:
        """The app's services (the app builds them; see tui.core.services)."""
        services = getattr(self.app, "services", None)
        assert isinstance(services, Services), "ChatScreen runs in LoomApp"
        return services

    @property
    def streaming(self) -> bool:
        """Whether a reply is arriving now."""
        return self.session.streaming

    @property
    def conversation_id(self) -> int | None:
        """The stored conversation on screen, once something was saved."""
        return self.session.conversation_id

    @property
    def history(self) -> list[dict[str, Any]]:
        """The conversation as the API's messages, without the system prompt."""
        messages = self.session.request_messages(self.session.turns)
        return [m for m in messages if m["role"] != "system"]

    def _view(self) -> VerticalScroll:
        return self.query_one("#conversation", VerticalScroll)

    def _prompt(self) -> PromptInput:
        return self.query_one("#prompt", PromptInput)

    def _status(self) -> StatusLine:
        return self.query_one(StatusLine)

    def _items(self) -> list[ChatItem]:
        return list(self.query(ChatItem))

    async def _stored(self, what: str, job: Any, *, asked: bool = True) -> Any:
        """Run `job` in the store's thread; None if the store fails. Work the user `asked`
        for says it was not done; background work stays quiet, since the app tells the
        store's one cause once (LoomApp._store_changed) and the status line keeps it."""
        try:
            return await self.services.store.run(what, job)
        except StoreError as error:
            if asked:
                self.notify(str(error), title="Conversations", severity="warning", timeout=10)
            return None

    def _busy(self) -> bool:
        if self.streaming:
            self.notify("A reply is still arriving: press Esc to stop it first.", timeout=3)
        return self.streaming

    # Made by the screen or another part, used across them.

    async def load_conversation(
        self, conversation_id: int, leaf_id: int | None = None, focus: int | None = None
    ) -> None:
        """Show a stored conversation (see ChatScreen)."""
        raise NotImplementedError

    async def action_new_chat(self, offer_presets: bool = True) -> None:
        """Start a new conversation (see ChatScreen)."""
        raise NotImplementedError

    async def _show_session(self, focus: int | None = None) -> None:
        raise NotImplementedError

    async def _start_reply(self, turn: Turn, *, into: ReplyView | None = None) -> None:
        """Stream a reply to `turn` (see Replies)."""
        raise NotImplementedError

    def _widget_for(self, turn: Turn) -> ChatItem:
        """The widget that shows `turn` (see Replies)."""
        raise NotImplementedError

    def _refresh_headers(self) -> None:
        """Redraw each message's version and figures (see Replies)."""
        raise NotImplementedError

    def _show_cost(self) -> None:
        """The conversation's cost so far, in the status line (see Replies)."""
        raise NotImplementedError

    async def _remove_from(self, item: ChatItem) -> None:
        raise NotImplementedError

    def reload_sidebar(self) -> Any:
        """Show the stored conversations in the list (see ConversationList)."""
        raise NotImplementedError


def export_dir(settings: Any) -> Path:
    """Where the chat screen writes exports: `exports/` beside the conversation store."""
    return Path(settings.store_dir) / "exports"


def said(advice: Advice) -> str:
    """Advice as one line."""
    return " ".join(part for part in (advice.headline, advice.detail, advice.fix) if part)
