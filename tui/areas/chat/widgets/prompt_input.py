"""The multi-line prompt: Enter sends, ctrl+j inserts a newline.

Enter and the newline keys are handled here, in the order keys arrive, not as bindings:
a binding runs only once the key has bubbled up to the app, by which time keys typed or
pasted after it may already be in the text (`line oneli` / `ne two`).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

NEWLINE_KEYS = ("ctrl+j", "shift+enter")


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
        # Described for the help and the palette; the keys themselves are read in on_key.
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
        """The user pressed Enter; the prompt is empty again (see `restore`)."""

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

    def on_key(self, event: events.Key) -> None:
        # Runs before TextArea's own key handler (Textual goes from the subclass down);
        # prevent_default keeps that one from inserting the line break Enter would make.
        if event.key == "enter":
            event.prevent_default()
            event.stop()
            self.action_submit()
        elif event.key in NEWLINE_KEYS:
            event.prevent_default()
            event.stop()
            self.action_newline()

    def action_submit(self) -> None:
        """Send what is written: the prompt empties at once, so keys typed next start the
        next message."""
        text = self.text
        if not text.strip():
            return
        self.clear()
        self.post_message(self.Submitted(self, text))

    def restore(self, text: str) -> None:
        """Put back a message that could not be sent, before anything typed since."""
        typed = self.text
        self.load_text(text + (typed if not typed or text.endswith("\n") else "\n" + typed))
        self.move_cursor(self.document.end)

    def action_newline(self) -> None:
        """Insert a line break at the cursor."""
        start, end = self.selection
        self.replace("\n", start, end, maintain_selection_offset=False)
