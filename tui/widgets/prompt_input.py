"""The multi-line prompt: Enter sends, ctrl+j inserts a newline."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class PromptInput(TextArea):
    """Where the user writes a message."""

    DEFAULT_CSS = """
    PromptInput {
        height: auto;
        min-height: 3;
        max-height: 10;
        border: round $primary 60%;
        padding: 0 1;
        &:focus { border: round $primary; }
    }
    """

    BINDINGS = [
        # Not in the footer (no room at 80 columns): the prompt's placeholder shows both.
        Binding(
            "enter", "submit", "Send", id="prompt.send", tooltip="Send the message", show=False
        ),
        Binding(
            "ctrl+j,shift+enter",
            "newline",
            "Newline",
            show=False,
            id="prompt.newline",
            tooltip="Insert a line break (ctrl+j in every terminal; shift+enter where the "
            "terminal reports it)",
        ),
    ]

    @dataclass
    class Submitted(Message):
        """The user pressed Enter."""

        prompt: PromptInput
        text: str

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(
            name=name,
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            highlight_cursor_line=False,
            compact=False,
        )
        self.placeholder = "Message (Enter sends, ctrl+j new line, ctrl+t attaches a file)"

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            # Skip TextArea's newline insert; the binding above then sends.
            event.prevent_default()

    def action_submit(self) -> None:
        """Send what is written."""
        self.post_message(self.Submitted(self, self.text))

    def action_newline(self) -> None:
        """Insert a line break at the cursor."""
        start, end = self.selection
        self.replace("\n", start, end, maintain_selection_offset=False)
