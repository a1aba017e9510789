"""Chat behaviour found trying Loom as a new user would (issue 9, part 7)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from textual import events

from tui.app import LoomApp
from tui.areas.chat.screens import ChatScreen
from tui.areas.chat.widgets.messages import ReplyView, UserMessage
from tui.areas.chat.widgets.prompt_input import PromptInput
from tui.areas.chat.widgets.sidebar import ChatList, Sidebar
from tui.screens.dialogs import AskText
from tui.screens.help import HelpScreen
from tui.screens.model_picker import ModelPicker
from tui.screens.params import ParamsScreen
from tui.screens.presets import PresetsScreen
from tui.sim.server import SimServer
from tui.store.conversations import open_conversations

from .conftest import chat, quiet, say, screen_text, settings_for, until


def burst(app: LoomApp, keys: list[str]) -> None:
    """Keys as a paste or a fast typist sends them: all at once, no pause between."""
    for key in keys:
        if key == " ":
            app.post_message(events.Key("space", " "))
        else:
            app.post_message(events.Key(key, key if len(key) == 1 else None))


async def test_keys_in_one_burst_land_in_order(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await quiet(pilot)
        prompt = chat(app).query_one(PromptInput)
        burst(app, [*"line one", "ctrl+j", *"line two", "ctrl+j", *"line three"])
        await until(lambda: prompt.text.endswith("three"), "the burst typed")
        assert prompt.text == "line one\nline two\nline three"
        # Enter in a burst sends what came before it; what follows starts the next one.
        prompt.clear()
        burst(app, [*"first", "enter", *"next one"])
        await until(lambda: chat(app).query(UserMessage), "the message sent")
        await quiet(pilot)
        assert chat(app).query_one(UserMessage).content == "first"
        assert prompt.text == "next one"
        # Tab in a burst moves on before the keys after it arrive.
        await pilot.press("f3")
        panel = app.screen
        assert isinstance(panel, ParamsScreen)
        panel.query_one("#param-temperature").focus()
        await pilot.pause()
        burst(app, [*"0.5", "tab", *"0.9"])
        top_p = panel.query_one("#param-top_p")
        await until(lambda: top_p.value == "0.9", "the second field typed")  # type: ignore[attr-defined]
        assert panel.query_one("#param-temperature").value == "0.5"  # type: ignore[attr-defined]
        # A field's editing keys act where they come: ctrl+u empties it before "0.7" lands.
        burst(app, ["ctrl+u", *"0.7"])
        await until(lambda: top_p.value == "0.7", "the field emptied, then typed")  # type: ignore[attr-defined]


def test_no_widget_overrides_a_private_textual_handler() -> None:
    """Loom's widgets take keys through public handlers (on_key with prevent_default), so a
    Textual upgrade that renames a private one cannot silently bypass them. The one
    confined exception is tui/widgets/relayout.py, checked in tests/test_relayout.py."""
    import importlib
    import inspect
    import pkgutil

    import tui

    private: list[str] = []
    for info in pkgutil.walk_packages(tui.__path__, "tui."):
        ui = ".widgets." in info.name or ".screens." in info.name or info.name == "tui.app"
        if not ui or info.ispkg or info.name.endswith(".relayout"):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for name in cls.__dict__:
                textual_bases = [
                    base for base in cls.__mro__[1:] if base.__module__.startswith("textual.")
                ]
                if name.startswith("_on_") and any(name in b.__dict__ for b in textual_bases):
                    private.append(f"{cls.__name__}.{name}")
    assert private == [], private


async def test_one_line_fields_show_what_is_typed_when_focused_or_invalid(
    sim: SimServer,
) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await quiet(pilot)
        await pilot.press("f3")
        panel = app.screen
        panel.query_one("#param-temperature").focus()
        await pilot.press(*"abc")
        await pilot.pause()
        lines = [line for line in screen_text(app).splitlines() if "temperature" in line]
        assert any("abc" in line for line in lines[:1]), lines
        await pilot.press("escape")
        await pilot.press("ctrl+l")
        await until(lambda: bool(app.screen.query("#chat-filter")), "the list")
        app.screen.query_one("#chat-filter").focus()
        await pilot.press(*"weft")
        await pilot.pause()
        assert "weft" in screen_text(app)


async def test_the_state_comes_before_the_figures_at_80_columns(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await say(pilot, app, "figures first")
        screen = chat(app)
        status = screen.query_one("StatusLine")
        status.state = "The server refused the request (400)."  # type: ignore[attr-defined]
        await pilot.pause()
        line = screen_text(app).splitlines()[-2]
        assert "The server refused" in line and "tok" not in line.split("│")[1]


async def test_regenerate_keeps_the_new_reply_focused_and_in_view(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await say(pilot, app, "first")
        await say(pilot, app, "second")
        await pilot.press("ctrl+up")
        assert isinstance(app.focused, ReplyView)
        await pilot.press("r")
        await quiet(pilot)
        focused = app.focused
        replies = list(chat(app).query(ReplyView))
        assert isinstance(focused, ReplyView) and focused is replies[-1]
        assert focused.branch == (2, 2)
        view = chat(app).query_one("#conversation")
        assert view.scroll_y >= view.max_scroll_y - 1, "the view follows the new reply"


async def test_deleting_the_version_shown_shows_the_other(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await say(pilot, app, "ask twice")
        first = chat(app).query_one(ReplyView).text
        await pilot.press("ctrl+up", "r")
        await quiet(pilot)
        await pilot.press("d", "y")
        await quiet(pilot)
        (reply,) = chat(app).query(ReplyView)
        assert reply.text == first and reply.branch == (1, 1)


def fake_tmux(folder: Path, setting: str) -> dict[str, str]:
    """A `tmux` on PATH that answers `show-options` with `setting`."""
    script = folder / "tmux"
    script.write_text(f"#!/bin/sh\necho {setting}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {"TMUX": "/tmp/fake,1,0", "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


async def test_copy_inside_tmux_says_what_to_do_and_w_saves_a_file(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_data_dir: Path
) -> None:
    for name, value in fake_tmux(tmp_path, "external").items():
        monkeypatch.setenv(name, value)
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await say(pilot, app, "copy me")
        await pilot.press("ctrl+up", "up", "c")
        notes = [n.message for n in app._notifications]
        assert any("set -g set-clipboard on" in n and "w saves" in n for n in notes), notes
        await pilot.press("w")
        await until(lambda: list((private_data_dir / "exports").glob("*.md")), "the file")
        (written,) = (private_data_dir / "exports").glob("*.md")
        assert written.read_text().strip() == "copy me"
        assert any(str(written) in n.message for n in app._notifications)
        await pilot.press("o")  # no terminal to lend a pager here: it says where the file is
        await until(
            lambda: any("could not open" in n.message.lower() for n in app._notifications),
            "the pager notice",
        )


async def test_ctrl_o_in_the_parameters_lists_the_models(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: bool(chat(app).models), "the model list")
        await pilot.press("f3")
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, ModelPicker)
        app.screen.query_one("#filter").value = "4.1-nano"  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ParamsScreen)
        assert app.screen.query_one("#model").value == "gpt-4.1-nano"  # type: ignore[attr-defined]


async def test_the_picker_offers_chat_models_unless_asked_for_all(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: bool(chat(app).models), "the model list")
        await pilot.press("ctrl+o")
        picker = app.screen
        options = picker.query_one("#models")

        def listed() -> list[str]:
            return [
                options.get_option_at_index(n).id  # type: ignore[attr-defined]
                for n in range(options.option_count)  # type: ignore[attr-defined]
            ]

        assert "text-embedding-3-small" not in listed() and "gpt-4o" in listed()
        await pilot.press("f2")
        assert "text-embedding-3-small" in listed()


async def test_escape_leaves_the_list_and_its_filter(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await say(pilot, app, "listed")
        await pilot.press("ctrl+l")
        await until(lambda: chat(app).query_one(ChatList).has_focus, "the list focused")
        await pilot.press("escape")
        assert chat(app).query_one(PromptInput).has_focus
        assert chat(app).query_one(Sidebar).has_class("hidden")
        await pilot.press("ctrl+l", "slash")
        assert chat(app).query_one("#chat-filter").has_focus
        await pilot.press("escape")
        assert chat(app).query_one(PromptInput).has_focus


async def test_the_list_shows_each_conversation_id(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, app, "which id?")
        await until(lambda: "#1" in screen_text(app), "the id in the list")
        assert "loom export 1" in screen_text(app)


async def test_the_last_conversation_used_is_reopened_not_the_pinned_one(
    sim: SimServer, private_data_dir: Path
) -> None:
    store = open_conversations(private_data_dir)
    pinned = store.create(title="pinned one", model="gpt-4o-mini")
    store.add_message(pinned.id, "user", "pinned words")
    store.update(pinned.id, pinned=True)
    used = store.create(title="used one", model="gpt-4o-mini")
    store.add_message(used.id, "user", "used words")
    store.set_setting("last_conversation", str(used.id))
    store.db.close()
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)):
        await until(lambda: chat(app).query(UserMessage), "the conversation reopened")
        assert chat(app).query_one(UserMessage).content == "used words"


async def test_a_conversation_made_after_the_last_one_shown_is_opened(
    sim: SimServer, private_data_dir: Path
) -> None:
    import time

    store = open_conversations(private_data_dir)
    first = store.create(title="first one", model="gpt-4o-mini")
    store.add_message(first.id, "user", "first words")
    store.set_setting("last_conversation", f"{first.id}@{time.time() - 60:.0f}")
    later = store.create(title="imported later", model="gpt-4o-mini")  # `loom import`, say
    store.add_message(later.id, "user", "later words")
    store.db.close()
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)):
        await until(lambda: chat(app).query(UserMessage), "a conversation reopened")
        assert chat(app).query_one(UserMessage).content == "later words"


async def test_presets_are_renamed_and_deleted(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await quiet(pilot)
        for name in ("alpha", "beta"):
            await pilot.press("f3", "f4")
            assert isinstance(app.screen, AskText)
            await pilot.press(*name, "enter")
            await quiet(pilot)
            await pilot.press("escape")
        await pilot.press("f3", "f5")
        await until(lambda: isinstance(app.screen, PresetsScreen), "the presets")
        presets = app.screen
        await pilot.press("f2")
        await pilot.press("ctrl+u", *"gamma", "enter")
        await until(lambda: "gamma" in screen_text(app), "the new name")
        await pilot.press("d", "y")
        await until(lambda: len(presets.presets) == 1, "one preset left")  # type: ignore[attr-defined]
        names = [p.name for p in presets.presets]  # type: ignore[attr-defined]
        assert len(names) == 1 and names[0] in ("beta", "gamma")


async def test_imported_conversations_without_a_model_read_well(
    sim: SimServer, private_data_dir: Path
) -> None:
    store = open_conversations(private_data_dir)
    conversation = store.create(title="imported", model="")
    user = store.add_message(conversation.id, "user", "q")
    store.add_message(conversation.id, "assistant", "a", parent_id=user.id)
    store.db.close()
    settings = settings_for(sim)
    settings.model = ""
    app = LoomApp(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: chat(app).query(ReplyView), "the conversation")
        await quiet(pilot)
        text = screen_text(app)
        assert "just now ·" not in text and "assistant ·" not in text


async def test_help_names_keys_as_typed_and_lists_the_panel_keys(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 60)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = ""
        for _ in range(4):
            text += screen_text(app)
            await pilot.press("pagedown")
            await pilot.pause()
        assert "slash" not in text and "/ " in text
        for key in ("f4", "f5", "ctrl+o", "rename or delete presets"):
            assert key in text, key


def demo_server_hint(*args: str) -> str:
    import subprocess
    import sys

    child = subprocess.Popen(
        [sys.executable, "-m", "tui", "demo-server", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        return child.stdout.readline() + child.stdout.readline()
    finally:
        child.kill()
        child.wait(timeout=10)


def test_the_demo_server_hint_works_as_printed() -> None:
    assert "OPENAI_API_KEY=sim-key" in demo_server_hint()
    with_key = demo_server_hint("--api-key", "sk-chosen-12345")
    assert "sim-key" not in with_key and "sk-chosen-12345" not in with_key
    assert "the key you gave to --api-key" in with_key


def test_attachments_are_known_by_what_they_hold(tmp_path: Path) -> None:
    from tui.areas.chat.core.attachments import load_attachment

    from .test_attachments import PNG

    text_named_png = tmp_path / "notes.png"
    text_named_png.write_text("plain words")
    assert load_attachment(str(text_named_png)).text == "plain words"
    image_without_suffix = tmp_path / "picture"
    image_without_suffix.write_bytes(PNG)
    attachment = load_attachment(str(image_without_suffix))
    assert attachment.data_url is not None and attachment.data_url.startswith("data:image/png")


def test_help_key_labels() -> None:
    from tui.screens.help import key_label

    assert [key_label(k) for k in ("slash", "ctrl+up", "question_mark", "f5", "escape")] == [
        "/",
        "ctrl+up",
        "?",
        "f5",
        "escape",
    ]


def _unused(_: Any, __: ChatScreen) -> None:  # keeps the imports honest for mypy
    return None


async def test_a_key_a_server_echoes_is_never_shown_stored_or_exported(
    sim: SimServer, private_data_dir: Path
) -> None:
    from tui.areas.chat.core.export import render
    from tui.sim.faults import Fault

    key = "sk-echoed-55556666"
    sim.state.faults.add(Fault("echo_key"))
    app = LoomApp(settings_for(sim, api_key=key))
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, app, "who am I?")
        await until(lambda: chat(app).query_one(ReplyView).error is not None, "the 401")
        text = screen_text(app)
        assert "Invalid credentials" in text and key not in text and "sk-…6666" in text
        assert all(key not in n.message for n in app._notifications)
    store = open_conversations(private_data_dir)
    (conversation,) = store.conversations()
    stored = store.path(conversation.id)[-1]
    assert stored.error is not None and key not in str(stored.error)
    for fmt in ("md", "json"):
        assert key not in render(store, conversation, fmt)


async def test_a_lock_taken_mid_session_shows_unsaved_then_saved(
    sim: SimServer, private_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from tui.areas.chat.core import session as chat_session
    from tui.store import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT", 0.2)
    monkeypatch.setattr(chat_session, "RETRY_SECONDS", (0.2,))
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await say(pilot, app, "before the lock")
        holder = sqlite3.connect(private_data_dir / "loom.sqlite3", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        await say(pilot, app, "during the lock")
        status = chat(app).query_one("StatusLine")
        await until(lambda: "not saved" in status.saving, "the unsaved mark")  # type: ignore[attr-defined]
        assert "during the lock" in screen_text(app)
        assert chat(app).query(ReplyView).last().text.startswith("You wrote")
        words = " ".join(" ".join(n.message for n in app._notifications).split())
        assert "locked by another program" in words
        holder.rollback()
        holder.close()
        await until(lambda: not status.saving, "saved again")  # type: ignore[attr-defined]
    store = open_conversations(private_data_dir)
    (conversation,) = store.conversations()
    assert [m.content for m in store.path(conversation.id)][2] == "during the lock"


def test_parameters_must_be_finite_numbers() -> None:
    from tui.core.chat_params import ParamError, check, parse

    for text in ("nan", "inf", "-inf", "NaN"):
        with pytest.raises(ParamError, match="finite"):
            parse("temperature", text)
    assert check("temperature", float("nan")) is not None
    assert check("logit_bias", {"1": float("inf")}) is not None


async def test_the_config_chat_defaults_start_each_conversation(sim: SimServer) -> None:
    settings = settings_for(sim, system_prompt="Answer in French.", params={"seed": 11})
    app = LoomApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await say(pilot, app, "bonjour")
        body = sim.state.last_chat_body
        assert body["messages"][0] == {"role": "system", "content": "Answer in French."}
        assert body["seed"] == 11
        await pilot.press("ctrl+n")
        await quiet(pilot)
        await say(pilot, app, "encore")
        assert sim.state.last_chat_body["seed"] == 11
