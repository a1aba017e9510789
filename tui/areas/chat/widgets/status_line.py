"""One line under the conversation: model and server, what is happening, then the figures
of the last reply. At 80 columns the figures are cut first, never the state."""

from __future__ import annotations

from typing import Protocol

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.core.text import safe


class ReplyFigures(Protocol):
    """What the status line shows of a reply."""

    @property
    def prompt_tokens(self) -> int | None: ...
    @property
    def completion_tokens(self) -> int | None: ...
    @property
    def ttft(self) -> float | None: ...
    @property
    def tokens_per_second(self) -> float | None: ...


class StatusLine(Widget):
    """Shows the model, the state, and the figures of the last reply."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    model: reactive[str] = reactive("")
    """The model new messages go to."""
    prompt_tokens: reactive[int | None] = reactive(None)
    """Prompt tokens of the last reply, from the server's usage."""
    completion_tokens: reactive[int | None] = reactive(None)
    """Completion tokens of the last reply."""
    ttft: reactive[float | None] = reactive(None)
    """Seconds from sending to the first token of the last reply."""
    tokens_per_second: reactive[float | None] = reactive(None)
    """Completion speed of the last reply."""
    state: reactive[str] = reactive("")
    """What is happening now: streaming, stopped, an error headline."""
    saving: reactive[str] = reactive("")
    """Whether what is shown is saved: empty when it is, else why not."""
    server: reactive[str] = reactive("")
    """Short name of the server."""
    cost: reactive[str | None] = reactive(None)
    """What the conversation has cost so far, as text (see core.pricing)."""
    low_bandwidth: reactive[bool] = reactive(False)
    """Whether low-bandwidth mode is on (fewer frames, no blink, 16 colours)."""

    def clear_figures(self) -> None:
        """Forget the last reply's figures and the state (a conversation was replaced)."""
        self.prompt_tokens = self.completion_tokens = None
        self.ttft = self.tokens_per_second = None
        self.cost = None
        self.state = ""

    def show_reply(self, reply: ReplyFigures) -> None:
        """The figures of a reply that just ended."""
        self.prompt_tokens = reply.prompt_tokens
        self.completion_tokens = reply.completion_tokens
        self.ttft = reply.ttft
        self.tokens_per_second = reply.tokens_per_second

    def render(self) -> Text:
        # What is happening comes first; figures follow while they fit whole, the least
        # telling left out first (the speed, then the time to first token): a narrow line
        # drops a figure, it never cuts one in half.
        room = max(0, self.size.width)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(safe(self.model) or "no model", style="bold")
        if self.server:
            text.append(f" @ {safe(self.server)}")
        parts: list[tuple[str, str]] = []
        if self.low_bandwidth:
            parts.append((" │ low bandwidth", ""))
        if self.saving:
            parts.append((f" │ {self.saving}", "bold"))
        if self.state:
            parts.append((f" │ {safe(self.state)}", "italic"))
        for part in parts:  # the state is never dropped: cut at the end if it must be
            text.append(*part)
        figures: list[str] = []
        if self.prompt_tokens is not None or self.completion_tokens is not None:
            figures.append(f" │ in {_n(self.prompt_tokens)} · out {_n(self.completion_tokens)}")
        if self.cost:
            figures.append(f" │ {self.cost}")
        if self.ttft is not None:
            figures.append(f" │ TTFT {self.ttft:.2f}s")
        if self.tokens_per_second is not None:
            figures.append(f" │ {self.tokens_per_second:.0f} tok/s")
        used = text.cell_len
        for figure in figures:
            if used + len(figure) > room:
                break
            text.append(figure)
            used += len(figure)
        return text


def _n(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"
