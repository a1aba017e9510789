"""Snapshots of the chat screen (pytest-textual-snapshot), with figures that vary pinned."""

from __future__ import annotations

import re
from typing import Any

from textual.widgets import Static

from tui.app import LoomApp
from tui.areas.chat.screens import ChatScreen
from tui.areas.chat.widgets.prompt_input import PromptInput
from tui.areas.chat.widgets.status_line import StatusLine
from tui.config import Settings
from tui.sim.server import SimServer

from .conftest import quiet, settings_for, until


def pin_varying_figures(app: LoomApp) -> None:
    """Timings differ run to run: pin them so the snapshot compares what is stable."""
    screen = app.screen
    if isinstance(screen, ChatScreen):
        for welcome in screen.query("#welcome").results(Static):
            text = str(welcome.render())
            welcome.update(re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:8751", text))
        status = screen.query_one(StatusLine)
        if status.ttft is not None:
            status.ttft = 0.05
            status.tokens_per_second = 250.0
    for prompt in app.query(PromptInput):
        prompt.cursor_blink = False


async def exchange(pilot: Any) -> None:
    app = pilot.app
    for prompt in app.query(PromptInput):
        prompt.cursor_blink = False
    await quiet(pilot)
    await pilot.press(*"Show me some Markdown")
    await pilot.press("enter")
    await quiet(pilot)
    pin_varying_figures(app)
    await pilot.pause()


def test_chat_after_one_exchange_80x24(snap_compare: Any, sim: SimServer) -> None:
    assert snap_compare(LoomApp(settings_for(sim)), terminal_size=(80, 24), run_before=exchange)


def test_chat_after_one_exchange_120x40(snap_compare: Any, sim: SimServer) -> None:
    assert snap_compare(LoomApp(settings_for(sim)), terminal_size=(120, 40), run_before=exchange)


def test_chat_without_a_key_80x24(snap_compare: Any) -> None:
    async def still(pilot: Any) -> None:
        await quiet(pilot)
        pin_varying_figures(pilot.app)
        await pilot.pause()

    app = LoomApp(Settings(api_key=None))
    assert snap_compare(app, terminal_size=(80, 24), run_before=still)


def test_help_80x24(snap_compare: Any, sim: SimServer) -> None:
    async def help_open(pilot: Any) -> None:
        await quiet(pilot)
        pin_varying_figures(pilot.app)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(LoomApp(settings_for(sim)), terminal_size=(80, 24), run_before=help_open)


def test_model_picker_80x24(snap_compare: Any, sim: SimServer) -> None:
    async def picker_open(pilot: Any) -> None:
        await quiet(pilot)
        pin_varying_figures(pilot.app)
        await until(lambda: bool(pilot.app.screen.models), "the model list")
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"gpt-4")
        await pilot.pause()

    app = LoomApp(settings_for(sim))
    assert snap_compare(app, terminal_size=(80, 24), run_before=picker_open)


async def two_conversations(pilot: Any) -> None:
    """Two stored conversations, the second on screen."""
    await exchange(pilot)
    await pilot.press("ctrl+n")
    await exchange(pilot)


async def wait_for_list(pilot: Any) -> None:
    from tui.areas.chat.widgets.sidebar import ChatList

    await until(lambda: pilot.app.screen.query_one(ChatList).option_count >= 2, "the list")
    await quiet(pilot)


def test_chat_with_the_conversation_list_80x24(snap_compare: Any, sim: SimServer) -> None:
    async def listed(pilot: Any) -> None:
        await two_conversations(pilot)
        await pilot.press("ctrl+l")
        await wait_for_list(pilot)
        await pilot.pause()

    app = LoomApp(settings_for(sim))
    assert snap_compare(app, terminal_size=(80, 24), run_before=listed)


def test_chat_with_the_conversation_list_120x40(snap_compare: Any, sim: SimServer) -> None:
    async def listed(pilot: Any) -> None:
        await two_conversations(pilot)
        await wait_for_list(pilot)
        await pilot.pause()

    app = LoomApp(settings_for(sim))
    assert snap_compare(app, terminal_size=(120, 40), run_before=listed)


async def params_open(pilot: Any) -> None:
    await quiet(pilot)
    pin_varying_figures(pilot.app)
    await pilot.press("f3")
    await pilot.pause()
    await pilot.press(*"You review code tersely.")
    pilot.app.screen.query_one("#param-temperature").value = "2.5"
    pilot.app.screen.query_one("#param-max_completion_tokens").value = "800"
    await pilot.pause()


def test_parameter_panel_80x24(snap_compare: Any, sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    assert snap_compare(app, terminal_size=(80, 24), run_before=params_open)


def test_parameter_panel_120x40(snap_compare: Any, sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    assert snap_compare(app, terminal_size=(120, 40), run_before=params_open)
