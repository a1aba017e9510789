"""What can be done on a message: copy it or a code block, save it, open it in a pager,
edit, regenerate, continue, switch versions, delete."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import on

from tui.areas.chat.core.session import SessionError
from tui.areas.chat.screens.base import ChatBase, export_dir, said
from tui.areas.chat.widgets.messages import ChatItem, ReplyView, UserMessage
from tui.core.failures import StoreError


class MessageActions(ChatBase):
    """The keys that act on the focused message (see the module's docstring)."""

    def action_focus_messages(self) -> None:
        """Focus the newest message, to act on it (copy, edit, branch, …)."""
        items = self._items()
        if not items:
            self.notify("No messages yet.", timeout=2)
            return
        items[-1].focus()
        items[-1].scroll_visible(animate=False)

    @on(ChatItem.Action)
    async def _item_action(self, event: ChatItem.Action) -> None:
        handler = getattr(self, f"_item_{event.name}", None)
        if handler is not None:
            await handler(event.item)

    async def _item_back(self, item: ChatItem) -> None:
        self._prompt().focus()

    async def _item_copy(self, item: ChatItem) -> None:
        self._copy(item.content, f"the message ({item.content.count(chr(10)) + 1} lines)")

    def _copy(self, text: str, what: str) -> None:
        self.app.copy_and_say(  # type: ignore[attr-defined]
            text, what, "w saves it to a file, o opens it in your pager"
        )

    async def _item_code(self, item: ChatItem) -> None:
        from tui.areas.chat.core.codeblocks import code_blocks

        blocks = code_blocks(item.content)
        if not blocks:
            self.notify("This message has no code block.", timeout=3)
            return

        def copy(index: int | None) -> None:
            if index is not None:
                block = blocks[index]
                label = f" ({block.language})" if block.language else ""
                self._copy(block.code, f"code block {index + 1}{label}")

        if len(blocks) == 1:
            copy(0)
            return
        from tui.screens.dialogs import Choose

        labels = [block.label for block in blocks]
        self.app.push_screen(Choose("Copy which code block?", labels), copy)

    async def _item_save(self, item: ChatItem) -> None:
        path = await self._write_message(item)
        if path is not None:
            self.notify(f"Saved the message to {path}", timeout=8)

    async def _write_message(self, item: ChatItem) -> Path | None:
        from tui.areas.chat.core.export import file_stem
        from tui.core.safe_files import write_inside
        from tui.core.text import safe

        folder = export_dir(self.services.settings)
        name = f"message-{item.record_id}" if item.record_id else "message"
        path = folder / f"{file_stem(name)}.md"
        try:
            path = await asyncio.to_thread(
                write_inside, folder, path.name, safe(item.content) + "\n"
            )
        except OSError as error:
            self.notify(
                f"Could not write {path}: {error.strerror or error}. Check the folder's "
                "permissions or free space.",
                severity="error",
                timeout=8,
            )
            return None
        return path

    async def _item_pager(self, item: ChatItem) -> None:
        from tui.core.terminal import pager_command

        path = await self._write_message(item)
        if path is None:
            return
        command = [*pager_command(), str(path)]
        try:
            self._run_suspended(command)
        except Exception as error:  # headless, or a pager that cannot run
            self.notify(
                f"Could not open {command[0]} ({error}); the message is in {path}",
                severity="warning",
                timeout=8,
            )

    def _run_suspended(self, command: list[str]) -> None:
        """Give the terminal to `command` until it ends (the pager), then take it back."""
        import subprocess

        with self.app.suspend():
            subprocess.run(command, check=False)

    async def _item_edit(self, item: ChatItem) -> None:
        if not isinstance(item, UserMessage) or self._busy():
            return
        prompt = self._prompt()
        prompt.load_text(item.content)
        prompt.move_cursor(prompt.document.end)
        prompt.focus()
        self._editing = item
        self.refresh_bindings()
        self.notify(
            "Editing: Enter sends it as a new version (the old one is kept); Esc cancels.",
            timeout=5,
        )

    async def _item_regenerate(self, item: ChatItem) -> None:
        if not isinstance(item, ReplyView) or item.turn is None or self._busy():
            return
        await self._remove_from(item)
        turn = self.session.new_version(item.turn)
        await self.session.save()
        await self._start_reply(turn)
        if self.reply is not None:
            # The new version takes the place (and the focus) of the old one; the view
            # stays anchored to the bottom, following it as it grows.
            self.reply.focus(scroll_visible=False)

    async def _item_continue(self, item: ChatItem) -> None:
        if not isinstance(item, ReplyView) or item.turn is None or self._busy():
            return
        if not self.session.can_continue(item.turn):
            self.notify(
                "Only the last reply, when it was cut short (token limit, stopped, failed or "
                "interrupted), can be continued; r asks again instead.",
                timeout=4,
            )
            return
        await self._start_reply(item.turn, into=item)

    async def _item_branch_prev(self, item: ChatItem) -> None:
        await self._switch_branch(item, -1)

    async def _item_branch_next(self, item: ChatItem) -> None:
        await self._switch_branch(item, 1)

    async def _switch_branch(self, item: ChatItem, step: int) -> None:
        if item.turn is None or self._busy():
            return
        try:
            shown = await self.session.switch_version(item.turn, step)
        except SessionError as problem:
            self.notify(said(problem.advice), timeout=3)
            return
        except StoreError as error:
            self.notify(str(error), title="Conversations", severity="warning", timeout=10)
            return
        await self._show_session(focus=shown.record_id)

    async def _item_delete(self, item: ChatItem) -> None:
        if item.turn is None or self._busy():
            return
        from tui.screens.dialogs import Confirm

        turn = item.turn

        async def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                emptied = await self.session.delete(turn)
            except StoreError as error:
                self.notify(str(error), title="Conversations", severity="warning", timeout=10)
                return
            if emptied:
                await self.action_new_chat()
            else:
                await self._show_session()

        question = "Delete this message and everything after it on this branch?"
        self.app.push_screen(Confirm(question), confirmed)
