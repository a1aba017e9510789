"""The Loom app: modes, global keys, themes. Routing, not logic."""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import partial

from rich.console import Console
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from tui.config import Settings
from tui.core.gcpolicy import keep_long_lived
from tui.core.services import Services
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
        # Focus moves when the key is read, not when it has bubbled up from the focused
        # widget: keys typed right after Tab then land in the field Tab moved to.
        Binding("tab", "focus_next", "Next field", show=False, priority=True, system=True),
        Binding(
            "shift+tab", "focus_previous", "Previous field", show=False, priority=True, system=True
        ),
    ]

    def __init__(self, settings: Settings, *, services: Services | None = None) -> None:
        super().__init__()
        # What Textual would print to the terminal after an unhandled error (a traceback,
        # with locals) is kept here instead; `loom` turns it into one line and a report.
        self._failure = io.StringIO()
        self.error_console = Console(
            file=self._failure, markup=False, highlight=False, width=120, color_system=None
        )
        self.settings = settings
        self.services = services or Services(settings)
        self.services.store_listeners.append(self._store_changed)
        for theme in shipped_themes():
            self.register_theme(theme)
        self.theme = DEFAULT_THEME

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification, always shown as plain text: most carry outside text (a server's
        message, a title, a file name) that must never be read as markup (see
        tui.widgets.plain). Secrets are masked and control sequences removed."""
        from tui.core.text import safe

        super().notify(
            safe(message), title=safe(title), severity=severity, timeout=timeout, markup=False
        )

    def action_help_quit(self) -> None:
        """ctrl+c outside a text field: say how to quit (Textual's own words use markup)."""
        self.notify("Press ctrl+q to quit Loom.", title="Quit?")

    def on_ready(self) -> None:
        """The first frame is on screen: let the screen start its background work."""
        # Everything loaded so far lives as long as the app (see tui.core.gcpolicy).
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

    def failure_report(self) -> tuple[str, str] | None:
        """(summary, details) of the error that ended the app, if one did."""
        details = self._failure.getvalue()
        if not details.strip():
            return None
        lines = [line.strip() for line in details.splitlines() if line.strip()]
        # A traceback's last line names the error; anything else is shown whole.
        summary = next(
            (line for line in reversed(lines) if ":" in line and not line.startswith("│")),
            lines[-1],
        )
        return summary, details

    def _store_changed(self, problem: object) -> None:
        """The store started failing, or works again: say so once (see StoreThread)."""
        if problem is not None:
            self.notify(
                f"Conversations are not being saved: {problem}",
                title="Saving",
                severity="warning",
                timeout=12,
            )
        else:
            self.notify("Saving works again: what is on screen is being stored.", timeout=4)

    async def on_unmount(self) -> None:
        await self.services.aclose()
