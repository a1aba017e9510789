"""The two kinds of message in a conversation: what the user wrote, and the reply."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from tui.advice import Advice, clean_terminal_text
from tui.mdsplit import safe_split

if TYPE_CHECKING:
    from textual.widgets import Markdown

FLUSH_SECONDS = 1 / 15
"""How often streamed text is handed to the Markdown renderer."""
SEGMENT_CHARS = 1200
"""Past this many characters the rendered tail is frozen at a safe block boundary."""


class UserMessage(Static):
    """A message the user sent, shown as typed (no markup, no control sequences)."""

    DEFAULT_CSS = """
    UserMessage {
        margin: 1 0 0 0;
        padding: 0 1;
        border-left: thick $accent;
        background: $boost;
    }
    """

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(Text(clean_terminal_text(text)), id=id)
        self.text = text


class ReplyView(Vertical):
    """An assistant reply: Markdown that grows as the stream arrives.

    Deltas are buffered and handed to the renderer a few times a second. Finished blocks
    are frozen in their own Markdown widget once the tail grows long, so each update lays
    out only a bounded tail, whatever the length of the reply.
    """

    DEFAULT_CSS = """
    ReplyView {
        height: auto;
        margin: 1 0 0 0;
        & > .reply--header { color: $text-muted; padding: 0 1; }
        & > #body { height: auto; }
        & Markdown { margin: 0; padding: 0 1; }
        & > .reply--note { color: $text-muted; padding: 0 1; display: none; }
        & > .reply--note.shown { display: block; }
        & > .reply--note.error { color: $text-error; border-left: thick $error; }
    }
    """

    @dataclass
    class Delta(Message):
        """More reply text arrived."""

        text: str

    @dataclass
    class Done(Message):
        """The reply finished normally."""

        finish_reason: str | None

    @dataclass
    class Failed(Message):
        """The reply failed; what arrived stays."""

        advice: Advice

    class Stopped(Message):
        """The user stopped the reply; what arrived stays."""

    def __init__(self, model: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = model
        self._pending: list[str] = []
        self._parts: list[str] = []
        self._tail_source = ""
        self._tail: Markdown | None = None
        self._segments = 0
        self._timer: Timer | None = None
        self._render_lock = asyncio.Lock()
        self.finished = False
        self.finish_reason: str | None = None
        self.error: Advice | None = None

    @property
    def text(self) -> str:
        """Everything received, rendered or not."""
        return "".join(self._parts) + "".join(self._pending)

    @property
    def settled(self) -> bool:
        """Finished, and everything received is on screen."""
        return self.finished and not self._pending and not self._render_lock.locked()

    @property
    def segments(self) -> int:
        """How many Markdown widgets the reply is rendered in."""
        return self._segments

    def compose(self) -> ComposeResult:
        yield Static(Text(f"assistant · {self.model}"), classes="reply--header")
        yield Vertical(id="body")
        yield Static("", classes="reply--note")

    def on_reply_view_delta(self, message: ReplyView.Delta) -> None:
        message.stop()
        self._pending.append(message.text)
        if self._timer is None and not self.finished:
            self._timer = self.set_interval(FLUSH_SECONDS, self.flush, name="reply-flush")

    async def flush(self) -> None:
        """Hand buffered text to the renderer."""
        # The timer runs this in its own task while message handlers may call it too:
        # one render at a time, or two Markdown updates would interleave.
        async with self._render_lock:
            await self._flush()

    async def _flush(self) -> None:
        if not self._pending:
            return
        new = "".join(self._pending)
        self._pending.clear()
        self._parts.append(new)
        source = self._tail_source + new
        tail = self._tail
        if tail is None:
            await self._new_segment(source)
            return
        split = safe_split(source, SEGMENT_CHARS // 2) if len(source) >= SEGMENT_CHARS else None
        if split is None:
            # A whole re-render of the bounded tail: Markdown.append's incremental update
            # loses lines of a growing block quote (Textual 8.2), and the tail is small.
            self._tail_source = source
            await tail.update(source)
        else:
            await tail.update(source[:split])
            await self._new_segment(source[split:])

    async def _new_segment(self, source: str) -> None:
        from textual.widgets import Markdown

        # Mounted empty, then filled: Markdown renders its initial text from its own
        # on-mount handler, which could interleave with our next update and leave stale
        # blocks behind. An empty initial render leaves nothing to go stale.
        self._tail_source = source
        self._tail = Markdown()
        self._segments += 1
        await self.query_one("#body", Vertical).mount(self._tail)
        await self._tail.update(source)

    async def _finish(self) -> None:
        self.finished = True
        # Stop the timer only while holding the render lock: cancelling it in the middle
        # of a render would cut a Markdown update short and drop text.
        async with self._render_lock:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            await self._flush()

    def _note(self, text: str, *, error: bool = False) -> None:
        note = self.query_one(".reply--note", Static)
        note.update(Text(text))
        note.set_class(True, "shown")
        note.set_class(error, "error")

    async def on_reply_view_done(self, message: ReplyView.Done) -> None:
        message.stop()
        self.finish_reason = message.finish_reason
        await self._finish()
        if message.finish_reason == "length":
            self._note("⋯ cut at the token limit (max_completion_tokens)")
        elif message.finish_reason == "content_filter":
            self._note("⋯ stopped by the server's content filter")
        elif not self.text:
            self._note("(the server sent an empty reply)")

    async def on_reply_view_failed(self, message: ReplyView.Failed) -> None:
        message.stop()
        self.error = message.advice
        await self._finish()
        advice = message.advice
        self._note(f"✗ {advice.headline}\n{advice.detail}\n→ {advice.fix}", error=True)

    async def on_reply_view_stopped(self, message: ReplyView.Stopped) -> None:
        message.stop()
        self.finish_reason = "stopped"
        await self._finish()
        self._note("■ stopped; what arrived is kept")
