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
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(safe(self.model) or "no model", style="bold")
        if self.server:
            text.append(f" @ {safe(self.server)}")
        if self.low_bandwidth:
            text.append(" │ low bandwidth")
        # What is happening comes before the figures: a narrow line cuts the figures.
        if self.saving:
            text.append(f" │ {self.saving}", style="bold")
        if self.state:
            text.append(f" │ {safe(self.state)}", style="italic")
        if self.prompt_tokens is not None or self.completion_tokens is not None:
            text.append(f" │ in {_n(self.prompt_tokens)} · out {_n(self.completion_tokens)} tok")
        if self.cost:
            text.append(f" │ {self.cost}")
        if self.ttft is not None:
            text.append(f" │ TTFT {self.ttft:.2f}s")
        if self.tokens_per_second is not None:
            text.append(f" │ {self.tokens_per_second:.0f} tok/s")
        return text


def _n(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"
