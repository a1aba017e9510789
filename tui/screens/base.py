"""What the workbench's screens other than chat share: the app's services, the tab line,
the help screen built from their keys, and failures said in plain words."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from tui.core.services import Services
from tui.widgets.relay import Relaying


class AreaScreen:
    """What every screen of an area has, a mode's or one it opens (a form, a results
    viewer): the app's services, its area's service, failures said in plain words."""

    AREA: ClassVar[str] = ""
    """The area (tui/areas) whose service `service` is."""

    @property
    def services(self) -> Services:
        """The app's services (the app builds them; see tui.core.services)."""
        assert isinstance(self, Screen)
        services = getattr(self.app, "services", None)
        assert isinstance(services, Services), "the screen runs in LoomApp"
        return services

    @property
    def service(self) -> Any:
        """Its area's service (made on first use; see tui.registry)."""
        return self.services.area(self.AREA)

    def said(self, error: BaseException, doing: str, area: str | None = None) -> str:
        """A failure in one line: what happened, the server's words, what to do."""
        from tui.core.advice import explain_call

        advice = explain_call(error, self.services.settings, doing=doing, area=area)
        return " ".join(part for part in (advice.headline, advice.detail, advice.fix) if part)


class LoomScreen(AreaScreen, Relaying, Screen[None]):
    """A screen of one mode (see tui.screens.modes). It reaches the API and the store only
    through its area's service (`service`), and hears from core through `listen`."""

    MODE: ClassVar[str] = ""
    """The mode this screen is."""
    HELP_TITLE: ClassVar[str] = "Loom"
    HELP_INTRO: ClassVar[str] = ""

    def mode_bar(self) -> Widget | None:
        """The tab line, once there is more than one screen."""
        from tui.screens.modes import mode_bar

        return mode_bar(self.MODE)

    def help_sections(self) -> list[tuple[str, list[Any]]]:
        """(heading, bindings) for the help screen; the screen's own keys by default."""
        return [(self.HELP_TITLE, list(self.BINDINGS))]

    def action_help(self) -> None:
        """Show every key of this screen."""
        from tui.screens.help import HelpScreen, describe_bindings

        keymap: dict[str, str] = getattr(self.app, "keymap", {})
        sections = [
            (title, describe_bindings(bindings, keymap))
            for title, bindings in [*self.help_sections(), ("Everywhere", self.app.BINDINGS)]
        ]
        self.app.push_screen(HelpScreen(f"Loom · {self.HELP_TITLE}", sections, self.HELP_INTRO))


HELP_BINDING = Binding(
    "f1,ctrl+g", "help", "Help", id="screen.help", tooltip="Show every key (F1 or ctrl+g)"
)
"""Help on every screen: F1, or ctrl+g where the terminal takes F1."""
