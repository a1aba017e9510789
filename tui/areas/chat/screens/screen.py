"""The chat screen: renders a `ChatSession` and turns keys into what it asks of it.

The session (tui.areas.chat.core.session) holds the conversation, builds requests, streams and
saves; this screen shows its turns as widgets, streams replies into them, and owns the
dialogs, the conversation list and the status line.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static, TextArea
from textual.worker import WorkerCancelled, WorkerFailed

from tui.areas.chat.core.session import (
    ChatSession,
    Turn,
)
from tui.areas.chat.widgets.messages import (
    FLUSH_SECONDS,
    ChatItem,
    ReplyView,
    UserMessage,
)
from tui.areas.chat.widgets.prompt_input import PromptInput
from tui.areas.chat.widgets.reply_body import RenderCache
from tui.areas.chat.widgets.sidebar import Sidebar
from tui.areas.chat.widgets.status_line import StatusLine
from tui.core.advice import explain, no_key_message
from tui.core.failures import StoreError, cause_of
from tui.core.gcpolicy import GC
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain
from tui.widgets.relay import Relayed
from tui.widgets.relayout import NoRelayoutOnResize

if TYPE_CHECKING:
    from tui.areas.chat.core.attachments import Attachment

from tui.areas.chat.screens.base import NARROW, export_dir
from tui.areas.chat.screens.conversations import ConversationList
from tui.areas.chat.screens.keys import BINDINGS
from tui.areas.chat.screens.message_actions import MessageActions
from tui.areas.chat.screens.panels import Panels
from tui.areas.chat.screens.replies import Replies

__all__ = ["NARROW", "SHOWN_AT_ONCE", "ChatScreen", "ConversationView", "export_dir"]

SHOWN_AT_ONCE = 20
"""A conversation opens on this many of its newest messages; PageUp at the top adds more."""


class ConversationView(NoRelayoutOnResize, VerticalScroll, can_focus=False):
    """The scrolling conversation; its scroll bars follow its content without a second
    full-screen layout each time a streaming reply grows. It takes no focus itself: shift+tab
    from the prompt goes straight to the newest message."""


class SaveStateChanged(Relayed):
    """Saving the conversation started failing (why) or works again (None)."""


class ChatScreen(Replies, MessageActions, ConversationList, Panels):
    """Talk to a model; the reply streams in as Markdown. Conversations are kept, listed in
    a sidebar, searchable, branchable and exportable."""

    CSS_PATH = "chat.tcss"

    BINDINGS = BINDINGS

    def __init__(self) -> None:
        super().__init__()
        self.models: list[str] = []
        self.models_status = "loading the model list…"
        self.session = ChatSession(self.services.context)
        self.services.on_close.append(self.session.close)
        self.reply: ReplyView | None = None
        """The reply view streaming now, or shown last."""
        self._editing: UserMessage | None = None
        self._first_shown = 0
        """Index in the session's turns of the first one mounted (older ones wait)."""
        self.attachments: list[Attachment] = []
        """Files to go with the next message."""
        self.render_cache = RenderCache()
        """The rendered lines of the replies on screen that were used last."""
        self._flush_seconds = FLUSH_SECONDS

    def compose(self) -> ComposeResult:
        from tui.screens.modes import mode_bar

        bar = mode_bar("chat")
        if bar is not None:
            yield bar
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="main"):
                with ConversationView(id="conversation"):
                    yield Static(plain(self._welcome()), id="welcome")
                yield PromptInput(id="prompt")
                status = StatusLine(id="status")
                status.set_reactive(StatusLine.model, self.session.model)
                yield status
        yield KeyFooter()

    def _welcome(self) -> str:
        settings = self.services.settings
        if settings.demo:
            return (
                "Demo mode: Loom is talking to its built-in simulator on 127.0.0.1 — no key, "
                "no network. Replies quote your message, then show some Markdown.\n"
                "Type a message and press Enter. F1 shows every key."
            )
        note = (
            f"\n\nConfig: {settings.config_problem} (the defaults are in use)"
            if settings.config_problem
            else ""
        )
        if not settings.can_send:
            return no_key_message(settings) + note
        where = f"Profile {settings.profile}: " if settings.profile else "Server: "
        return f"{where}{settings.base_url}. Type a message and press Enter. F1: keys.{note}"

    def on_mount(self) -> None:
        self.listen(self.session.save_state, SaveStateChanged)
        self.listen(self.services.store_changed, SaveStateChanged)
        self._view().anchor()
        self._prompt().focus()
        self._update_server_label()
        if hasattr(self.app, "low_bandwidth"):
            self.watch(self.app, "low_bandwidth", self._bandwidth_changed)
        self.query_one(Sidebar).set_class(self.app.size.width < NARROW, "hidden")
        if not self.services.settings.can_send:
            self.models_status = "no API key: set OPENAI_API_KEY or run loom --demo"

    def after_first_frame(self) -> None:
        """Start background work once the screen is on the terminal (see LoomApp.on_ready):
        the last conversation first, then the model list (and in demo mode the simulator)
        and the Markdown warm-up: threads importing big libraries hold the GIL most of the
        time, and reopening what was left waited 0.6 s behind them."""
        self.open_history()

    def _update_server_label(self) -> None:
        settings = self.services.settings
        label = settings.profile or urlsplit(settings.base_url).hostname or ""
        self._status().server = "demo" if settings.demo else label

    def settings_changed(self) -> None:
        """Another profile is in use: its server, its model, its model list."""
        self._update_server_label()
        self.models = []
        self.models_status = "loading the model list…"
        if not self.streaming and not self.session.turns:
            self.session.start_new()
            self._status().model = self.session.model
        if self.services.settings.can_send:
            self.load_models()

    @work(group="models", exit_on_error=False)
    async def load_models(self) -> None:
        """Fill the model list from the server, in the background."""
        # The client and its imports (httpx, pydantic) load in a thread, off the event loop.
        await self.services.client()
        self._update_server_label()
        from tui.core.failures import APIError

        catalogue = self.services.catalogue
        try:
            await catalogue.refresh()
        except APIError as error:
            advice = explain(error, self.services.settings)
            self.models_status = f"model list: {advice.headline} {advice.fix}"
            if catalogue.current.models:  # the list kept from last time is still offered
                self.models = catalogue.current.ids()
                self.models_status += " (the list from last time is shown)"
            self.notify(f"{advice.headline}\n{advice.fix}", title="Model list", severity="warning")
            return
        self.models = catalogue.current.ids()
        self.models_status = f"{len(self.models)} models from the server"

    @on(SaveStateChanged)
    def _save_state_changed(self, message: SaveStateChanged | None = None) -> None:
        """The session could or could not save: say so where the eye is."""
        if self.session.save_problem:
            self._status().saving = "⚠ not saved, retrying"
        else:
            store = self.services.store_problem()
            self._status().saving = "⚠ not saving" if store else ""

    @work(group="history", exit_on_error=False)
    async def open_history(self) -> None:
        """Fill the conversation list and reopen the conversation last shown as it was;
        then load the model list."""
        try:
            await self.query_one(Sidebar).build()
            self.reload_sidebar()
            if self.session.turns or self.streaming:
                return
            try:
                opened = await self.session.open_last()
            except StoreError as error:
                await self._show_store_warning(cause_of(error))
                return
            if opened and not self.streaming and not self._items():
                await self._show_session()
        finally:
            if self.services.settings.can_send and not self.models:
                self.load_models()
            warm_up = getattr(self.app, "warm_up", None)
            if callable(warm_up):
                warm_up()

    async def _show_store_warning(self, problem: str) -> None:
        # No toast: the app says the store's cause once (LoomApp._store_changed). This stays
        # in the conversation, readable after that toast goes.
        warning = f"The last conversation could not be reopened: {problem}"
        await self._view().mount(Static(plain(warning), classes="history-warning"), before=0)

    async def _clear_view(self) -> VerticalScroll:
        """Empty the conversation view and what belongs to the conversation shown."""
        view = self._view()
        had_messages = bool(self.query(ChatItem))
        await view.remove_children()
        if had_messages:
            GC.removed()
        self.reply = None
        self._editing = None
        self._status().clear_figures()
        return view

    async def load_conversation(
        self, conversation_id: int, leaf_id: int | None = None, focus: int | None = None
    ) -> None:
        """Show a stored conversation (the branch ending at `leaf_id`, or the one last shown),
        optionally focusing one of its messages."""
        await self._stop_streaming()
        try:
            await self.session.open(conversation_id, leaf_id)
        except KeyError:
            self.notify("That conversation no longer exists.", severity="warning", timeout=4)
            self.reload_sidebar()
            return
        except StoreError as error:
            self.notify(str(error), title="Conversations", severity="warning", timeout=10)
            return
        await self._show_session(focus)

    async def _stop_streaming(self) -> None:
        """Stop the reply arriving now (it is saved as it was) and wait for it."""
        if not self.streaming:
            return
        workers = [w for w in self.workers if w.group == "chat"]
        self.workers.cancel_group(self, "chat")
        for worker in workers:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()

    async def _show_session(self, focus: int | None = None) -> None:
        """Mount the session's turns (the newest SHOWN_AT_ONCE of them)."""
        view = await self._clear_view()
        session = self.session
        self._status().model = session.model
        turns = session.turns
        start = max(0, len(turns) - SHOWN_AT_ONCE)
        if focus is not None:
            index = next((i for i, t in enumerate(turns) if t.record_id == focus), start)
            start = min(start, max(0, index - 4))
        self._first_shown = start
        await view.mount(Static("", id="earlier"))
        widgets = await self._mount_turns(turns[start:])
        self._update_earlier()
        self._show_cost()
        self.reload_sidebar()
        target = next((w for w in widgets if focus is not None and w.record_id == focus), None)
        if target is not None:
            view.release_anchor()
            target.focus()
            self.call_after_refresh(target.scroll_visible, top=True, animate=False)
        else:
            view.anchor()

    async def _mount_turns(
        self, turns: list[Turn], before: ChatItem | None = None
    ) -> list[ChatItem]:
        view = self._view()
        widgets = [self._widget_for(turn) for turn in turns]
        if before is not None:
            await view.mount_all(widgets, before=before)
        else:
            await view.mount_all(widgets)
        from tui.core.pricing import reply_figures

        for widget, turn in zip(widgets, turns, strict=True):
            if isinstance(widget, ReplyView):
                widget.restore(
                    turn.content,
                    turn.finish_reason,
                    turn.incomplete,
                    tool_calls=turn.tool_calls,
                    error=turn.advice,
                )
                widget.set_figures(reply_figures(turn, self.services.prices()))
        return widgets

    def _update_earlier(self) -> None:
        for static in self.query("#earlier").results(Static):
            count = self._first_shown
            static.update(
                Text(f"↑ {count:,} earlier messages: PageUp at the top shows more", "dim")
                if count
                else ""
            )
            static.display = bool(count)

    async def _show_earlier(self) -> None:
        """Mount the next older messages above those shown."""
        if not self._first_shown:
            return
        start = max(0, self._first_shown - SHOWN_AT_ONCE)
        batch = self.session.turns[start : self._first_shown]
        self._first_shown = start
        items = self._items()
        await self._mount_turns(batch, before=items[0] if items else None)
        self._update_earlier()

    def _earlier_chars(self) -> int:
        return sum(len(turn.content) for turn in self.session.turns[: self._first_shown])

    @on(TextArea.Changed, "#prompt")
    def _estimate(self, event: TextArea.Changed) -> None:
        """How big the next request will be, before it is sent."""
        prompt = event.text_area
        if not prompt.text.strip():
            prompt.border_subtitle = ""
            return
        from tui.core.pricing import estimate_tokens

        shown = sum(len(item.content) for item in self.query(ChatItem))
        context = len(self.session.system_prompt) + shown + self._earlier_chars()
        tokens = estimate_tokens(len(prompt.text)) + estimate_tokens(context)
        prompt.border_subtitle = Text(f"≈{tokens:,} tokens to send")

    @on(PromptInput.Submitted)
    async def _submitted(self, event: PromptInput.Submitted) -> None:
        text = event.text
        if not text.strip():
            return
        if self._busy():
            event.prompt.restore(text)
            return
        if not self.services.settings.can_send:
            event.prompt.restore(text)
            self.notify(
                "No API key: set OPENAI_API_KEY and restart, or run `loom --demo`.",
                severity="error",
                timeout=6,
            )
            return
        images: list[str] = []
        if self.attachments:
            text = "\n\n".join([text.rstrip(), *(a.inline() for a in self.attachments)])
            images = [a.data_url for a in self.attachments if a.data_url]
            self.attachments = []
            self._show_attachments()
        editing, self._editing = self._editing, None
        self.refresh_bindings()
        replacing = editing.turn if editing is not None else None
        if editing is not None:
            await self._remove_from(editing)
        reply = self.session.add_message(text, images, replacing=replacing)
        user = self.session.turns[-2]
        await self._view().mount(self._widget_for(user))
        # Saved before the request leaves (or marked unsaved): a crash from here on loses
        # nothing typed.
        await self.session.save()
        self._refresh_headers()
        await self._start_reply(reply)

    async def _remove_from(self, item: ChatItem) -> None:
        """Take `item` and everything after it off the screen (they stay stored)."""
        items = self._items()
        going = items[items.index(item) :]
        if self.focused in going:
            # Else Textual focuses a neighbour as the item goes, and scrolls to it: the
            # view would leave the bottom that the next reply is followed from.
            self.set_focus(None, scroll_visible=False)
        for later in going:
            await later.remove()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Esc says what it does now: Stop while a reply streams, Cancel while a message is
        edited or has attachments, nothing (and no footer key) while there is neither."""
        if action == "stop":
            return self.streaming
        if action == "cancel":
            return not self.streaming and (self._editing is not None or bool(self.attachments))
        return True

    def action_cancel(self) -> None:
        """Cancel the edit of a message, or drop the files attached to the next one."""
        if self._editing is not None:
            self._editing = None
            self._prompt().clear()
            self.refresh_bindings()
            self.notify("Edit cancelled.", timeout=2)
        elif self.attachments:
            self.attachments = []
            self._show_attachments()
            self.notify("Attachments removed.", timeout=2)

    async def action_new_chat(self, offer_presets: bool = True) -> None:
        """Start a new conversation (the one on screen stays in the list)."""
        await self._stop_streaming()
        conversation = await self._clear_view()
        self.session.start_new()
        self._status().model = self.session.model
        await conversation.mount(Static(plain(self._welcome()), id="welcome"))
        self.reload_sidebar()
        self._prompt().focus()
        if offer_presets:
            await self._offer_presets()

    async def action_page_back(self) -> None:
        """Scroll the conversation up a page; at the top, show older messages."""
        view = self._view()
        if view.scroll_y <= 0 and self._first_shown:
            await self._show_earlier()
            return
        view.scroll_page_up()

    def action_scroll_down(self) -> None:
        """Scroll the conversation down a page."""
        self._view().scroll_page_down()

    def action_scroll_end(self) -> None:
        """Jump to the newest message and follow it again."""
        self._view().anchor()
