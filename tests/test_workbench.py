"""The chat workbench driven by Pilot: several conversations, the list, search, message
actions (copy, code blocks over OSC 52, edit and branches, regenerate, continue, delete),
parameters and presets, export."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tui.app import LoomApp
from tui.areas.chat.screens import ChatScreen
from tui.areas.chat.screens.search import SearchScreen
from tui.areas.chat.widgets.messages import ChatItem, ReplyView, UserMessage
from tui.areas.chat.widgets.prompt_input import PromptInput
from tui.areas.chat.widgets.sidebar import ChatList, Sidebar
from tui.screens.dialogs import AskText, Choose, Confirm
from tui.screens.params import ParamsScreen
from tui.sim.server import SimServer
from tui.store.conversations import open_conversations

from .conftest import (
    chat,
    say,
    screen_text,
    settings_for,
    settle,
    start_reply_and_wait,
    until,
    wait_for_store,
)


def osc52_writes(app: LoomApp) -> list[str]:
    """Capture what the app writes to the terminal (the headless driver drops it)."""
    written: list[str] = []
    driver = app._driver
    assert driver is not None
    driver.write = written.append  # type: ignore[method-assign]
    return written


async def test_conversations_list_switch_rename_pin_archive_delete(
    sim: SimServer, private_data_dir: Path
) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_store(pilot, app)
        sidebar = app.screen.query_one(Sidebar)
        assert not sidebar.has_class("hidden"), "wide terminals show the list"
        await say(pilot, app, "first about warp threads")
        await pilot.press("ctrl+n")
        await say(pilot, app, "second about weft")
        titles = [c.title for c in open_conversations(private_data_dir).conversations()]
        assert titles == ["second about weft", "first about warp threads"]
        assert "first about warp" in screen_text(app) and "second about weft" in screen_text(app)
        # Open the older one from the list.
        await pilot.press("ctrl+l", "ctrl+l")  # hide, then show and focus the list
        assert app.screen.query_one(ChatList).has_focus
        await pilot.press("down", "enter")
        await pilot.pause()
        assert [i.content for i in app.screen.query(UserMessage)] == ["first about warp threads"]
        # Rename, pin, archive, delete: each on the highlighted conversation.
        await pilot.press("ctrl+l", "ctrl+l", "f2")
        assert isinstance(app.screen, AskText)
        await pilot.press("ctrl+u", *"Renamed", "enter")
        await pilot.pause()
        store = open_conversations(private_data_dir)
        highlighted = sidebar.highlighted()
        assert highlighted is not None and highlighted.title == "Renamed"
        await pilot.press("p")
        assert store.conversations()[0].pinned
        await pilot.press("a")
        await pilot.pause()
        assert [c.title for c in store.conversations(archived=True)] == ["Renamed"]
        await pilot.press("v")  # the archived view
        assert sidebar.highlighted() is not None
        await pilot.press("d")
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await pilot.pause()
        assert store.conversations(archived=True) == []
        assert [c.title for c in store.conversations()] == ["second about weft"]


async def test_the_list_starts_hidden_when_narrow(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.query_one(Sidebar).has_class("hidden")
        await pilot.press("ctrl+l")
        assert not app.screen.query_one(Sidebar).has_class("hidden")


async def test_search_opens_the_conversation_at_the_message(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_store(pilot, app)
        await say(pilot, app, "the shuttle carries weft")
        for n in range(3):
            await pilot.press("ctrl+n")
            await say(pilot, app, f"filler conversation {n}")
        await pilot.press("ctrl+f")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"shuttle")
        await pilot.pause()
        assert "shuttle" in screen_text(app) and "weft" in screen_text(app)
        assert len(app.screen.hits) == 2  # the message, and the reply quoting it
        await pilot.press("enter")
        await pilot.pause()
        screen = chat(app)
        assert [i.content for i in screen.query(UserMessage)] == ["the shuttle carries weft"]
        focused = app.focused
        assert isinstance(focused, ChatItem) and "shuttle" in focused.content


async def test_copy_message_and_code_blocks_write_osc52(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        two_blocks = "compare\n\n```python\nprint(1)\n```\n\nand\n\n```sh\necho two\n```"
        await say(pilot, app, two_blocks)
        written = osc52_writes(app)
        await pilot.press("ctrl+up", "up")  # the user message
        assert isinstance(app.focused, UserMessage)
        await pilot.press("c")
        assert app.clipboard == two_blocks
        assert written[-1] == "\x1b]52;c;" + base64.b64encode(two_blocks.encode()).decode() + "\a"
        await pilot.press("k")
        assert isinstance(app.screen, Choose)
        await pilot.press("2")
        await pilot.pause()
        assert app.clipboard == "echo two"
        assert written[-1] == "\x1b]52;c;" + base64.b64encode(b"echo two").decode() + "\a"
        # A reply with one block copies it straight away.
        await pilot.press("down")
        reply = app.focused
        assert isinstance(reply, ReplyView)
        await pilot.press("k")
        assert isinstance(app.screen, Choose) or app.clipboard.startswith("def greet")


async def test_edit_makes_a_branch_and_versions_switch(
    sim: SimServer, private_data_dir: Path
) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await say(pilot, app, "original question")
        await pilot.press("ctrl+up", "up", "e")
        prompt = app.screen.query_one(PromptInput)
        assert prompt.text == "original question" and prompt.has_focus
        prompt.load_text("edited question")
        prompt.action_submit()
        await pilot.pause()
        await settle(pilot, app)
        screen = chat(app)
        assert [i.content for i in screen.query(UserMessage)] == ["edited question"]
        user = screen.query_one(UserMessage)
        assert user.branch == (2, 2)
        assert "edited question" in screen.query_one(ReplyView).text
        # Left shows the first version again, with its own reply.
        user.focus()
        await pilot.press("left")
        await pilot.pause()
        assert [i.content for i in screen.query(UserMessage)] == ["original question"]
        assert "original question" in screen.query_one(ReplyView).text
        assert screen.query_one(UserMessage).branch == (1, 2)
        await pilot.press("right")
        await pilot.pause()
        assert [i.content for i in screen.query(UserMessage)] == ["edited question"]
        # Both versions are stored; the one shown comes back after a restart.
        store = open_conversations(private_data_dir)
        (conversation,) = store.conversations()
        users = [m.content for m in store.messages(conversation.id) if m.role == "user"]
        assert users == ["original question", "edited question"]
        assert store.path(conversation.id)[0].content == "edited question"


async def test_regenerate_keeps_the_old_reply_as_a_version(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await say(pilot, app, "ask twice")
        first = chat(app).query_one(ReplyView).text
        await pilot.press("ctrl+up", "r")
        await pilot.pause()
        await settle(pilot, app)
        (reply,) = chat(app).query(ReplyView)
        assert reply.branch == (2, 2) and reply.settled
        reply.focus()
        await pilot.press("left")
        await until(lambda: chat(app).query_one(ReplyView).branch == (1, 2), "the old version")
        (old,) = chat(app).query(ReplyView)
        assert old.text == first and old.branch == (1, 2)


async def test_continue_after_the_token_limit_completes_the_reply(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_store(pilot, app)
        screen = chat(app)
        screen.session.params = {"max_completion_tokens": 20}
        await say(pilot, app, "a long answer please")
        reply = screen.query_one(ReplyView)
        assert reply.finish_reason == "length"
        assert "cut at the token limit" in screen_text(app)
        cut = reply.text
        screen.session.params = {}
        await pilot.press("ctrl+up", "g")
        await pilot.pause()
        await settle(pilot, app)
        (reply,) = screen.query(ReplyView)
        assert reply.finish_reason == "stop" and reply.text.startswith(cut)
        assert len(reply.text) > len(cut) + 100
        # The continued reply is the one the model would have given uncut.
        await pilot.press("ctrl+n")
        await say(pilot, app, "a long answer please")
        assert screen.query_one(ReplyView).text == reply.text
        store = open_conversations(app.settings.store_dir)
        assert any(m.content == reply.text for m in store.messages(store.conversations()[-1].id))


async def test_delete_a_message_asks_then_removes_it_and_what_followed(
    sim: SimServer, private_data_dir: Path
) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await say(pilot, app, "keep me")
        await say(pilot, app, "delete me")
        await pilot.press("ctrl+up", "up", "d")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        assert len(chat(app).query(ChatItem)) == 4
        await pilot.press("d", "y")
        await pilot.pause()
        assert [i.content for i in chat(app).query(UserMessage)] == ["keep me"]
        store = open_conversations(private_data_dir)
        (conversation,) = store.conversations()
        assert [m.role for m in store.messages(conversation.id)] == ["user", "assistant"]


async def test_parameters_are_checked_saved_and_sent(
    sim: SimServer, private_data_dir: Path
) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_store(pilot, app)
        await say(pilot, app, "before settings")
        await pilot.press("f3")
        panel = app.screen
        assert isinstance(panel, ParamsScreen)
        await pilot.press(*"Answer briefly.")
        panel.query_one("#param-temperature").value = "3"  # type: ignore[attr-defined]
        panel.query_one("#param-stop").value = "END|STOP"  # type: ignore[attr-defined]
        await pilot.press("f2")
        await pilot.pause()
        assert app.screen is panel, "an out-of-range value keeps the panel open"
        assert "temperature: 3 is above 2" in screen_text(app)
        panel.query_one("#param-temperature").value = "0.4"  # type: ignore[attr-defined]
        panel.query_one("#model").value = "gpt-4.1"  # type: ignore[attr-defined]
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        await say(pilot, app, "after settings")
        body = sim.state.last_chat_body
        assert body["temperature"] == 0.4 and body["stop"] == ["END", "STOP"]
        assert body["model"] == "gpt-4.1"
        assert body["messages"][0] == {"role": "system", "content": "Answer briefly."}
        (conversation,) = open_conversations(private_data_dir).conversations()
        assert conversation.system_prompt == "Answer briefly."
        assert conversation.params == {"temperature": 0.4, "stop": ["END", "STOP"]}
        assert conversation.model == "gpt-4.1"


async def test_a_preset_is_saved_and_offered_for_a_new_chat(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_store(pilot, app)
        await pilot.press("f3", *"Be terse.")
        app.screen.query_one("#param-seed").value = "7"  # type: ignore[attr-defined]
        await pilot.press("f4")
        assert isinstance(app.screen, AskText)
        await pilot.press(*"terse", "enter", "escape")
        await pilot.pause()
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, Choose)
        await pilot.press("2")  # 1 is "No preset"
        await pilot.pause()
        await say(pilot, app, "with the preset")
        body = sim.state.last_chat_body
        assert body["seed"] == 7
        assert body["messages"][0] == {"role": "system", "content": "Be terse."}


async def test_export_from_the_chat_screen(sim: SimServer, private_data_dir: Path) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await say(pilot, app, "export me")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, Choose), [n.message for n in app._notifications]
        await pilot.press("2")
        await pilot.pause()
        (written,) = (private_data_dir / "exports").glob("*.json")
        data = json.loads(written.read_text())
        assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
        assert data["messages"][0]["content"] == "export me"
        assert data["metadata"][1]["finish_reason"] == "stop"


async def test_a_long_conversation_opens_on_its_newest_messages(
    sim: SimServer, private_data_dir: Path
) -> None:
    from tui.areas.chat.screens import SHOWN_AT_ONCE

    store = open_conversations(private_data_dir)
    conversation = store.create(title="long", model="gpt-4o-mini")
    parent = None
    for n in range(SHOWN_AT_ONCE * 3):
        role = "user" if n % 2 == 0 else "assistant"
        parent = store.add_message(conversation.id, role, f"message {n}", parent_id=parent).id
    store.db.close()
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = chat(app)
        await until(lambda: screen.query(ChatItem), "the conversation reopened")
        assert len(screen.query(ChatItem)) == SHOWN_AT_ONCE
        # The request still carries the whole conversation.
        await say(pilot, app, "and now?")
        sent = [m["content"] for m in sim.state.last_chat_body["messages"]]
        assert sent[0] == "message 0" and sent[-1] == "and now?"
        assert len(sent) == SHOWN_AT_ONCE * 3 + 1
        # PageUp at the top shows older messages.
        screen.query_one("#conversation").scroll_home(animate=False)
        await pilot.pause()
        assert f"{SHOWN_AT_ONCE * 2} earlier messages" in screen_text(app)
        await pilot.press("pageup")
        await pilot.pause()
        assert len(screen.query(UserMessage)) + len(screen.query(ReplyView)) > SHOWN_AT_ONCE + 2


async def test_tokens_and_cost_per_reply_and_an_estimate_before_sending(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_store(pilot, app)
        await say(pilot, app, "price check")
        reply = chat(app).query_one(ReplyView)
        # gpt-4o-mini is in the shipped table: tokens and dollars in the reply's header.
        assert reply.figures.endswith(" tok · $0.0001") or "$0.000" in reply.figures
        status = screen_text(app).splitlines()[-2]
        assert "$0.0" in status
        await pilot.press(*"x" * 40)
        prompt = chat(app).query_one(PromptInput)
        context = len("price check") + len(reply.text)
        expected = (40 + 3) // 4 + (context + 3) // 4
        assert prompt.border_subtitle == f"≈{expected:,} tokens to send"


async def test_opening_another_conversation_mid_stream_keeps_the_reply(
    private_data_dir: Path,
) -> None:
    from tui.sim.app import SimConfig

    with SimServer(SimConfig(tokens_per_second=40)) as slow:
        app = LoomApp(settings_for(slow))
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_store(pilot, app)
            store = open_conversations(private_data_dir)
            other = store.create(title="older one", model="gpt-4o-mini")
            store.add_message(other.id, "user", "from before")
            screen = await start_reply_and_wait(app, "stream while I switch", 40)
            streaming_id = screen.conversation_id
            await screen.load_conversation(other.id)
            await pilot.pause()
            assert [i.content for i in screen.query(UserMessage)] == ["from before"]
            assert not screen.streaming
            assert streaming_id is not None
            kept = store.path(streaming_id)[-1]
            assert kept.role == "assistant" and kept.incomplete and len(kept.content) >= 40
