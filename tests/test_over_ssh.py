"""Over SSH: the [ui] settings, cursors that do not blink unless asked, low-bandwidth mode
(its flag, its looks, offered once over SSH, kept when turned on or off in the app)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from tui.app import LoomApp
from tui.areas.chat.widgets.messages import FLUSH_SECONDS, LOW_BANDWIDTH_FLUSH_SECONDS, ReplyView
from tui.areas.chat.widgets.prompt_input import PromptInput
from tui.areas.chat.widgets.status_line import StatusLine
from tui.config import Settings
from tui.config.choices import read_choices
from tui.config.file import defaults
from tui.config.schema import ConfigFile
from tui.sim.server import SimServer

from .conftest import chat, quiet, say, screen_text, settings_for


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_the_ui_section_is_read_and_checked(tmp_path: Path) -> None:
    assert ConfigFile().model_dump() == defaults()
    path = config(
        tmp_path,
        "[ui]\ncursor_blink = true\nlow_bandwidth = true\n"
        'terminal_erase = "off"\nglyphs = "plain"\n',
    )
    settings = Settings.load({}, config=path)
    assert settings.config_problem is None
    assert settings.cursor_blink and settings.low_bandwidth
    assert (settings.terminal_erase, settings.glyphs) == ("off", "plain")
    bad = Settings.load({}, config=config(tmp_path, '[ui]\nterminal_erase = "maybe"\n'))
    assert bad.config_problem is not None
    assert "ui.terminal_erase" in bad.config_problem and ":2:" in bad.config_problem
    unknown = Settings.load({}, config=config(tmp_path, "[ui]\nblink = true\n"))
    assert unknown.config_problem is not None and "cursor_blink" in unknown.config_problem


async def test_cursors_blink_only_when_the_config_says_so(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await quiet(pilot)
        prompt = app.screen.query_one(PromptInput)
        assert prompt.has_focus and not prompt.cursor_blink
        await pilot.press("ctrl+l", "slash")  # the conversation list's filter
        await pilot.pause()
        field = app.focused
        assert isinstance(field, Input) and not field.cursor_blink
    blinking = LoomApp(settings_for(sim, cursor_blink=True))
    async with blinking.run_test(size=(100, 30)) as pilot:
        await quiet(pilot)
        assert blinking.screen.query_one(PromptInput).cursor_blink


async def test_low_bandwidth_mode_and_turning_it_off(sim: SimServer, tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = {"OPENAI_BASE_URL": sim.base_url, "OPENAI_API_KEY": "k", "LOOM_STATE_DIR": str(state)}
    settings = Settings.load(env)
    settings.low_bandwidth = True  # what `loom --low-bandwidth` does
    settings.cursor_blink = True
    settings.theme = "loom-light"
    app = LoomApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await quiet(pilot)
        assert app.low_bandwidth and app.theme == "loom-ansi"
        assert app.animation_level == "none"
        assert not app.screen.query_one(PromptInput).cursor_blink
        assert "low bandwidth" in screen_text(app)
        commands = [command.title for command in app.get_system_commands(app.screen)]
        assert "Low-bandwidth mode" in commands
        await say(pilot, app, "Tell me about looms")
        reply = chat(app).query(ReplyView).last()
        assert reply.flush_seconds == LOW_BANDWIDTH_FLUSH_SECONDS

        app.action_toggle_low_bandwidth()
        await pilot.pause()
        assert not app.low_bandwidth and app.theme == "loom-light"
        assert reply.flush_seconds == FLUSH_SECONDS
        assert app.screen.query_one(PromptInput).cursor_blink
        assert not app.screen.query_one(StatusLine).low_bandwidth
        assert "low bandwidth" not in screen_text(app)
    choices = read_choices(state / "choices.toml")
    # Turned off in the app: kept; the theme it lent was never kept as a pick.
    assert choices.low_bandwidth is False and choices.theme is None
    assert Settings.load(env).low_bandwidth is False


@pytest.mark.parametrize("said_in_config", [False, True])
async def test_offered_once_over_ssh_unless_the_config_decided(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, said_in_config: bool
) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "192.0.2.1 50000 192.0.2.2 22")
    state = tmp_path / "state"
    path = config(tmp_path, "[ui]\nlow_bandwidth = false\n" if said_in_config else "")
    env = {
        "OPENAI_BASE_URL": sim.base_url,
        "OPENAI_API_KEY": "k",
        "LOOM_STATE_DIR": str(state),
    }
    offers = []
    for _ in range(2):
        app = LoomApp(Settings.load(env, config=path))
        async with app.run_test(size=(100, 30)) as pilot:
            await quiet(pilot)
            offers.append(
                [n.message for n in app._notifications if "Low-bandwidth mode" in n.message]
            )
            assert not app.low_bandwidth  # offered, never forced
    if said_in_config:
        assert offers == [[], []]
    else:
        assert len(offers[0]) == 1 and offers[1] == []
        assert "ctrl+p" in offers[0][0]
