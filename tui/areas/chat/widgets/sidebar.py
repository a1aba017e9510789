"""The conversation list: pinned first, then newest; filter as you type; keys for the rest.

It shows what the screen gives it (`show`) and posts what the user asks for (`Picked`,
`Act`, `Query`): the screen owns the store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.core.text import safe

if TYPE_CHECKING:
    from tui.store.conversations import Conversation


class ChatList(OptionList):
    """The list itself; its keys act on the highlighted conversation."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open", id="chats.open"),
        Binding("f2,r", "act('rename')", "Rename", id="chats.rename", tooltip="Rename…"),
        Binding("p", "act('pin')", "Pin", id="chats.pin", tooltip="Pin or unpin"),
        Binding("a", "act('archive')", "Archive", id="chats.archive", tooltip="Archive/restore"),
        Binding("delete,d", "act('delete')", "Delete", id="chats.delete", tooltip="Delete…"),
        Binding("v", "act('view')", "Archived", id="chats.view", tooltip="Show archived/active"),
        Binding("slash", "act('filter')", "Filter", id="chats.filter", tooltip="Filter titles"),
        Binding("escape", "act('leave')", "Back", id="chats.back", tooltip="Back to the prompt"),
    ]

    def action_act(self, name: str) -> None:
        """Ask the sidebar to act on the highlighted conversation."""
        self.post_message(Sidebar.Key(name))


class Sidebar(Vertical):
    """Conversations, with the one on screen marked."""

    DEFAULT_CSS = """
    Sidebar {
        width: 32; height: 1fr;
        border-right: vkey $panel-lighten-2;
        background: $surface;
        &.hidden { display: none; }
        & > .sidebar--title { color: $text-muted; padding: 0 1; }
        & > Input { margin: 0 0 1 0; padding: 0 1; }
        & > ChatList, & > ChatList:focus { border: none; height: 1fr; padding: 0; }
        & > .sidebar--detail { color: $text-muted; padding: 0 1; height: auto; }
    }
    """

    @dataclass
    class Picked(Message):
        """Open this conversation."""

        conversation_id: int

    @dataclass
    class Act(Message):
        """Rename, pin, archive or delete this conversation (the screen asks and does)."""

        conversation: Conversation
        what: str

    @dataclass
    class Query(Message):
        """Show the conversations matching `text`, archived or active ones."""

        text: str
        archived: bool

    @dataclass
    class Leave(Message):
        """The user is done with the list (Esc)."""

    @dataclass
    class Key(Message):
        """A key of the list, for the sidebar (internal)."""

        name: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.current: int | None = None
        self.archived = False
        self._shown: list[Conversation] = []
        self._counts: dict[int, int] = {}

    def compose(self) -> ComposeResult:
        # Its widgets are made after the first frame (`build`): the first frame should not
        # wait for widgets it hides.
        return iter(())

    async def build(self) -> None:
        """Make the title, filter and list (once)."""
        if not self.children:
            await self.mount_all(
                [
                    Static("Chats", classes="sidebar--title"),
                    Input(placeholder="filter titles…", id="chat-filter", compact=True),
                    ChatList(id="chat-list"),
                    Static("", classes="sidebar--detail"),
                ]
            )

    @property
    def needle(self) -> str:
        """What the filter holds."""
        found = self.query("#chat-filter")
        return found.first(Input).value.strip() if found else ""

    def show(self, conversations: list[Conversation], current: int | None) -> None:
        """Show these conversations (already filtered), marking `current`."""
        self.current = current
        if not self.children:
            return
        options = self.query_one(ChatList)
        before = self.highlighted()
        self._shown = conversations
        options.clear_options()
        labels = [Option(self._label(c), id=str(c.id)) for c in conversations]  # markup-safe: Text
        options.add_options(labels)
        title = "Archived chats" if self.archived else "Chats"
        other = "active" if self.archived else "archived"
        self.query_one(".sidebar--title", Static).update(
            Text(f"{title} ({len(conversations)}) · v: {other}")
        )
        if conversations:
            ids = [c.id for c in conversations]
            # The cursor stays on the conversation it was on; else on the one on screen.
            keep = before.id if before is not None and options.has_focus else current
            options.highlighted = ids.index(keep) if keep in ids else 0
        self._show_detail()

    def _label(self, conversation: Conversation) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("● " if conversation.id == self.current else "  ", style="bold")
        if conversation.pinned:
            text.append("★ ", style="bold")
        text.append(safe(conversation.title) or "Untitled")
        about = [_ago(conversation.updated)]
        if conversation.model:
            about.append(safe(conversation.model))
        text.append("\n  " + " · ".join(about), style="dim")
        return text

    def highlighted(self) -> Conversation | None:
        """The conversation under the cursor."""
        if not self.children:
            return None
        index = self.query_one(ChatList).highlighted
        if index is None or not 0 <= index < len(self._shown):
            return None
        return self._shown[index]

    @on(OptionList.OptionHighlighted, "#chat-list")
    def _show_detail(self) -> None:
        chosen = self.highlighted()
        detail = self.query(".sidebar--detail")
        if not detail:
            return
        words = (
            f"#{chosen.id} · `loom export {chosen.id}`" if chosen is not None else "no chats yet"
        )
        detail.first(Static).update(Text(words))

    @on(Input.Changed, "#chat-filter")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(Sidebar.Query(event.value.strip(), self.archived))

    @on(Input.Submitted, "#chat-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        chosen = self.highlighted()
        if chosen is not None:
            self.post_message(Sidebar.Picked(chosen.id))
        else:
            self.query_one(ChatList).focus()

    def on_key(self, event: events.Key) -> None:
        # Down from the filter goes to the list; Esc in the filter leaves the list.
        filter_box = self.query("#chat-filter")
        if not filter_box or not filter_box.first().has_focus:
            return
        if event.key == "down":
            event.stop()
            self.query_one(ChatList).focus()
        elif event.key == "escape":
            event.stop()
            self.post_message(Sidebar.Leave())

    @on(OptionList.OptionSelected, "#chat-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(Sidebar.Picked(int(event.option.id or 0)))

    @on(Key)
    def _key(self, event: Sidebar.Key) -> None:
        event.stop()
        name = event.name
        if name == "leave":
            self.post_message(Sidebar.Leave())
        elif name == "filter":
            self.query_one("#chat-filter", Input).focus()
        elif name == "view":
            self.archived = not self.archived
            self.post_message(Sidebar.Query(self.needle, self.archived))
        else:
            chosen = self.highlighted()
            if chosen is None:
                self.notify("No conversation here yet.", timeout=3)
            else:
                self.post_message(Sidebar.Act(chosen, name))


def _ago(stamp: float) -> str:
    seconds = max(0.0, time.time() - stamp)
    if seconds < 60:
        return "just now"
    for size, unit in ((86400 * 7, "w"), (86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return ""
