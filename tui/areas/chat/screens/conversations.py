"""The conversation list beside the chat: showing, opening, renaming, pinning, archiving,
deleting and searching conversations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work

from tui.areas.chat.widgets.sidebar import ChatList, Sidebar

if TYPE_CHECKING:
    from tui.store.conversations import Conversation

from tui.areas.chat.screens.base import NARROW, ChatBase


class ConversationList(ChatBase):
    """The conversation list beside the chat: showing, opening, renaming, pinning, archiving,"""

    @work(group="sidebar", exclusive=True, exit_on_error=False)
    async def reload_sidebar(self) -> None:
        """Show the stored conversations in the list (filtered as it says)."""
        sidebar = self.query_one(Sidebar)
        if not sidebar.children:
            return
        needle, archived = sidebar.needle, sidebar.archived
        found = await self._stored(
            "listing the conversations",
            lambda repos: repos.conversations.conversations(archived=archived, filter=needle),
            asked=False,
        )
        if found is not None:
            sidebar.show(found, self.session.conversation_id)

    async def action_toggle_sidebar(self) -> None:
        """Show or hide the conversation list."""
        sidebar = self.query_one(Sidebar)
        hidden = not sidebar.has_class("hidden")
        sidebar.set_class(hidden, "hidden")
        if not hidden:
            await sidebar.build()
            self.reload_sidebar()
            sidebar.query_one(ChatList).focus()
        else:
            self._prompt().focus()

    @on(Sidebar.Picked)
    async def _picked(self, event: Sidebar.Picked) -> None:
        await self.load_conversation(event.conversation_id)
        self._leave_sidebar()

    @on(Sidebar.Leave)
    def _leave_sidebar(self) -> None:
        if self.app.size.width < NARROW:
            self.query_one(Sidebar).set_class(True, "hidden")
        self._prompt().focus()

    @on(Sidebar.Query)
    def _sidebar_query(self) -> None:
        self.reload_sidebar()

    @on(Sidebar.Act)
    async def _sidebar_act(self, event: Sidebar.Act) -> None:
        chosen, what = event.conversation, event.what
        if what == "pin":
            await self._change(chosen, "pinning", pinned=not chosen.pinned)
        elif what == "archive":
            if await self._change(chosen, "archiving", archived=not chosen.archived):
                done = "restored" if chosen.archived else "archived (v shows archived chats)"
                self.notify(f"“{chosen.title}” {done}.", timeout=4)
        elif what == "rename":
            from tui.screens.dialogs import AskText

            async def renamed(title: str | None) -> None:
                if title:
                    await self._change(chosen, "renaming", title=title)
                    if chosen.id == self.session.conversation_id:
                        self.session.title = title

            self.app.push_screen(AskText("Rename conversation", chosen.title), renamed)
        elif what == "delete":
            from tui.screens.dialogs import Confirm

            async def confirmed(yes: bool | None) -> None:
                if not yes:
                    return
                done = await self._stored(
                    "deleting the conversation",
                    lambda repos: repos.conversations.delete(chosen.id) or True,
                )
                if done:
                    self.notify(f"Deleted “{chosen.title}”.", timeout=4)
                    if chosen.id == self.session.conversation_id:
                        await self.action_new_chat()
                    self.reload_sidebar()

            question = f"Delete “{chosen.title}” and all its messages? This cannot be undone."
            self.app.push_screen(Confirm(question), confirmed)

    async def _change(self, chosen: Conversation, what: str, **fields: Any) -> bool:
        done = await self._stored(
            f"{what} the conversation",
            lambda repos: repos.conversations.update(chosen.id, **fields),
        )
        self.reload_sidebar()
        return done is not None

    async def action_search(self) -> None:
        """Search every conversation; Enter opens one at the message found."""
        from tui.areas.chat.screens.search import SearchScreen

        async def opened(found: tuple[int, int] | None) -> None:
            if found is None:
                return
            conversation_id, message_id = found
            leaf = await self._stored(
                "opening the message",
                lambda repos: repos.conversations.newest_leaf(message_id),
            )
            if leaf is not None:
                await self.load_conversation(conversation_id, leaf, focus=message_id)

        self.app.push_screen(SearchScreen(self.services), opened)
