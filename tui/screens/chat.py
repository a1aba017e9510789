"""The chat screen: a conversation, a prompt, a status line."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from tui.advice import explain, no_key_message
from tui.api.conventions import CONTINUE_INSTRUCTION
from tui.gcpolicy import release_removed
from tui.widgets.messages import ChatItem, ReplyView, UserMessage
from tui.widgets.plain import plain
from tui.widgets.prompt_input import PromptInput
from tui.widgets.reply_body import NoRelayoutOnResize
from tui.widgets.sidebar import Sidebar
from tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from tui.app import LoomApp
    from tui.attachments import Attachment
    from tui.store.conversations import ConversationStore, Message

NARROW = 100
"""Below this many columns the conversation list starts hidden."""
SHOWN_AT_ONCE = 20
"""A conversation opens on this many of its newest messages; PageUp at the top adds more."""

INLINE_SAVE_CHARS = 16_000
"""A streaming reply shorter than this is saved on the event loop (under a millisecond);
longer ones in a worker thread."""
READ_GAP = 0.03
"""A streaming reply's socket is read at most this often: text is put on screen every
FLUSH_SECONDS (0.125 s) anyway, and each read wakes the process (see SSEEvents)."""


class ReplySaver:
    """Keeps a streaming reply's stored text up with what is on screen.

    `rendered` is called each time the reply shows more; the text is joined only when it is
    written. Short replies are written at once on the event loop (an UPDATE in WAL, well
    under a millisecond); longer ones in a worker thread, one write at a time, renders
    during a write caught up by the next. So a `kill -9` loses nothing that had been shown.
    `finish` takes the lock the writes take, so no earlier write can land after it.
    """

    def __init__(self, store: ConversationStore | None, reply: ReplyView) -> None:
        self._store = store
        self._record = reply.record_id
        self._reply = reply
        self._lock = threading.Lock()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def rendered(self) -> None:
        """The reply shows more text now: store it soon."""
        if self._store is None or self._record is None or self._closed:
            return
        if self._task is not None and not self._task.done():
            self._again = True
        elif self._reply.rendered_chars < INLINE_SAVE_CHARS:
            self._write(self._reply.rendered_text)
        else:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        self._again = True
        while self._again and not self._closed:
            self._again = False
            await asyncio.to_thread(self._write, self._reply.rendered_text)

    def _write(self, text: str, **fields: Any) -> None:
        with self._lock:
            if self._closed and not fields:
                return
            if self._store is not None and self._record is not None:
                self._store.save_reply(self._record, text, **fields)

    def finish(self, text: str, **fields: Any) -> None:
        """The last write, with the reply's figures (`incomplete` defaults to False)."""
        with self._lock:
            self._closed = True
        fields.setdefault("incomplete", False)
        self._write(text, **fields)

    async def finish_off_loop(self, text: str, **fields: Any) -> None:
        """`finish`, in a worker thread (a long reply is a large write)."""
        await asyncio.to_thread(self.finish, text, **fields)


class ConversationView(NoRelayoutOnResize, VerticalScroll):
    """The scrolling conversation; its scroll bars follow its content without a second
    full-screen layout each time a streaming reply grows."""


class ChatScreen(Screen[None]):
    """Talk to a model; the reply streams in as Markdown. Conversations are kept, listed in
    a sidebar, searchable, branchable and exportable."""

    CSS_PATH = "chat.tcss"

    BINDINGS = [
        Binding("escape", "stop", "Stop", id="chat.stop", tooltip="Stop the reply, keep its text"),
        Binding("ctrl+o", "pick_model", "Model", id="chat.model", tooltip="Pick a model"),
        # Retry and Export are left out of the footer (no room at 80 columns): a failed
        # reply names ctrl+r, and both are in F1 and the command palette.
        Binding(
            "ctrl+r",
            "retry",
            "Retry",
            show=False,
            id="chat.retry",
            tooltip="Ask the last prompt again (the old reply is kept as a version)",
        ),
        Binding("ctrl+n", "new_chat", "New", id="chat.new", tooltip="Start a new conversation"),
        Binding("ctrl+b", "toggle_sidebar", "Chats", id="chat.chats", tooltip="Show/hide the list"),
        Binding("ctrl+f", "search", "Find", id="chat.search", tooltip="Search all conversations"),
        Binding(
            "ctrl+up",
            "focus_messages",
            "Msgs",
            id="chat.messages",
            tooltip="Move to the messages (then ↑↓, and keys to copy, edit, branch…)",
        ),
        Binding(
            "f3",
            "params",
            "Params",
            id="chat.params",
            tooltip="System prompt, parameters and presets of this conversation",
        ),
        Binding(
            "ctrl+s",
            "export",
            "Export",
            show=False,
            id="chat.export",
            tooltip="Export this conversation as Markdown or JSON",
        ),
        Binding(
            "ctrl+t",
            "attach",
            "Attach",
            show=False,
            id="chat.attach",
            tooltip="Attach a file to the next message (text inlined, images as image parts)",
        ),
        Binding("f1", "help", "Help", id="chat.help", tooltip="Show every key"),
        Binding("pageup", "page_back", "Scroll up", show=False, priority=True, id="chat.page_up"),
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
        self.models: list[str] = []
        self.models_status = "loading the model list…"
        self.reply: ReplyView | None = None
        self._streaming = False
        self.conversation_id: int | None = None
        """The stored conversation on screen, once something was saved."""
        self.system_prompt = ""
        self.params: dict[str, Any] = {}
        self._editing: UserMessage | None = None
        self._store_warned = False
        self._earlier: list[Message] = []
        """Older messages of the conversation on screen, not mounted yet."""
        self._earlier_chars = 0
        """Their total length, for the size estimate (kept, not summed per keystroke)."""
        self.attachments: list[Attachment] = []
        """Files to go with the next message."""
        self._conversation_model = ""

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

    @property
    def history(self) -> list[dict[str, Any]]:
        """The conversation as the API's messages (no system prompt): the older messages
        not mounted yet, then those on screen. Images go again with every turn."""
        from tui.attachments import request_content
        from tui.core.toolcalls import as_turn_text

        turns = [(m.role, as_turn_text(m.content, m.tool_calls), m.images) for m in self._earlier]
        for item in self.query(ChatItem):
            if isinstance(item, ReplyView):
                turns.append((item.role, as_turn_text(item.content, item.tool_calls), []))
            else:
                turns.append((item.role, item.content, getattr(item, "images", [])))
        return [
            {"role": role, "content": request_content(content, images)}
            for role, content, images in turns
            if content
        ]

    def compose(self) -> ComposeResult:
        settings = self.loom.settings
        yield Sidebar(id="sidebar")
        with Vertical(id="main"):
            with ConversationView(id="conversation"):
                yield Static(plain(self._welcome()), id="welcome")
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
        self.query_one(Sidebar).set_class(self.app.size.width < NARROW, "hidden")
        if not self.loom.settings.can_send:
            self.models_status = "no API key: set OPENAI_API_KEY or run loom --demo"

    def after_first_frame(self) -> None:
        """Start background work once the screen is on the terminal (see LoomApp.on_ready):
        the last conversation first, then the model list (and in demo mode the simulator)
        and the Markdown warm-up: threads importing big libraries hold the GIL most of the
        time, and reopening what was left waited 0.6 s behind them."""
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
                store = self.loom.backend.current_store
                if store is not None and self.conversation_id is not None:
                    store.update(self.conversation_id, model=model)

        self.app.push_screen(ModelPicker(self.models, status.model, self.models_status), chosen)

    # --- the store -----------------------------------------------------------------------

    async def _store(self) -> ConversationStore | None:
        store = await self.loom.backend.store()
        if store is None and not self._store_warned:
            self._store_warned = True
            warning = f"Conversations are not being saved: {self.loom.backend.store_error}"
            self.notify(warning, title="History", severity="warning", timeout=12)
            # Also kept in the conversation, where it stays readable after the toast goes.
            view = self.query_one("#conversation", VerticalScroll)
            await view.mount(Static(plain(warning), classes="history-warning"), before=0)
        return store

    def _reload_sidebar(self) -> None:
        store = self.loom.backend.current_store
        if store is not None:
            self.query_one(Sidebar).reload(store, self.conversation_id)

    async def _build_sidebar(self) -> None:
        await self.query_one(Sidebar).build()
        self._reload_sidebar()

    @work(group="history", exit_on_error=False)
    async def open_history(self) -> None:
        """Fill the conversation list and reopen the most recent conversation as it was;
        then load the model list."""
        try:
            await self._build_sidebar()
            store = await self._store()
            if store is None:
                return
            self._reload_sidebar()
            if self.conversation_id is not None or self._streaming or self.query(ChatItem):
                return
            recent = store.conversations()
            if recent:
                await self.load_conversation(recent[0].id)
        finally:
            if self.loom.settings.can_send and not self.models:
                self.load_models()
            self.loom.warm_up()

    async def _clear_view(self) -> VerticalScroll:
        """Empty the conversation view and what belongs to the conversation shown."""
        view = self.query_one("#conversation", VerticalScroll)
        had_messages = bool(self.query(ChatItem))
        await view.remove_children()
        if had_messages:
            release_removed()
        self.reply = None
        self._editing = None
        self._set_earlier([])
        self.query_one(StatusLine).clear_figures()
        return view

    def _set_earlier(self, messages: list[Message]) -> None:
        self._earlier = messages
        self._earlier_chars = sum(len(m.content) for m in messages)

    def _items(self) -> list[ChatItem]:
        return list(self.query(ChatItem))

    @property
    def _last_record(self) -> int | None:
        """The stored message the next one follows (the end of the branch on screen)."""
        for item in reversed(self._items()):
            if item.record_id is not None:
                return item.record_id
        return self._earlier[-1].id if self._earlier else None

    async def load_conversation(
        self, conversation_id: int, leaf_id: int | None = None, focus: int | None = None
    ) -> None:
        """Show a stored conversation (the branch ending at `leaf_id`, or the one last shown),
        optionally focusing one of its messages."""
        store = await self._store()
        if store is None:
            return
        if self._streaming:
            # Stop the reply (it is saved as it was) before its widgets go.
            chat_workers = [w for w in self.workers if w.group == "chat"]
            self.workers.cancel_group(self, "chat")
            for worker in chat_workers:
                with contextlib.suppress(WorkerCancelled, WorkerFailed):
                    await worker.wait()
        try:
            conversation = store.get(conversation_id)
        except KeyError:
            self.notify("That conversation no longer exists.", severity="warning", timeout=4)
            return
        if leaf_id is not None and leaf_id != conversation.leaf_id:
            store.update(conversation_id, leaf_id=leaf_id)
        messages = store.path(conversation_id, leaf_id)
        view = await self._clear_view()
        self.conversation_id = conversation.id
        self.system_prompt = conversation.system_prompt
        self.params = dict(conversation.params)
        if conversation.model:
            self.query_one(StatusLine).model = conversation.model
        # A long conversation opens on its newest messages; older ones are mounted when the
        # view is scrolled to the top (PageUp there), so opening stays quick.
        start = max(0, len(messages) - SHOWN_AT_ONCE)
        if focus is not None:
            index = next((i for i, m in enumerate(messages) if m.id == focus), start)
            start = min(start, max(0, index - 4))
        self._set_earlier(messages[:start])
        self._conversation_model = conversation.model
        await view.mount(Static("", id="earlier"))
        widgets = await self._mount_messages(messages[start:])
        self._update_earlier()
        self._show_cost(messages)
        self._reload_sidebar()
        target = next((w for w in widgets if w.record_id == focus), None)
        if target is not None:
            view.release_anchor()
            target.focus()
            self.call_after_refresh(target.scroll_visible, top=True, animate=False)
        else:
            view.anchor()

    async def _mount_messages(
        self, messages: list[Message], before: ChatItem | None = None
    ) -> list[ChatItem]:
        view = self.query_one("#conversation", VerticalScroll)
        widgets = [self._widget_for(m, self._conversation_model) for m in messages]
        if before is not None:
            await view.mount_all(widgets, before=before)
        else:
            await view.mount_all(widgets)
        store = self.loom.backend.current_store
        for widget, message in zip(widgets, messages, strict=True):
            if isinstance(widget, ReplyView):
                from tui.advice import Advice
                from tui.pricing import reply_figures

                widget.restore(
                    message.content,
                    message.finish_reason,
                    message.incomplete,
                    tool_calls=message.tool_calls,
                    error=Advice.from_dict(message.error) if message.error else None,
                )
                widget.set_figures(reply_figures(message))
            siblings = store.siblings(message.id) if store is not None else []
            if len(siblings) > 1:
                widget.set_branch(siblings.index(message.id) + 1, len(siblings))
        return widgets

    def _update_earlier(self) -> None:
        label = self.query("#earlier").results(Static)
        for static in label:
            count = len(self._earlier)
            static.update(
                Text(f"↑ {count:,} earlier messages: PageUp at the top shows more", "dim")
                if count
                else ""
            )
            static.display = bool(count)

    async def _show_earlier(self) -> None:
        """Mount the next older messages above those shown."""
        if not self._earlier:
            return
        batch = self._earlier[-SHOWN_AT_ONCE:]
        self._set_earlier(self._earlier[:-SHOWN_AT_ONCE])
        items = self._items()
        await self._mount_messages(batch, before=items[0] if items else None)
        self._update_earlier()

    def _widget_for(self, message: Message, model: str) -> ChatItem:
        widget: ChatItem
        if message.role == "user":
            widget = UserMessage(message.content)
            widget.images = message.images
        else:
            widget = ReplyView(message.model or model)
        widget.record_id = message.id
        return widget

    def _show_cost(self, messages: list[Message]) -> None:
        from tui.pricing import conversation_cost

        self.query_one(StatusLine).cost = conversation_cost(messages)

    @on(TextArea.Changed, "#prompt")
    def _estimate(self, event: TextArea.Changed) -> None:
        """How big the next request will be, before it is sent."""
        prompt = event.text_area
        if not prompt.text.strip():
            prompt.border_subtitle = ""
            return
        from tui.pricing import estimate_tokens

        shown = sum(len(item.content) for item in self.query(ChatItem))
        context = len(self.system_prompt) + shown + self._earlier_chars
        tokens = estimate_tokens(len(prompt.text)) + estimate_tokens(context)
        prompt.border_subtitle = Text(f"≈{tokens:,} tokens to send")

    async def _save_user_message(
        self, text: str, parent: int | None, images: list[str] | None = None
    ) -> int | None:
        store = await self._store()
        if store is None:
            return None
        if self.conversation_id is None:
            from tui.store.conversations import title_from

            model = self.query_one(StatusLine).model
            conversation = store.create(
                title=title_from(text),
                model=model,
                system_prompt=self.system_prompt,
                params=self.params,
            )
            self.conversation_id = conversation.id
        message = store.add_message(
            self.conversation_id, "user", text, parent_id=parent, images=images
        )
        store.update(self.conversation_id, leaf_id=message.id)
        self._reload_sidebar()
        return message.id

    async def _begin_reply_record(self, model: str, parent: int | None) -> int | None:
        store = await self._store()
        if store is None or self.conversation_id is None:
            return None
        message = store.add_message(
            self.conversation_id,
            "assistant",
            "",
            parent_id=parent,
            model=model,
            incomplete=True,
        )
        store.update(self.conversation_id, leaf_id=message.id)
        return message.id

    # --- sending -------------------------------------------------------------------------

    def _busy(self) -> bool:
        if self._streaming:
            self.notify("A reply is still arriving: press Esc to stop it first.", timeout=3)
        return self._streaming

    @on(PromptInput.Submitted)
    async def _submitted(self, event: PromptInput.Submitted) -> None:
        text = event.text
        if not text.strip() or self._busy():
            return
        if not self.loom.settings.can_send:
            self.notify(
                "No API key: set OPENAI_API_KEY and restart, or run `loom --demo`.",
                severity="error",
                timeout=6,
            )
            return
        event.prompt.clear()
        images: list[str] = []
        if self.attachments:
            text = "\n\n".join([text.rstrip(), *(a.inline() for a in self.attachments)])
            images = [a.data_url for a in self.attachments if a.data_url]
            self.attachments = []
            self._show_attachments()
        parent = self._last_record
        editing, self._editing = self._editing, None
        if editing is not None and editing.parent is not None:
            # Edit and resend: a new branch beside the edited message; the old one is kept.
            parent = await self._cut_from(editing)
        conversation = self.query_one("#conversation", VerticalScroll)
        user = UserMessage(text)
        user.images = images
        await conversation.mount(user)
        # Stored before the request leaves: a crash from here on loses nothing typed.
        user.record_id = await self._save_user_message(text, parent, images)
        if editing is not None:
            self._mark_branches(user)
        await self._start_reply(user.record_id)

    async def _cut_from(self, item: ChatItem) -> int | None:
        """Take `item` and everything after it off the screen (they stay stored, on their
        branch); returns the stored message the new branch follows."""
        items = self._items()
        index = items.index(item)
        parent = next(
            (i.record_id for i in reversed(items[:index]) if i.record_id is not None),
            self._earlier[-1].id if self._earlier else None,
        )
        for later in items[index:]:
            await later.remove()
        return parent

    def _mark_branches(self, item: ChatItem) -> None:
        store = self.loom.backend.current_store
        if store is not None and item.record_id is not None:
            siblings = store.siblings(item.record_id)
            item.set_branch(siblings.index(item.record_id) + 1, len(siblings))

    async def _start_reply(self, parent: int | None, *, into: ReplyView | None = None) -> None:
        conversation = self.query_one("#conversation", VerticalScroll)
        model = self.query_one(StatusLine).model
        history = self._request_messages()
        if into is None:
            reply = ReplyView(model)
            await conversation.mount(reply)
        else:
            reply = into
            reply.resume()
            history += [{"role": "user", "content": CONTINUE_INSTRUCTION}]
        self.reply = reply
        conversation.anchor()
        self._streaming = True
        self.query_one(StatusLine).state = "streaming…"
        self.stream_reply(reply, model, history, parent)

    def _request_messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        if self.system_prompt:
            messages.append({"role": "system", "content": self.system_prompt})
        messages += self.history
        return messages

    def action_attach(self) -> None:
        """Attach a file to the next message."""
        from tui.screens.dialogs import AskText

        def chosen(path: str | None) -> None:
            if not path:
                return
            from tui.attachments import AttachmentError, load_attachment

            try:
                attachment = load_attachment(path)
            except AttachmentError as error:
                self.notify(str(error), title="Attach", severity="error", timeout=8)
                return
            self.attachments.append(attachment)
            self._show_attachments()
            self.notify(f"Attached {attachment.name}: it goes with your next message.", timeout=3)

        self.app.push_screen(
            AskText("Attach a file (path; Esc cancels)", placeholder="~/notes.txt or ./chart.png"),
            chosen,
        )

    def _show_attachments(self) -> None:
        prompt = self.query_one("#prompt", PromptInput)
        names = ", ".join(a.name for a in self.attachments)
        prompt.border_title = plain(f"📎 {names} (Esc removes)") if names else ""

    @work(exclusive=True, group="chat", exit_on_error=False)
    async def stream_reply(
        self, reply: ReplyView, model: str, history: list[dict[str, Any]], parent: int | None
    ) -> None:
        """Stream one reply into `reply`, posting its text as it arrives."""
        if reply.record_id is None:
            reply.record_id = await self._begin_reply_record(model, parent)
            if reply.record_id is not None:
                self._mark_branches(reply)
        saver = ReplySaver(self.loom.backend.current_store, reply)
        reply.on_rendered = saver.rendered
        try:
            await self._stream(reply, model, history, saver)
        except asyncio.CancelledError:
            reply.post_message(ReplyView.Stopped())
            self.query_one(StatusLine).state = "stopped"
            saver.finish(reply.text, incomplete=True, finish_reason="stopped")
            raise
        except Exception as error:
            advice = explain(error, self.loom.settings)
            saver.finish(reply.text, incomplete=True, finish_reason="error", error=advice.as_dict())
            raise
        finally:
            reply.on_rendered = None
            self._streaming = False

    def _request(self, model: str, history: list[dict[str, Any]]) -> Any:
        from tui.api.schemas import ChatCompletionRequest, StreamOptions

        return ChatCompletionRequest.model_validate(
            {
                **self.params,
                "model": model,
                "messages": history,
                "stream_options": StreamOptions(include_usage=True),
            }
        )

    async def _stream(
        self, reply: ReplyView, model: str, history: list[dict[str, Any]], saver: ReplySaver
    ) -> None:
        status = self.query_one(StatusLine)
        sent = time.monotonic()
        first: float | None = None
        chunks = 0
        before = reply.text  # a continued reply keeps what it had
        # The client and its imports load in a thread on first use, off the event loop.
        client = await self.loom.backend.client()
        from tui.api.errors import APIError

        request = self._request(model, history)
        delta: ReplyView.Delta | None = None
        try:
            async with client.chat.stream(request, read_gap=READ_GAP) as stream:
                async for chunk in stream:
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
            saver.finish(
                reply.text,
                incomplete=True,
                finish_reason="error",
                request_id=error.request_id,
                error=advice.as_dict(),
            )
            return
        ended = time.monotonic()
        usage = stream.usage
        calls = [
            {"id": call.id, "name": call.name, "arguments": call.arguments}
            for call in stream.tool_calls
        ]
        reply.post_message(ReplyView.Done(stream.finish_reason, calls, stream.streamed))
        status.prompt_tokens = usage.prompt_tokens if usage else None
        completion = usage.completion_tokens if usage else chunks
        status.completion_tokens = completion
        status.ttft = None if first is None else first - sent
        span = ended - first if first is not None else 0.0
        status.tokens_per_second = completion / span if span > 0 else None
        status.state = "" if stream.finish_reason != "length" else "cut at token limit: g continues"
        self._streaming = False  # the reply is whole: Esc has nothing left to stop
        await saver.finish_off_loop(
            before + (stream.text or stream.refusal),
            finish_reason=stream.finish_reason,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=completion,
            ttft=status.ttft,
            duration=ended - sent,
            request_id=stream.request_id,
            tool_calls=calls,
        )
        store = self.loom.backend.current_store
        if store is not None and self.conversation_id is not None:
            self._show_cost(store.path(self.conversation_id))
            if reply.record_id is not None:
                from tui.pricing import reply_figures

                reply.set_figures(reply_figures(store.get_message(reply.record_id)))

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
        """Stop the reply that is streaming; its text stays. Also ends editing."""
        if self._streaming:
            self.workers.cancel_group(self, "chat")
        elif self._editing is not None:
            self._editing = None
            self.query_one("#prompt", PromptInput).clear()
            self.notify("Edit cancelled.", timeout=2)
        elif self.attachments:
            self.attachments = []
            self._show_attachments()
            self.notify("Attachments removed.", timeout=2)

    async def action_retry(self) -> None:
        """Ask the last prompt again; the reply it replaces is kept as another version."""
        if self._busy():
            return
        items = self._items()
        if not items:
            self.notify("Nothing to retry yet: type a message first.", timeout=3)
            return
        if isinstance(items[-1], ReplyView):
            await self._regenerate(items[-1])
        else:
            await self._start_reply(items[-1].record_id)

    async def _regenerate(self, reply: ReplyView) -> None:
        parent = await self._cut_from(reply)
        await self._start_reply(parent)

    async def action_new_chat(self) -> None:
        """Start a new conversation (the one on screen stays in the list)."""
        if self._streaming:
            self.workers.cancel_group(self, "chat")
        conversation = await self._clear_view()
        self.conversation_id = None
        self.system_prompt = ""
        self.params = {}
        await conversation.mount(Static(plain(self._welcome()), id="welcome"))
        self._reload_sidebar()
        self.query_one("#prompt", PromptInput).focus()
        await self._offer_presets()

    async def _offer_presets(self) -> None:
        store = self.loom.backend.current_store
        presets = store.presets() if store is not None else []
        if not presets:
            return
        from tui.screens.dialogs import Choose

        def chosen(index: int | None) -> None:
            if index is not None and index < len(presets):
                preset = presets[index]
                self.system_prompt = preset.system_prompt
                self.params = dict(preset.params)
                model = self.params.pop("model", None)
                if model:
                    self.query_one(StatusLine).model = model
                self.notify(f"Preset “{preset.name}”.", timeout=3)

        labels = ["No preset"] + [p.name for p in presets]
        self.app.push_screen(
            Choose("Start with a preset?", labels),
            lambda index: chosen(None if not index else index - 1),
        )

    async def action_toggle_sidebar(self) -> None:
        """Show or hide the conversation list."""
        sidebar = self.query_one(Sidebar)
        hidden = not sidebar.has_class("hidden")
        sidebar.set_class(hidden, "hidden")
        if not hidden:
            await self._build_sidebar()
            from tui.widgets.sidebar import ChatList

            sidebar.query_one(ChatList).focus()
        else:
            self.query_one("#prompt", PromptInput).focus()

    @on(Sidebar.Picked)
    async def _picked(self, event: Sidebar.Picked) -> None:
        await self.load_conversation(event.conversation_id)
        if self.app.size.width < NARROW:
            self.query_one(Sidebar).set_class(True, "hidden")
        self.query_one("#prompt", PromptInput).focus()

    @on(Sidebar.Changed)
    async def _sidebar_changed(self, event: Sidebar.Changed) -> None:
        if event.conversation_id != self.conversation_id:
            return
        if event.what == "delete":
            self.conversation_id = None
            await self.action_new_chat()

    async def action_search(self) -> None:
        """Search every conversation; Enter opens one at the message found."""
        store = await self._store()
        if store is None:
            return
        from tui.screens.search import SearchScreen

        async def opened(found: tuple[int, int] | None) -> None:
            if found is not None:
                conversation_id, message_id = found
                leaf = store.newest_leaf(message_id)
                await self.load_conversation(conversation_id, leaf, focus=message_id)

        self.app.push_screen(SearchScreen(store), opened)

    def action_focus_messages(self) -> None:
        """Focus the newest message, to act on it (copy, edit, branch, …)."""
        items = self._items()
        if not items:
            self.notify("No messages yet.", timeout=2)
            return
        items[-1].focus()
        items[-1].scroll_visible(animate=False)

    @on(ChatItem.Action)
    async def _item_action(self, event: ChatItem.Action) -> None:
        item, name = event.item, event.name
        handler = getattr(self, f"_item_{name}", None)
        if handler is not None:
            await handler(item)

    async def _item_back(self, item: ChatItem) -> None:
        self.query_one("#prompt", PromptInput).focus()

    async def _item_copy(self, item: ChatItem) -> None:
        self.app.copy_to_clipboard(item.content)
        lines = item.content.count("\n") + 1
        self.notify(f"Copied the message ({lines} lines) to the clipboard (OSC 52).", timeout=3)

    async def _item_code(self, item: ChatItem) -> None:
        from tui.codeblocks import code_blocks

        blocks = code_blocks(item.content)
        if not blocks:
            self.notify("This message has no code block.", timeout=3)
            return

        def copy(index: int | None) -> None:
            if index is not None:
                block = blocks[index]
                self.app.copy_to_clipboard(block.code)
                label = f" ({block.language})" if block.language else ""
                self.notify(f"Copied code block {index + 1}{label} to the clipboard.", timeout=3)

        if len(blocks) == 1:
            copy(0)
            return
        from tui.screens.dialogs import Choose

        labels = [block.label for block in blocks]
        self.app.push_screen(Choose("Copy which code block?", labels), copy)

    async def _item_edit(self, item: ChatItem) -> None:
        if not isinstance(item, UserMessage) or self._busy():
            return
        prompt = self.query_one("#prompt", PromptInput)
        prompt.load_text(item.content)
        prompt.move_cursor(prompt.document.end)
        prompt.focus()
        self._editing = item
        self.notify(
            "Editing: Enter sends it as a new version (the old one is kept); Esc cancels.",
            timeout=5,
        )

    async def _item_regenerate(self, item: ChatItem) -> None:
        if isinstance(item, ReplyView) and not self._busy():
            await self._regenerate(item)

    async def _item_continue(self, item: ChatItem) -> None:
        if not isinstance(item, ReplyView) or self._busy():
            return
        if item.finish_reason == "stop" or item is not self._items()[-1]:
            self.notify(
                "Only the last reply, when it was cut short (token limit, stopped, failed or "
                "interrupted), can be continued; r asks again instead.",
                timeout=4,
            )
            return
        await self._start_reply(None, into=item)

    async def _item_branch_prev(self, item: ChatItem) -> None:
        await self._switch_branch(item, -1)

    async def _item_branch_next(self, item: ChatItem) -> None:
        await self._switch_branch(item, 1)

    async def _switch_branch(self, item: ChatItem, step: int) -> None:
        store = self.loom.backend.current_store
        if store is None or item.record_id is None or self.conversation_id is None:
            return
        if self._busy():
            return
        siblings = store.siblings(item.record_id)
        index = siblings.index(item.record_id) + step
        if len(siblings) < 2 or not 0 <= index < len(siblings):
            where = "first" if step < 0 else "last"
            self.notify(f"This is the {where} version of this message.", timeout=2)
            return
        target = siblings[index]
        await self.load_conversation(self.conversation_id, store.newest_leaf(target), focus=target)

    async def _item_delete(self, item: ChatItem) -> None:
        if self._busy():
            return
        from tui.screens.dialogs import Confirm

        async def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            store = self.loom.backend.current_store
            if store is None or item.record_id is None or self.conversation_id is None:
                await self._cut_from(item)
                return
            parent = store.delete_message(item.record_id)
            if parent is None and not store.messages(self.conversation_id):
                store.delete(self.conversation_id)
                await self.action_new_chat()
                return
            await self.load_conversation(self.conversation_id, parent)

        question = "Delete this message and everything after it on this branch?"
        self.app.push_screen(Confirm(question), confirmed)

    async def action_export(self) -> None:
        """Export the conversation on screen to a Markdown or JSON file."""
        store = self.loom.backend.current_store
        if store is None or self.conversation_id is None:
            self.notify("Nothing saved to export yet: send a message first.", timeout=3)
            return
        from tui.screens.dialogs import Choose

        conversation = store.get(self.conversation_id)

        def chosen(index: int | None) -> None:
            if index is None:
                return
            fmt = ("md", "json")[index]
            from tui.export import file_stem, render

            folder = export_dir(self.loom.settings)
            path = folder / f"{file_stem(conversation.title)}-{conversation.id}.{fmt}"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_text(render(store, conversation, fmt), encoding="utf-8")
            except OSError as error:
                self.notify(
                    f"Could not write {path}: {error.strerror or error}. "
                    "Check the folder's permissions or free space.",
                    severity="error",
                    timeout=8,
                )
                return
            self.notify(f"Exported to {path}", timeout=6)

        self.app.push_screen(
            Choose(
                f"Export “{conversation.title}”",
                ["Markdown (.md)", "JSON: the API's messages + metadata (.json)"],
                hint=f"Written to {export_dir(self.loom.settings)}",
            ),
            chosen,
        )

    def action_params(self) -> None:
        """Edit this conversation's system prompt and parameters (and presets)."""
        from tui.screens.params import ParamsScreen

        def saved(result: tuple[str, dict[str, Any]] | None) -> None:
            if result is None:
                return
            self.system_prompt, self.params = result[0], dict(result[1])
            model = self.params.pop("model", None)
            store = self.loom.backend.current_store
            if model:
                self.query_one(StatusLine).model = model
                self.loom.settings.model = model
            if store is not None and self.conversation_id is not None:
                store.update(
                    self.conversation_id, system_prompt=self.system_prompt, params=self.params
                )
                if model:
                    store.update(self.conversation_id, model=model)
            self.notify("Saved: the next message uses these settings.", timeout=3)

        self.app.push_screen(
            ParamsScreen(
                self.system_prompt,
                self.params,
                self.loom.backend.current_store,
                self.query_one(StatusLine).model,
            ),
            saved,
        )

    async def action_page_back(self) -> None:
        """Scroll the conversation up a page; at the top, show older messages."""
        view = self.query_one("#conversation", VerticalScroll)
        if view.scroll_y <= 0 and self._earlier:
            await self._show_earlier()
            return
        view.scroll_page_up()

    def action_scroll_down(self) -> None:
        """Scroll the conversation down a page."""
        self.query_one("#conversation", VerticalScroll).scroll_page_down()

    def action_scroll_end(self) -> None:
        """Jump to the newest message and follow it again."""
        self.query_one("#conversation", VerticalScroll).anchor()

    def action_help(self) -> None:
        """Show every key of this screen."""
        from tui.screens.help import HelpScreen, describe_bindings
        from tui.widgets.messages import ReplyView as Reply
        from tui.widgets.messages import UserMessage as User
        from tui.widgets.sidebar import ChatList

        message_keys = describe_bindings(list(User.BINDINGS))
        message_keys += [
            row for row in describe_bindings(list(Reply.BINDINGS)) if row not in message_keys
        ]
        sections = [
            ("Writing", describe_bindings(list(PromptInput.BINDINGS))),
            ("Chat", describe_bindings(list(self.BINDINGS))),
            ("On a message (ctrl+up, then ↑↓)", message_keys),
            ("In the conversation list (ctrl+b)", describe_bindings(list(ChatList.BINDINGS))),
            ("Everywhere", describe_bindings(list(self.app.BINDINGS))),
        ]
        intro = (
            "Enter sends your message; the reply streams in as Markdown and the view follows "
            "it unless you scroll up (PageUp/PageDown scroll, ctrl+end follows again). "
            "Esc stops a reply and keeps what arrived. Every conversation is saved; ctrl+b "
            "lists them, ctrl+f searches them all."
        )
        self.app.push_screen(HelpScreen("Loom · chat", sections, intro))


def export_dir(settings: Any) -> Path:
    """Where the chat screen writes exports: `exports/` beside the conversation store."""
    return Path(settings.store_dir) / "exports"
