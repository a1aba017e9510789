"""The conversation list: pinned first, then newest; filter as you type; keys for the rest."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.core.text import safe

if TYPE_CHECKING:
    from tui.store.conversations import Conversation, ConversationStore


class ChatList(OptionList):
    """The list itself; its keys act on the highlighted conversation."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open", id="chats.open"),
        Binding("f2", "act('rename')", "Rename", id="chats.rename"),
        Binding("p", "act('pin')", "Pin", id="chats.pin", tooltip="Pin or unpin"),
        Binding("a", "act('archive')", "Archive", id="chats.archive", tooltip="Archive/restore"),
        Binding("delete,d", "act('delete')", "Delete", id="chats.delete", tooltip="Delete…"),
        Binding("v", "act('view')", "Archived", id="chats.view", tooltip="Show archived/active"),
        Binding("slash", "act('filter')", "Filter", id="chats.filter", tooltip="Filter titles"),
    ]

    def action_act(self, name: str) -> None:
        sidebar = self.parent
        if isinstance(sidebar, Sidebar):
            sidebar.act(name)


class Sidebar(Vertical):
    """Conversations of the store, with the one on screen marked."""

    DEFAULT_CSS = """
    Sidebar {
        dock: left; width: 32; height: 1fr;
        border-right: vkey $panel-lighten-2;
        background: $surface;
        &.hidden { display: none; }
        & > .sidebar--title { color: $text-muted; padding: 0 1; }
        & > Input { border: none; height: 1; padding: 0 1; margin: 0 0 1 0; }
        & > ChatList, & > ChatList:focus { border: none; height: 1fr; padding: 0; }
    }
    """

    @dataclass
    class Picked(Message):
        """Open this conversation."""

        conversation_id: int

    @dataclass
    class Changed(Message):
        """A conversation was renamed, pinned, archived or deleted here."""

        conversation_id: int
        what: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store: ConversationStore | None = None
        self.current: int | None = None
        self.archived = False
        self._shown: list[Conversation] = []

    def compose(self) -> ComposeResult:
        # Its widgets are made after the first frame (`build`): the list needs the store,
        # which opens then, and the first frame should not wait for widgets it hides.
        return iter(())

    async def build(self) -> None:
        """Make the title, filter and list (once)."""
        if not self.children:
            await self.mount_all(
                [
                    Static("Chats", classes="sidebar--title"),
                    Input(placeholder="filter titles…", id="chat-filter"),
                    ChatList(id="chat-list"),
                ]
            )

    def reload(self, store: ConversationStore | None = None, current: int | None = None) -> None:
        """Show the store's conversations again (after any change)."""
        if store is not None:
            self.store = store
        self.current = current
        if self.store is None or not self.children:
            return
        needle = self.query_one("#chat-filter", Input).value.strip()
        before = self.highlighted()
        self._shown = self.store.conversations(archived=self.archived, filter=needle)
        options = self.query_one(ChatList)
        options.clear_options()
        labels = [Option(self._label(c), id=str(c.id)) for c in self._shown]  # markup-safe: Text
        options.add_options(labels)
        title = "Archived chats" if self.archived else "Chats"
        self.query_one(".sidebar--title", Static).update(
            Text(f"{title} ({len(self._shown)}) · v: {'active' if self.archived else 'archived'}")
        )
        if self._shown:
            ids = [c.id for c in self._shown]
            # The cursor stays on the conversation it was on; else on the one on screen.
            keep = before.id if before is not None and options.has_focus else current
            options.highlighted = ids.index(keep) if keep in ids else 0

    def _label(self, conversation: Conversation) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("● " if conversation.id == self.current else "  ", style="bold")
        if conversation.pinned:
            text.append("★ ", style="bold")
        text.append(safe(conversation.title) or "Untitled")
        text.append(f"\n  {_ago(conversation.updated)} · {conversation.model}", style="dim")
        return text

    def highlighted(self) -> Conversation | None:
        """The conversation under the cursor."""
        if not self.children:
            return None
        index = self.query_one(ChatList).highlighted
        if index is None or not 0 <= index < len(self._shown):
            return None
        return self._shown[index]

    @on(Input.Changed, "#chat-filter")
    def _filter(self) -> None:
        self.reload(current=self.current)

    @on(Input.Submitted, "#chat-filter")
    def _filter_done(self) -> None:
        chosen = self.highlighted()
        if chosen is not None:
            self.post_message(Sidebar.Picked(chosen.id))
        else:
            self.query_one(ChatList).focus()

    def on_key(self, event: object) -> None:
        # Down from the filter goes to the list.
        filter_box = self.query("#chat-filter")
        if getattr(event, "key", "") == "down" and filter_box and filter_box.first().has_focus:
            self.query_one(ChatList).focus()

    @on(OptionList.OptionSelected, "#chat-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(Sidebar.Picked(int(event.option.id or 0)))

    def act(self, name: str) -> None:
        """Rename, pin, archive, delete the highlighted conversation; switch views; filter."""
        if name == "filter":
            self.query_one("#chat-filter", Input).focus()
            return
        if name == "view":
            self.archived = not self.archived
            self.reload(current=self.current)
            return
        chosen = self.highlighted()
        if chosen is None or self.store is None:
            self.notify("No conversation here yet.", timeout=3)
            return
        store = self.store
        if name == "pin":
            store.update(chosen.id, pinned=not chosen.pinned)
            self._changed(chosen.id, "pin")
        elif name == "archive":
            store.update(chosen.id, archived=not chosen.archived)
            done = "restored" if chosen.archived else "archived (v shows archived chats)"
            self.notify(f"“{chosen.title}” {done}.", timeout=4)
            self._changed(chosen.id, "archive")
        elif name == "rename":
            from tui.screens.dialogs import AskText

            def renamed(title: str | None) -> None:
                if title:
                    store.update(chosen.id, title=title)
                    self._changed(chosen.id, "rename")

            self.app.push_screen(AskText("Rename conversation", chosen.title), renamed)
        elif name == "delete":
            from tui.screens.dialogs import Confirm

            def confirmed(yes: bool | None) -> None:
                if yes:
                    store.delete(chosen.id)
                    self.notify(f"Deleted “{chosen.title}”.", timeout=4)
                    self._changed(chosen.id, "delete")

            question = f"Delete “{chosen.title}” and all its messages? This cannot be undone."
            self.app.push_screen(Confirm(question), confirmed)

    def _changed(self, conversation_id: int, what: str) -> None:
        self.post_message(Sidebar.Changed(conversation_id, what))
        self.reload(current=self.current)


def _ago(stamp: float) -> str:
    seconds = max(0.0, time.time() - stamp)
    if seconds < 60:
        return "just now"
    for size, unit in ((86400 * 7, "w"), (86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return ""
