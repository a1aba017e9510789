"""Screens are modes: the tab line, a key and the palette's "Go to …" reach each one; a new
screen is one entry in tui/screens/modes.py. Shown here with a second screen made for the
test (the product lists only screens that exist)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.app import LoomApp
from tui.screens import modes
from tui.screens.chat import ChatScreen
from tui.sim.server import SimServer

from .conftest import quiet, screen_text, settings_for, until


class ProbeScreen(Screen[None]):
    """A second screen, for this test only."""

    def compose(self) -> ComposeResult:
        bar = modes.mode_bar("probe")
        if bar is not None:
            yield bar
        yield Static("the probe screen")
        yield Footer()


def test_one_screen_means_no_tab_line() -> None:
    assert len(modes.MODES) == 1 and modes.mode_bar("chat") is None


async def test_a_second_screen_gets_a_tab_line_a_key_and_the_palette(
    sim: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = modes.Mode(
        "probe", "Probe", "tests.test_navigation:ProbeScreen", "A screen for the test", "f9"
    )
    monkeypatch.setattr(modes, "MODES", (*modes.MODES, probe))

    class TwoScreens(LoomApp):
        MODES = modes.mode_screens()

    monkeypatch.setattr("tui.app.SCREEN_MODES", modes.MODES)
    app = TwoScreens(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await quiet(pilot)
        top = screen_text(app).splitlines()[0]
        assert "Chat" in top and "Probe f9" in top
        await pilot.press("f9")
        await until(lambda: isinstance(app.screen, ProbeScreen), "the probe screen")
        assert "the probe screen" in screen_text(app)
        app.go_to("chat")
        await until(lambda: isinstance(app.screen, ChatScreen), "back to chat")
        from tui.screens.palette import GoTo

        provider: Any = GoTo(app.screen)
        found = [hit.text async for hit in provider.search("probe")]
        assert "Go to Probe" in found
