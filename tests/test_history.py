"""Conversations are kept in SQLite and come back when Loom starts again."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tui.app import LoomApp
from tui.areas.chat.widgets.messages import ReplyView
from tui.sim.app import SimConfig
from tui.sim.server import SimServer
from tui.store.conversations import open_conversations
from tui.store.db import DB_NAME

from .conftest import (
    reopened,
    screen_text,
    send,
    settings_for,
    settle,
    start_reply_and_wait,
    until,
)


async def test_a_conversation_comes_back_after_a_restart(
    sim: SimServer, private_data_dir: Path
) -> None:
    first = LoomApp(settings_for(sim))
    async with first.run_test(size=(100, 30)) as pilot:
        await send(pilot, first, "remember this loom")
        await settle(pilot, first)
    store = open_conversations(private_data_dir)
    (conversation,) = store.conversations()
    assert conversation.title == "remember this loom"
    user, assistant = store.messages(conversation.id)
    assert (user.role, user.content) == ("user", "remember this loom")
    assert assistant.content.startswith("You wrote:") and not assistant.incomplete
    assert assistant.parent_id == user.id and assistant.finish_reason == "stop"
    assert assistant.completion_tokens and assistant.request_id

    second = LoomApp(settings_for(sim))
    async with second.run_test(size=(100, 30)) as pilot:
        screen = await reopened(second, pilot)
        assert [m["role"] for m in screen.history] == ["user", "assistant"]
        assert "remember this loom" in screen_text(second)
        # Going on with it adds to the same conversation.
        await send(pilot, second, "and more")
        await settle(pilot, second)
    assert [m.role for m in store.messages(conversation.id)] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]


async def test_a_stopped_reply_comes_back_marked_incomplete(private_data_dir: Path) -> None:
    with SimServer(SimConfig(tokens_per_second=40)) as slow:
        app = LoomApp(settings_for(slow))
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await start_reply_and_wait(app, "stop half way", 40)
            await pilot.press("escape")
            await settle(pilot, app)
            kept = screen.query_one(ReplyView).text
        again = LoomApp(settings_for(slow))
        async with again.run_test(size=(100, 30)) as pilot:
            await reopened(again, pilot)
            reply = again.screen.query_one(ReplyView)
            assert reply.text == kept
            assert "incomplete" in screen_text(again)


async def test_an_unusable_database_is_reported_and_chat_goes_on(
    sim: SimServer, private_data_dir: Path
) -> None:
    bad = private_data_dir / DB_NAME
    await asyncio.to_thread(private_data_dir.mkdir, parents=True)
    await asyncio.to_thread(bad.write_bytes, b"not a database " * 64)
    before = await asyncio.to_thread(bad.read_bytes)
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "still works")
        await settle(pilot, app)
        app.screen.query_one("#conversation").scroll_home(animate=False)
        await pilot.pause(0.1)
        # Said once (a toast) and kept in the conversation: compare words, not lines.
        (notice,) = [n.message for n in app._notifications if "not being saved" in n.message]
        assert "move it aside" in notice
        words = " ".join(re.findall(r"[\w-]+", screen_text(app)))
        assert "could not be reopened" in words and "move it aside" in words
        assert app.screen.query_one(ReplyView).text.startswith("You wrote:")
    assert await asyncio.to_thread(bad.read_bytes) == before


async def test_a_store_that_cannot_be_used_is_said_once_and_stays_in_the_status_line(
    sim: SimServer, private_data_dir: Path
) -> None:
    # The data folder is a file: opening the conversation, the watched objects, the model
    # list, the ledger and saving all fail for this one cause.
    await asyncio.to_thread(private_data_dir.parent.mkdir, parents=True, exist_ok=True)
    await asyncio.to_thread(private_data_dir.write_text, "a file, not a folder\n")
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, app, "kept on screen")
        await settle(pilot, app)
        await pilot.press("f10")  # the cockpit reads and writes its watched jobs too
        await until(lambda: app.screen.id != "chat" and bool(app.screen.query("#ft-status")), "ft")
        await pilot.press("f9")
        await until(lambda: "not saved" in screen_text(app), "the status line's warning")
        store_notices = [n for n in app._notifications if "not being saved" in n.message]
        assert len(store_notices) == 1, [n.message for n in app._notifications]
        (notice,) = store_notices
        assert str(private_data_dir) in notice.message and "Check that the folder" in notice.message
        assert "failed" not in notice.message  # the cause, not which piece of work found it
        assert app.screen.query_one(ReplyView).text.startswith("You wrote:")
