"""Keys that survive tmux, screen, SSH, macOS and Linux desktops, and remap by id."""

from __future__ import annotations

from textual.binding import Binding

from tui.app import LoomApp
from tui.areas.chat.screens import ChatScreen
from tui.areas.chat.screens.search import SearchScreen
from tui.areas.chat.widgets.messages import ReplyView, UserMessage
from tui.areas.chat.widgets.prompt_input import PromptInput
from tui.areas.chat.widgets.sidebar import ChatList
from tui.screens.dialogs import AskText, Choose, Confirm
from tui.screens.help import HelpScreen
from tui.screens.model_picker import ModelPicker
from tui.screens.params import ParamsScreen
from tui.screens.presets import PresetsScreen
from tui.sim.server import SimServer

from .conftest import quiet, screen_text, settings_for

SCREENS = (ChatScreen, ParamsScreen, PresetsScreen, ModelPicker, SearchScreen, HelpScreen)
WIDGETS = (ChatList, UserMessage, ReplyView, PromptInput, Confirm, AskText, Choose)
TAKEN = {"ctrl+b": "tmux's prefix", "ctrl+a": "screen's prefix"}


def bindings(owner: type) -> list[Binding]:
    return [b for b in getattr(owner, "BINDINGS", []) if isinstance(b, Binding)]


def fragile(key: str) -> bool:
    """F-keys (F1 is GNOME Terminal's help, F10 its menu, F11 full screen) and ctrl+arrows
    (macOS Mission Control and Spaces) are taken in some of the places Loom runs."""
    name = key.split("+")[-1]
    return (name.startswith("f") and name[1:].isdigit()) or (
        key.startswith("ctrl+") and name in ("up", "down", "left", "right", "end", "home")
    )


def test_no_key_that_a_multiplexer_takes() -> None:
    for owner in (LoomApp, *SCREENS, *WIDGETS):
        for binding in bindings(owner):
            for key in binding.key.split(","):
                assert key.strip() not in TAKEN, (owner.__name__, binding.id, TAKEN[key])


def test_every_fragile_key_has_another_way() -> None:
    """Widget keys need a second key; a screen's described keys are also in the command
    palette (ctrl+p), which counts as the other way."""
    for owner in (LoomApp, *SCREENS, *WIDGETS):
        palette = owner in SCREENS or owner is LoomApp
        for binding in bindings(owner):
            keys = [k.strip() for k in binding.key.split(",")]
            if all(fragile(k) for k in keys) and not (palette and binding.description):
                raise AssertionError(f"{owner.__name__}: {binding.id} only on {keys}")


def test_every_binding_has_an_id_for_the_keymap() -> None:
    for owner in (*SCREENS, *WIDGETS):
        for binding in bindings(owner):
            if binding.description and binding.show:
                assert binding.id, (owner.__name__, binding.key)


async def test_the_keymap_remaps_keys_in_the_footer_and_the_help(sim: SimServer) -> None:
    settings = settings_for(sim, keymap={"chat.chats": "f8", "chat.search": "f9"})
    app = LoomApp(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await quiet(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "f8 Chats" in footer and "f9 Find" in footer and "^l" not in footer
        sidebar = app.screen.query_one("#sidebar")
        shown = not sidebar.has_class("hidden")
        await pilot.press("f8")
        assert sidebar.has_class("hidden") == shown, "f8 toggles the list now"
        await pilot.press("ctrl+l")
        assert sidebar.has_class("hidden") == shown, "ctrl+l no longer does"
        await pilot.press("f1")
        await pilot.pause()
        text = screen_text(app)
        assert "f8" in text and "[chat.chats]" in text
