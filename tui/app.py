"""The Loom app: modes, global keys, themes. Routing, not logic."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui.backend import Backend
from tui.config import Settings
from tui.gcpolicy import keep_long_lived
from tui.screens.chat import ChatScreen
from tui.themes import DEFAULT_THEME, shipped_themes


class LoomApp(App[None]):
    """A terminal workbench for the OpenAI API and compatible servers."""

    TITLE = "Loom"
    MODES = {"chat": ChatScreen}
    DEFAULT_MODE = "chat"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Quit Loom", priority=True),
        Binding("ctrl+p", "command_palette", "Commands", id="app.palette", show=False),
    ]

    def __init__(self, settings: Settings, *, backend: Backend | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.backend = backend or Backend(settings)
        for theme in shipped_themes():
            self.register_theme(theme)
        self.theme = DEFAULT_THEME

    def on_ready(self) -> None:
        """The first frame is on screen: let the screen start its background work."""
        # Everything loaded so far lives as long as the app (see tui.gcpolicy).
        keep_long_lived()
        start = getattr(self.screen, "after_first_frame", None)
        if callable(start):
            start()  # the screen starts warm_up when its own first work is done
        else:
            self.warm_up()

    @work(thread=True, group="warm-up", exit_on_error=False)
    def warm_up(self) -> None:
        """Load the Markdown and highlighting stack off the event loop, before the first
        reply needs it, then keep what it loaded out of the garbage collector's scans."""
        from tui.widgets.markdown_render import warm_up

        warm_up()
        keep_long_lived()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's commands, then every keyed action of the current screen."""
        yield from super().get_system_commands(screen)
        for binding in getattr(screen, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.description:
                keys = binding.key.split(",")[0]
                yield SystemCommand(
                    binding.description,
                    f"{binding.tooltip or binding.description} ({keys})",
                    partial(screen.run_action, binding.action),
                )

    async def on_unmount(self) -> None:
        await self.backend.aclose()
