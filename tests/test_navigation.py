"""Screens are modes: the tab line, a key and the palette's "Go to …" reach each one; a new
screen is one entry in tui/screens/modes.py."""

from __future__ import annotations

from typing import Any

from tui.app import LoomApp
from tui.areas.chat.screens import ChatScreen
from tui.areas.fine_tuning.screens.cockpit import FineTuningScreen
from tui.screens import modes
from tui.sim.server import SimServer

from .conftest import quiet, screen_text, settings_for, until


def test_every_mode_has_a_screen_and_a_key() -> None:
    assert [m.name for m in modes.MODES][:2] == ["chat", "fine-tuning"]
    keys = [m.key for m in modes.MODES]
    assert all(keys) and len(set(keys)) == len(keys)


async def test_the_tab_line_a_key_and_the_palette_reach_each_screen(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await quiet(pilot)
        top = screen_text(app).splitlines()[0]
        # Nine modes: at 80 columns the tab line shortens every title (the current one too
        # where its full title does not fit), every key still on it.
        assert "Chat f9" in top and "Tune f10" in top and "Play f6" in top
        await pilot.press("f6")
        from tui.areas.playground.screens.playground import PlaygroundScreen

        await until(lambda: isinstance(app.screen, PlaygroundScreen), "the playground")
        top = screen_text(app).splitlines()[0]
        assert "Play f6" in top and "Org ⇧f12" in top and "Asst ⇧f9" in top
        await pilot.press("f10")
        await until(lambda: isinstance(app.screen, FineTuningScreen), "the fine-tuning screen")
        assert "Jobs" in screen_text(app)
        await pilot.press("f9")
        await until(lambda: isinstance(app.screen, ChatScreen), "back to chat")
        from tui.screens.palette import GoTo

        provider: Any = GoTo(app.screen)
        found = [hit.text async for hit in provider.search("fine")]
        assert "Go to Fine-tuning" in found
