"""What a user's message and a reply share (a stored turn, focus, the keys that act on a
message), and the user's message itself, shown as typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.areas.chat.core.session import Turn

ITEM_BINDINGS: list[BindingType] = [
    Binding("up", "move(-1)", "Previous", show=False, id="message.previous"),
    Binding("down", "move(1)", "Next", show=False, id="message.next"),
    Binding("escape", "act('back')", "Prompt", id="message.back", tooltip="Back to the prompt"),
    Binding("c", "act('copy')", "Copy", id="message.copy", tooltip="Copy the message"),
    Binding("k", "act('code')", "Code", id="message.code", tooltip="Copy a code block"),
    Binding(
        "left",
        "act('branch_prev')",
        "Versions",
        key_display="←→",
        id="message.branch_prev",
        tooltip="Show the previous version (branch) of this message",
    ),
    Binding(
        "right",
        "act('branch_next')",
        "Next version",
        show=False,
        id="message.branch_next",
        tooltip="Show the next version (branch) of this message",
    ),
    Binding("d", "act('delete')", "Delete", id="message.delete", tooltip="Delete (asks first)"),
    Binding(
        "w",
        "act('save')",
        "Save",
        show=False,
        id="message.save",
        tooltip="Save the message to a file (when the clipboard does not reach you)",
    ),
    Binding(
        "o",
        "act('pager')",
        "Open",
        show=False,
        id="message.pager",
        tooltip="Open the message in your pager ($PAGER), to copy from there",
    ),
]


class ChatItem(Widget):
    """What user messages and replies share: a stored record, focus, keyboard actions.

    Actions go to the screen as `ChatItem.Action` messages; the screen owns the store."""

    can_focus = True

    @dataclass
    class Action(Message):
        """The user asked for `name` on `item` (copy, code, edit, regenerate, ...)."""

        item: ChatItem
        name: str

    turn: Turn | None = None
    """The message of the chat session shown here."""

    role: ClassVar[str] = ""

    @property
    def record_id(self) -> int | None:
        """The stored message shown here, once it is saved."""
        return self.turn.record_id if self.turn is not None else None

    @property
    def branch(self) -> tuple[int, int]:
        """Which of its versions this message is, and how many there are."""
        return self.turn.branch if self.turn is not None else (1, 1)

    @property
    def content(self) -> str:
        """The message's text."""
        raise NotImplementedError

    def action_act(self, name: str) -> None:
        self.post_message(ChatItem.Action(self, name))

    def action_move(self, step: int) -> None:
        items = list(self.screen.query(ChatItem))
        index = items.index(self) + step
        if 0 <= index < len(items):
            items[index].focus()
            items[index].scroll_visible(animate=False)

    def refresh_header(self) -> None:
        """Redraw whatever shows the branch and figures."""


class UserMessage(ChatItem):
    """A message the user sent, shown as typed (no markup, no control sequences)."""

    DEFAULT_CSS = """
    UserMessage {
        height: auto;
        margin: 1 0 0 0;
        padding: 0 1;
        border-left: thick $accent;
        background: $boost;
        &:focus { background: $accent 20%; }
        & > .user--branch { color: $text-muted; display: none; }
        & > .user--branch.shown { display: block; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *ITEM_BINDINGS,
        Binding("e", "act('edit')", "Edit", id="message.edit", tooltip="Edit and resend"),
    ]
    role = "user"

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = text

    @property
    def content(self) -> str:
        return self.text

    def compose(self) -> ComposeResult:
        yield Static("", classes="user--branch")
        yield Static(plain(self.text), classes="user--text")

    def on_mount(self) -> None:
        self.refresh_header()

    def refresh_header(self) -> None:
        if not self.is_mounted:
            return
        index, count = self.branch
        label = self.query_one(".user--branch", Static)
        label.update(Text(f"version {index}/{count} · ←/→ switch"))
        label.set_class(count > 1, "shown")
