"""How a reply reaches the chat screen: its widget, the stream into it (the session's
events become the widget's messages), stopping it, asking again, and the figures after."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.worker import Worker, WorkerState

from tui.areas.chat.core.session import ReplyEnded, ReplyEvent, ReplyFailed, ReplyText, Turn
from tui.areas.chat.screens.base import ChatBase
from tui.areas.chat.widgets.messages import (
    FLUSH_SECONDS,
    LOW_BANDWIDTH_FLUSH_SECONDS,
    ChatItem,
    ReplyView,
    UserMessage,
)
from tui.core.advice import explain

READ_GAP = 0.03
"""A streaming reply's socket is read at most this often: text is put on screen every
FLUSH_SECONDS (0.125 s) anyway, and each read wakes the process (see SSEEvents)."""


class Replies(ChatBase):
    """The replies of the chat screen: shown, streamed, stopped, asked again."""

    def _widget_for(self, turn: Turn) -> ChatItem:
        widget: ChatItem
        if turn.role == "user":
            widget = UserMessage(turn.content)
        else:
            widget = ReplyView(
                turn.model or self.session.model,
                cache=self.render_cache,
                page_height=self._page_height,
            )
            widget.flush_seconds = self._flush_seconds
        widget.turn = turn
        return widget

    def _bandwidth_changed(self, low: bool) -> None:
        """Low-bandwidth mode (see LoomApp): streamed text comes in fewer, larger frames."""
        self._flush_seconds = LOW_BANDWIDTH_FLUSH_SECONDS if low else FLUSH_SECONDS
        for view in self.query(ReplyView):
            view.flush_seconds = self._flush_seconds
        self._status().low_bandwidth = low

    def _page_height(self) -> int:
        """The conversation view's height: a streaming reply grows a page at a time."""
        return self._view().size.height

    def _show_cost(self) -> None:
        from tui.core.pricing import conversation_cost

        self._status().cost = conversation_cost(self.session.turns, self.services.prices())

    def _refresh_headers(self) -> None:
        for item in self._items():
            item.refresh_header()

    async def _start_reply(self, turn: Turn, *, into: ReplyView | None = None) -> None:
        view = self._view()
        if into is None:
            reply = self._widget_for(turn)
            assert isinstance(reply, ReplyView)
            await view.mount(reply)
        else:
            reply = into
            reply.resume()
        self.reply = reply
        view.anchor()
        if isinstance(self.app.focused, ChatItem) or self.app.focused is None:
            # Acting on messages: the new reply takes the focus, and the view follows it.
            reply.focus(scroll_visible=False)
        self._status().state = "streaming…"
        self.stream_reply(reply, turn, continuing=into is not None)
        self.refresh_bindings()  # esc stops now

    @work(exclusive=True, group="chat", exit_on_error=False)
    async def stream_reply(self, reply: ReplyView, turn: Turn, continuing: bool = False) -> None:
        """Stream one reply into `reply`, posting its text as it arrives."""
        status = self._status()
        delta: ReplyView.Delta | None = None

        def on_event(event: ReplyEvent) -> None:
            nonlocal delta
            if isinstance(event, ReplyText):
                # Coalesce into the Delta still waiting in the queue, if any.
                if delta is None or not delta.add(event.text):
                    delta = ReplyView.Delta(event.text)
                    reply.post_message(delta)
            elif isinstance(event, ReplyEnded):
                reply.post_message(
                    ReplyView.Done(turn.finish_reason, turn.tool_calls, turn.streamed)
                )
                status.show_reply(turn)
                status.state = (
                    "cut at token limit: g continues" if turn.finish_reason == "length" else ""
                )
            elif isinstance(event, ReplyFailed):
                reply.post_message(ReplyView.Failed(event.advice))
                status.state = event.advice.headline

        reply.on_rendered = lambda: self.session.reply_shown(turn)
        try:
            await self.session.run_reply(turn, on_event, continuing=continuing, read_gap=READ_GAP)
        except asyncio.CancelledError:
            reply.post_message(ReplyView.Stopped())
            status.state = "stopped"
            raise
        finally:
            reply.on_rendered = None
            self.call_after_refresh(self.refresh_bindings)  # nothing to stop any more
        from tui.core.pricing import reply_figures

        reply.set_figures(reply_figures(turn, self.services.prices()))
        self._show_cost()
        self._refresh_headers()
        self.reload_sidebar()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            advice = explain(event.worker.error, self.services.settings)
            if event.worker.group == "chat" and self.reply is not None:
                self.reply.post_message(ReplyView.Failed(advice))
                self._status().state = advice.headline
            self.notify(f"{advice.headline}\n{advice.detail}", severity="error", timeout=8)

    def action_stop(self) -> None:
        """Stop the reply that is streaming; its text stays."""
        if self.streaming:
            self.workers.cancel_group(self, "chat")

    async def action_retry(self) -> None:
        """Ask the last prompt again; the reply it replaces is kept as another version."""
        if self._busy():
            return
        if not self.session.turns:
            self.notify("Nothing to retry yet: type a message first.", timeout=3)
            return
        items = self._items()
        last = self.session.turns[-1]
        if last.role == "assistant" and items and items[-1].turn is last:
            await items[-1].remove()
        reply = self.session.reply_to_last()
        if reply is not None:
            await self.session.save()
            await self._start_reply(reply)
