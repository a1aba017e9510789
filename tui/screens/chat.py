"""The chat screen: a conversation, a prompt, a status line."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from tui.advice import explain, no_key_message
from tui.widgets.messages import ReplyView, UserMessage
from tui.widgets.prompt_input import PromptInput
from tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from tui.app import LoomApp
    from tui.store.conversations import ConversationStore

SAVE_SECONDS = 1.0
"""A streaming reply is saved at least this often."""
READ_GAP = 0.03
"""A streaming reply's socket is read at most this often: text is put on screen every
FLUSH_SECONDS (0.125 s) anyway, and each read wakes the process (see SSEEvents)."""


def release_frozen_garbage() -> None:
    """Collect what removed widgets left behind.

    Replies move what they leave alive out of the collector's reach (`gc.freeze`, see
    ReplyView); once a conversation's widgets are removed, their reference cycles would stay
    forever. One full pass, on a user action that replaces the view anyway, frees them.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class ChatScreen(Screen[None]):
    """Talk to a model; the reply streams in as Markdown."""

    CSS_PATH = "chat.tcss"

    BINDINGS = [
        Binding("escape", "stop", "Stop", id="chat.stop", tooltip="Stop the reply, keep its text"),
        Binding("ctrl+o", "pick_model", "Model", id="chat.model", tooltip="Pick a model"),
        Binding("ctrl+r", "retry", "Retry", id="chat.retry", tooltip="Ask the last prompt again"),
        Binding("ctrl+n", "new_chat", "New", id="chat.new", tooltip="Start a new conversation"),
        Binding("f1", "help", "Help", id="chat.help", tooltip="Show every key"),
        Binding("pageup", "scroll_up", "Scroll up", show=False, priority=True, id="chat.page_up"),
        Binding(
            "pagedown",
            "scroll_down",
            "Scroll down",
            show=False,
            priority=True,
            id="chat.page_down",
        ),
        Binding("ctrl+end", "scroll_end", "Latest", show=False, id="chat.end"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.history: list[dict[str, Any]] = []
        self.models: list[str] = []
        self.models_status = "loading the model list…"
        self.reply: ReplyView | None = None
        self._streaming = False
        self.conversation_id: int | None = None
        """The stored conversation on screen, once something was saved."""
        self._last_message_id: int | None = None
        self._store_warned = False

    @property
    def loom(self) -> LoomApp:
        """The app, typed."""
        from tui.app import LoomApp

        assert isinstance(self.app, LoomApp)
        return self.app

    @property
    def streaming(self) -> bool:
        """Whether a reply is arriving now."""
        return self._streaming

    def compose(self) -> ComposeResult:
        settings = self.loom.settings
        with VerticalScroll(id="conversation"):
            yield Static(Text(self._welcome()), id="welcome")
        yield PromptInput(id="prompt")
        status = StatusLine(id="status")
        status.set_reactive(StatusLine.model, settings.model)
        yield status
        yield Footer(compact=True, show_command_palette=False)

    def _welcome(self) -> str:
        settings = self.loom.settings
        if settings.demo:
            return (
                "Demo mode: Loom is talking to its built-in simulator on 127.0.0.1 — no key, "
                "no network. Replies quote your message, then show some Markdown.\n"
                "Type a message and press Enter. F1 shows every key."
            )
        if not settings.can_send:
            return no_key_message(settings)
        return f"Connected to {settings.base_url}. Type a message and press Enter. F1: keys."

    def on_mount(self) -> None:
        conversation = self.query_one("#conversation", VerticalScroll)
        conversation.anchor()
        self.query_one("#prompt", PromptInput).focus()
        self._update_server_label()
        if not self.loom.settings.can_send:
            self.models_status = "no API key: set OPENAI_API_KEY or run loom --demo"

    def after_first_frame(self) -> None:
        """Start background work once the screen is on the terminal (see LoomApp.on_ready)."""
        if self.loom.settings.can_send and not self.models:
            self.load_models()
        self.open_history()

    def _update_server_label(self) -> None:
        settings = self.loom.settings
        label = "demo" if settings.demo else (urlsplit(settings.base_url).hostname or "")
        self.query_one(StatusLine).server = label

    # --- models --------------------------------------------------------------------------

    @work(group="models", exit_on_error=False)
    async def load_models(self) -> None:
        """Fill the model list from the server, in the background."""
        # The client and its imports (httpx, pydantic) load in a thread, off the event loop.
        client = await self.loom.backend.client()
        self._update_server_label()
        from tui.api.errors import APIError

        try:
            models = await client.models.list()
        except APIError as error:
            advice = explain(error, self.loom.settings)
            self.models_status = f"model list: {advice.headline} {advice.fix}"
            self.notify(f"{advice.headline}\n{advice.fix}", title="Model list", severity="warning")
            return
        self.models = [m.id for m in models]
        self.models_status = f"{len(self.models)} models from the server"

    def action_pick_model(self) -> None:
        """Open the model picker."""
        from tui.screens.model_picker import ModelPicker

        status = self.query_one(StatusLine)

        def chosen(model: str | None) -> None:
            if model:
                status.model = model
                self.loom.settings.model = model

        self.app.push_screen(ModelPicker(self.models, status.model, self.models_status), chosen)

    # --- history -------------------------------------------------------------------------

    async def _store(self) -> ConversationStore | None:
        store = await self.loom.backend.store()
        if store is None and not self._store_warned:
            self._store_warned = True
            warning = f"Conversations are not being saved: {self.loom.backend.store_error}"
            self.notify(warning, title="History", severity="warning", timeout=12, markup=False)
            # Also kept in the conversation, where it stays readable after the toast goes.
            view = self.query_one("#conversation", VerticalScroll)
            await view.mount(Static(Text(warning), classes="history-warning"), before=0)
        return store

    @work(group="history", exit_on_error=False)
    async def open_history(self) -> None:
        """Reopen the most recent conversation, as it was left."""
        store = await self._store()
        if store is None or self.history or self._streaming:
            return
        recent = store.conversations()
        if not recent:
            return
        conversation = recent[0]
        messages = store.messages(conversation.id)
        if self.history or self._streaming:
            return  # the user started typing a new conversation meanwhile
        view = self.query_one("#conversation", VerticalScroll)
        for message in messages:
            if message.role == "user":
                await view.mount(UserMessage(message.content))
            elif message.role == "assistant":
                reply = ReplyView(message.model or conversation.model)
                await view.mount(reply)
                reply.restore(message.content, message.finish_reason, message.incomplete)
            else:
                continue
            if message.content:
                self.history.append({"role": message.role, "content": message.content})
            self._last_message_id = message.id
        self.conversation_id = conversation.id
        view.anchor()

    async def _save_user_message(self, text: str) -> None:
        store = await self._store()
        if store is None:
            return
        if self.conversation_id is None:
            from tui.store.conversations import title_from

            model = self.query_one(StatusLine).model
            self.conversation_id = store.create(title=title_from(text), model=model).id
        message = store.add_message(
            self.conversation_id, "user", text, parent_id=self._last_message_id
        )
        self._last_message_id = message.id

    async def _begin_reply_record(self, model: str) -> int | None:
        store = await self._store()
        if store is None or self.conversation_id is None:
            return None
        message = store.add_message(
            self.conversation_id,
            "assistant",
            "",
            parent_id=self._last_message_id,
            model=model,
            incomplete=True,
        )
        return message.id

    def _save_reply(self, record: int | None, text: str, **fields: Any) -> None:
        store = self.loom.backend.current_store
        if store is not None and record is not None:
            store.save_reply(record, text, **fields)

    async def _save_reply_off_loop(self, record: int | None, text: str, **fields: Any) -> None:
        # A long reply is a large write (and, once it ends, a full-text index update):
        # done in a thread so keys and rendering go on meanwhile.
        if self.loom.backend.current_store is not None and record is not None:
            await asyncio.to_thread(self._save_reply, record, text, **fields)

    # --- sending -------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def _submitted(self, event: PromptInput.Submitted) -> None:
        text = event.text
        if not text.strip():
            return
        if self._streaming:
            self.notify("A reply is still arriving: press Esc to stop it first.", timeout=3)
            return
        if not self.loom.settings.can_send:
            self.notify(
                "No API key: set OPENAI_API_KEY and restart, or run `loom --demo`.",
                severity="error",
                timeout=6,
            )
            return
        event.prompt.clear()
        self.history.append({"role": "user", "content": text})
        conversation = self.query_one("#conversation", VerticalScroll)
        await conversation.mount(UserMessage(text))
        # Stored before the request leaves: a crash from here on loses nothing typed.
        await self._save_user_message(text)
        await self._start_reply()

    async def _start_reply(self) -> None:
        conversation = self.query_one("#conversation", VerticalScroll)
        model = self.query_one(StatusLine).model
        reply = ReplyView(model)
        self.reply = reply
        await conversation.mount(reply)
        conversation.anchor()
        self._streaming = True
        self.query_one(StatusLine).state = "streaming…"
        self.stream_reply(reply, model, list(self.history))

    @work(exclusive=True, group="chat", exit_on_error=False)
    async def stream_reply(
        self, reply: ReplyView, model: str, history: list[dict[str, Any]]
    ) -> None:
        """Stream one reply into `reply`, posting its text as it arrives."""
        record = await self._begin_reply_record(model)
        try:
            await self._stream(reply, model, history, record)
        except asyncio.CancelledError:
            reply.post_message(ReplyView.Stopped())
            self.query_one(StatusLine).state = "stopped"
            self._remember(reply.text)
            self._save_reply(record, reply.text, incomplete=True, finish_reason="stopped")
            raise
        except Exception:
            self._save_reply(record, reply.text, incomplete=True, finish_reason="error")
            raise
        finally:
            self._streaming = False

    async def _stream(
        self, reply: ReplyView, model: str, history: list[dict[str, Any]], record: int | None
    ) -> None:
        status = self.query_one(StatusLine)
        sent = time.monotonic()
        first: float | None = None
        chunks = 0
        # The client and its imports load in a thread on first use, off the event loop.
        client = await self.loom.backend.client()
        from tui.api.errors import APIError
        from tui.api.schemas import ChatCompletionRequest, StreamOptions

        request = ChatCompletionRequest.model_validate(
            {
                "model": model,
                "messages": history,
                "stream_options": StreamOptions(include_usage=True),
            }
        )
        delta: ReplyView.Delta | None = None
        next_save = time.monotonic() + SAVE_SECONDS
        try:
            async with client.chat.stream(request, read_gap=READ_GAP) as stream:
                async for chunk in stream:
                    if record is not None and time.monotonic() >= next_save:
                        # What has arrived is on disk at least every SAVE_SECONDS.
                        await self._save_reply_off_loop(record, reply.text)
                        next_save = time.monotonic() + SAVE_SECONDS
                    for choice in chunk.choices:
                        content = choice.delta.content or choice.delta.refusal
                        if content and choice.index == 0:
                            if first is None:
                                first = time.monotonic()
                            chunks += 1
                            # Coalesce into the Delta still waiting in the queue, if any.
                            if delta is None or not delta.add(content):
                                delta = ReplyView.Delta(content)
                                reply.post_message(delta)
        except APIError as error:
            advice = explain(error, self.loom.settings)
            reply.post_message(ReplyView.Failed(advice))
            status.state = advice.headline
            self._remember(reply.text)
            self._save_reply(
                record,
                reply.text,
                incomplete=True,
                finish_reason="error",
                request_id=error.request_id,
            )
            return
        ended = time.monotonic()
        usage = stream.usage
        reply.post_message(ReplyView.Done(stream.finish_reason))
        status.prompt_tokens = usage.prompt_tokens if usage else None
        completion = usage.completion_tokens if usage else chunks
        status.completion_tokens = completion
        status.ttft = None if first is None else first - sent
        span = ended - first if first is not None else 0.0
        status.tokens_per_second = completion / span if span > 0 else None
        status.state = "" if stream.finish_reason != "length" else "cut at token limit"
        self._remember(stream.text or stream.refusal)
        self._streaming = False  # the reply is whole: Esc has nothing left to stop
        await self._save_reply_off_loop(
            record,
            stream.text or stream.refusal,
            incomplete=False,
            finish_reason=stream.finish_reason,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=completion,
            ttft=status.ttft,
            duration=ended - sent,
            request_id=stream.request_id,
        )

    def _remember(self, text: str) -> None:
        if text:
            self.history.append({"role": "assistant", "content": text})

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self._streaming = False
            advice = explain(event.worker.error, self.loom.settings)
            if event.worker.group == "chat" and self.reply is not None:
                self.reply.post_message(ReplyView.Failed(advice))
            self.notify(f"{advice.headline}\n{advice.detail}", severity="error", timeout=8)

    # --- actions -------------------------------------------------------------------------

    def action_stop(self) -> None:
        """Stop the reply that is streaming; its text stays."""
        if self._streaming:
            self.workers.cancel_group(self, "chat")

    async def action_retry(self) -> None:
        """Ask the last prompt again, replacing a failed or stopped reply in the history."""
        if self._streaming:
            self.notify("A reply is still arriving: press Esc to stop it first.", timeout=3)
            return
        while self.history and self.history[-1]["role"] == "assistant":
            self.history.pop()
        if not self.history:
            self.notify("Nothing to retry yet: type a message first.", timeout=3)
            return
        await self._start_reply()

    async def action_new_chat(self) -> None:
        """Clear the conversation."""
        if self._streaming:
            self.workers.cancel_group(self, "chat")
        self.history.clear()
        self.reply = None
        self.conversation_id = None
        self._last_message_id = None
        conversation = self.query_one("#conversation", VerticalScroll)
        await conversation.remove_children()
        release_frozen_garbage()
        await conversation.mount(Static(Text(self._welcome()), id="welcome"))
        status = self.query_one(StatusLine)
        status.prompt_tokens = status.completion_tokens = None
        status.ttft = status.tokens_per_second = None
        status.state = ""
        self.query_one("#prompt", PromptInput).focus()

    def action_scroll_up(self) -> None:
        """Scroll the conversation up a page."""
        self.query_one("#conversation", VerticalScroll).scroll_page_up()

    def action_scroll_down(self) -> None:
        """Scroll the conversation down a page."""
        self.query_one("#conversation", VerticalScroll).scroll_page_down()

    def action_scroll_end(self) -> None:
        """Jump to the newest message and follow it again."""
        self.query_one("#conversation", VerticalScroll).anchor()

    def action_help(self) -> None:
        """Show every key of this screen."""
        from tui.screens.help import HelpScreen, describe_bindings

        sections = [
            ("Writing", describe_bindings(list(PromptInput.BINDINGS))),
            ("Chat", describe_bindings(list(self.BINDINGS))),
            ("Everywhere", describe_bindings(list(self.app.BINDINGS))),
        ]
        intro = (
            "Enter sends your message; the reply streams in as Markdown and the view follows "
            "it unless you scroll up (PageUp/PageDown scroll, ctrl+end follows again). "
            "Esc stops a reply and keeps what arrived."
        )
        self.app.push_screen(HelpScreen("Loom · chat", sections, intro))
