"""The two kinds of message in a conversation: what the user wrote (chat_item.py, with
what both share), and the reply, which grows as the stream arrives (here)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from tui.areas.chat.widgets.chat_item import ITEM_BINDINGS, ChatItem, UserMessage
from tui.areas.chat.widgets.reply_body import RenderCache, Rendered, ReplyBody, render_pool
from tui.core.advice import Advice
from tui.core.gcpolicy import GC
from tui.core.mdsplit import cut_pieces, safe_split
from tui.widgets.plain import plain
from tui.widgets.relayout import NoRelayoutOnResize

__all__ = ["ChatItem", "ReplyView", "UserMessage"]

FLUSH_SECONDS = 0.125
"""How often streamed text is handed to the Markdown renderer (eight updates a second)."""
LOW_BANDWIDTH_FLUSH_SECONDS = 0.5
"""...and in low-bandwidth mode: each frame repaints the lines that grew, so fewer frames
carry fewer bytes (two a second still reads as a stream)."""
BACKLOG_FLUSH_SECONDS = 1 / 30
"""How soon the next flush comes while more than FLUSH_CHARS are waiting."""
FLUSH_CHARS = 3000
"""The most text one flush renders; more waits for the next frame. A flush this large
renders in the render thread, so it bounds how far the screen trails a fast stream, not
how long the event loop is held (fewer, larger flushes mean fewer repaints)."""
FIRST_FLUSH_CHARS = 600
"""The most text a flush renders before the reply has been laid out. It renders on the
event loop (the width to render at is not known yet, so the thread cannot), and small, it
also puts the first words on screen sooner."""
THREAD_CHARS = 1000
"""A flush that renders at least this much text renders it in `render_pool()` (a larger
one would hold the event loop for several milliseconds: keys and painting would wait)."""
RESTORE_AT_ONCE_CHARS = 12_000
"""A stored reply up to this long is shown in one pass (about 80 ms of rendering here)."""


class ReplyView(NoRelayoutOnResize, ChatItem):
    """An assistant reply: Markdown that grows as the stream arrives.

    Deltas are buffered and handed to the renderer eight times a second. Finished blocks
    are frozen as they complete, so each update renders only the block still growing,
    whatever the length of the reply.
    """

    DEFAULT_CSS = """
    ReplyView {
        layout: vertical;
        height: auto;
        margin: 1 0 0 0;
        &:focus > .reply--header { background: $accent 20%; color: $text; }
        & > .reply--header { color: $text-muted; padding: 0 1; }
        & > .reply--note { color: $text-muted; padding: 0 1; display: none; }
        & > .reply--note.shown { display: block; }
        & > .reply--note.error { color: $text-error; border-left: thick $error; }
        & > .reply--tools { padding: 0 1; border-left: thick $secondary; display: none; }
        & > .reply--tools.shown { display: block; }
    }
    """

    class Delta(Message):
        """More reply text arrived.

        The sender keeps adding text to the Delta it posted until the reply view takes it
        (`taken`), which it does when it next renders: a stream costs one message per
        update on screen (eight a second), not one per token.
        """

        def __init__(self, text: str) -> None:
            super().__init__()
            self.parts = [text]
            self.size = len(text)
            self.taken = False

        @property
        def text(self) -> str:
            """All the text this message carries."""
            return "".join(self.parts)

        def add(self, text: str) -> bool:
            """Append text if the message has not been taken yet; False if too late."""
            if self.taken:
                return False
            self.parts.append(text)
            self.size += len(text)
            return True

    @dataclass
    class Done(Message):
        """The reply finished normally."""

        finish_reason: str | None
        tool_calls: list[dict[str, str]] = field(default_factory=list)
        """Tools the model asked to call (each {"id", "name", "arguments"})."""
        streamed: bool = True
        """False when the server sent the whole reply at once instead of streaming it."""

    @dataclass
    class Failed(Message):
        """The reply failed; what arrived stays."""

        advice: Advice

    class Stopped(Message):
        """The user stopped the reply; what arrived stays."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ITEM_BINDINGS,
        Binding(
            "r",
            "act('regenerate')",
            "Regenerate",
            id="message.regenerate",
            tooltip="Ask again; this reply is kept as another version",
        ),
        Binding(
            "g",
            "act('continue')",
            "Continue",
            id="message.continue",
            tooltip="Continue a reply cut at the token limit",
        ),
    ]
    role = "assistant"

    def __init__(
        self,
        model: str,
        *,
        cache: RenderCache | None = None,
        page_height: Callable[[], int] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.model = model
        self._pending: list[str] = []
        self._open: list[ReplyView.Delta] = []
        """Deltas received but not taken yet: the sender may still be adding to them."""
        self._parts: list[str] = []
        self._tail_source = ""
        self._segments = 0
        self._timer: Timer | None = None
        self._last_flush = 0.0
        self.flush_seconds = FLUSH_SECONDS
        """How often streamed text is shown (LOW_BANDWIDTH_FLUSH_SECONDS in that mode)."""
        self._body = ReplyBody(cache=cache, page_height=page_height)
        self._body.growing = True
        self._rendering: str | None = None
        """Text whose flush is being rendered in the render thread (no other flush starts)."""
        self._awaiting_paint = False
        """A rendered flush waits to be painted before the next render starts."""
        self.finished = False
        self.finish_reason: str | None = None
        self.error: Advice | None = None
        self.tool_calls: list[dict[str, str]] = []
        """Tools the model asked to call instead of (or besides) answering."""
        self.figures = ""
        self.rendered_chars = 0
        """How much text has been handed to the screen (`rendered_text`, without joining)."""
        self.on_rendered: Callable[[], None] | None = None
        """Called each time more of the text is shown (to store it)."""

    @property
    def text(self) -> str:
        """Everything received, rendered or not."""
        waiting = "".join(delta.text for delta in self._open)
        rendering = self._rendering or ""
        return "".join(self._parts) + rendering + "".join(self._pending) + waiting

    @property
    def rendered_text(self) -> str:
        """The text handed to the screen so far."""
        return "".join(self._parts)

    @property
    def settled(self) -> bool:
        """Finished, and everything received is on screen."""
        return self.finished and not self._pending and not self._open and not self._busy

    @property
    def _busy(self) -> bool:
        return self._rendering is not None or self._awaiting_paint

    @property
    def segments(self) -> int:
        """How many pieces the reply is rendered in."""
        return self._segments

    @property
    def content(self) -> str:
        return self.text

    def refresh_header(self) -> None:
        if self.is_mounted:
            self.query_one(".reply--header", Static).update(self._header())

    def set_figures(self, figures: str) -> None:
        """Tokens and cost of this reply, shown in its header."""
        self.figures = figures
        self.refresh_header()

    def _header(self) -> Text:
        index, count = self.branch
        header = f"assistant · {self.model}" if self.model else "assistant"
        if self.figures:
            header += f" · {self.figures}"
        if count > 1:
            header += f" · version {index}/{count} (←/→)"
        return plain(header)

    def compose(self) -> ComposeResult:
        yield Static(self._header(), classes="reply--header")  # markup-safe: a Text
        yield self._body
        yield Static("", classes="reply--tools")
        yield Static("", classes="reply--note")

    def on_reply_view_delta(self, message: ReplyView.Delta) -> None:
        message.stop()
        self._open.append(message)
        self._schedule()

    def _take(self) -> None:
        for delta in self._open:
            delta.taken = True
            self._pending.extend(delta.parts)
        self._open.clear()

    def _schedule(self) -> None:
        """Flush soon: at once after a quiet spell, else an interval after the last flush
        (a short one while a backlog waits, so a fast stream is not held back)."""
        if self._timer is None and not self._busy and (self._pending or self._open):
            waiting = sum(map(len, self._pending)) + sum(delta.size for delta in self._open)
            backlog = waiting > FLUSH_CHARS
            interval = BACKLOG_FLUSH_SECONDS if backlog else self.flush_seconds
            wait = max(0.001, self._last_flush + interval - time.monotonic())
            self._timer = self.set_timer(wait, self._tick, name="reply-flush")

    def _tick(self) -> None:
        self._timer = None
        self.flush()
        self._after_flush()

    def _after_flush(self) -> None:
        self._schedule()
        if self.settled:
            self._body.finish()
            GC.reply_settled()

    def flush(self) -> None:
        """Hand buffered text to the renderer, at most FLUSH_CHARS of it at a time."""
        self._take()
        if not self._pending or self._busy:
            return
        self._last_flush = time.monotonic()
        new = "".join(self._pending)
        self._pending.clear()
        body = self._body
        limit = FLUSH_CHARS if body.laid_out else FIRST_FLUSH_CHARS
        if len(new) > limit:
            # A burst (a fast server, or a stall that released a backlog) is shown over
            # several frames, so no single frame renders more than a bounded amount.
            new, rest = new[:limit], new[limit:]
            self._pending.append(rest)
        size = len(self._tail_source) + len(new)
        source = self._tail_source + new
        frozen: list[str] = []
        # Freeze every finished block: only the block still growing (the tail) is
        # rendered again on the next flush, however long the reply gets.
        split = safe_split(source)
        if split:
            frozen.append(source[:split])
            source = source[split:]
        job = body.render_job([*frozen, source]) if size >= THREAD_CHARS else None
        if job is None:
            self._show(new, frozen, source, None)
            return
        self._rendering = new
        body.hold_layout = True
        # The callback runs on the event loop, in this (the app's) context.
        future = asyncio.get_running_loop().run_in_executor(render_pool(), job)
        future.add_done_callback(partial(self._rendered, new, frozen, source))

    def _rendered(
        self, new: str, frozen: list[str], tail: str, done: asyncio.Future[Rendered]
    ) -> None:
        self._rendering = None
        if not self.is_mounted or done.cancelled():  # gone, or the app is closing
            return
        self._body.hold_layout = False
        # A failed render is done again here, where its error is reported as usual.
        rendered = None if done.exception() is not None else done.result()
        self._show(new, frozen, tail, rendered)
        # The next render starts once this text is painted: painting while the render
        # thread runs takes twice as long (the two share the interpreter lock).
        self._awaiting_paint = True
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self._awaiting_paint = False
        self._after_flush()

    def _show(self, new: str, frozen: list[str], tail: str, rendered: Rendered | None) -> None:
        self._parts.append(new)
        self.rendered_chars += len(new)
        self._tail_source = tail
        body = self._body
        body.set_pieces(frozen, tail, rendered)
        self._segments = len(body.pieces)
        if self.on_rendered is not None:
            self.on_rendered()
        if frozen:
            GC.reply_grew()

    def restore(
        self,
        text: str,
        finish_reason: str | None,
        incomplete: bool,
        *,
        tool_calls: list[dict[str, str]] | None = None,
        error: Advice | None = None,
    ) -> None:
        """Show a stored reply (call once mounted).

        The whole text is known: up to RESTORE_AT_ONCE_CHARS it is cut into pieces and
        shown in one pass (they render when first laid out). A longer one is shown like
        a fast stream, a flush at a time, so opening it never holds the app for long.
        """
        if len(text) <= RESTORE_AT_ONCE_CHARS:
            *frozen, tail = cut_pieces(text, FLUSH_CHARS)
            self._show(text, frozen, tail, None)
        else:
            self._pending.append(text)
        self.finish_reason = finish_reason
        self._finish()
        self._show_tools(tool_calls or [])
        if error is not None:
            self._failed(error)
        elif incomplete:
            self._note(
                "⋯ incomplete: this reply was cut short before it ended (Loom closed, or it "
                "was stopped or failed). On it (ctrl+up): g continues it, r asks again."
            )
        elif finish_reason == "length":
            self._note("⋯ cut at the token limit (max_completion_tokens): g continues it")

    def resume(self) -> None:
        """More text is coming for this finished reply (continue after the token limit)."""
        self.finished = False
        self.finish_reason = None
        self.error = None
        self._body.growing = True
        note = self.query_one(".reply--note", Static)
        note.set_class(False, "shown")

    def _show_tools(self, calls: list[dict[str, str]]) -> None:
        from tui.areas.chat.core.toolcalls import describe

        self.tool_calls = list(calls)
        tools = self.query_one(".reply--tools", Static)
        if calls:
            tools.update(plain("⚙ asked to call:\n" + describe(calls)))
        tools.set_class(bool(calls), "shown")

    def _finish(self) -> None:
        self.finished = True
        self._schedule()
        if self.settled:
            self._body.finish()

    def _note(self, text: str, *, error: bool = False) -> None:
        note = self.query_one(".reply--note", Static)
        note.update(plain(text))
        note.set_class(True, "shown")
        note.set_class(error, "error")

    def on_reply_view_done(self, message: ReplyView.Done) -> None:
        message.stop()
        self.finish_reason = message.finish_reason
        self._finish()
        self._show_tools(message.tool_calls)
        if message.finish_reason == "length":
            self._note("⋯ cut at the token limit (max_completion_tokens): g continues it")
        elif message.finish_reason == "content_filter":
            self._note("⋯ stopped by the server's content filter")
        elif message.tool_calls:
            self._note("Loom does not run tools: the model's request is shown above.")
        elif not self.text:
            self._note("(the server sent an empty reply)")
        elif not message.streamed:
            self._note("(the server sent the whole reply at once: it does not stream)")

    def on_reply_view_failed(self, message: ReplyView.Failed) -> None:
        message.stop()
        self._finish()
        self._failed(message.advice)

    def _failed(self, advice: Advice) -> None:
        self.error = advice
        self._note(f"✗ {advice.headline}\n{advice.detail}\n→ {advice.fix}", error=True)

    def on_reply_view_stopped(self, message: ReplyView.Stopped) -> None:
        message.stop()
        self.finish_reason = "stopped"
        self._finish()
        self._note("■ stopped; what arrived is kept")
