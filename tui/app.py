"""The Loom app: modes, global keys, themes, the command palette. Routing, not logic."""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import partial
from typing import Any

from rich.console import Console
from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget

from tui.config import Settings
from tui.config.themes import DEFAULT_THEME, SIXTEEN_COLOURS
from tui.core.gcpolicy import GC
from tui.core.services import Services
from tui.screens.modes import MODES as SCREEN_MODES
from tui.screens.modes import mode_screens
from tui.screens.palette import GoTo
from tui.widgets.relay import Relayed, relay


class StoreChanged(Relayed):
    """The store started failing (its error) or works again (None)."""


class Watched(Relayed):
    """Something followed on the server changed (a tui.core.watcher.WatchEvent)."""


class WorkFailed(Relayed):
    """Background work failed (a tui.core.supervisor.Failure)."""


def plain_glyphs(settings: Settings) -> bool:
    """Whether to draw only what a plain console's font has (see tui.core.wire)."""
    from tui.core.terminal import plain_console

    return settings.glyphs == "plain" or (settings.glyphs == "auto" and plain_console())


def wired(driver: type[Driver], settings: Settings) -> type[Driver]:
    """The driver, writing what Textual hands it in fewer bytes (see tui.core.wire): over
    SSH every byte of every frame crosses the link."""
    from tui.core.terminal import erases_in_colour
    from tui.core.wire import PLAIN_GLYPHS, Wire

    erase = settings.terminal_erase == "on" or (
        settings.terminal_erase == "auto" and erases_in_colour()
    )
    glyphs = PLAIN_GLYPHS if plain_glyphs(settings) else None

    class Wired(driver):  # type: ignore[valid-type,misc]
        def __init__(self, app: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(app, *args, **kwargs)
            self._wire = Wire(erase=erase, glyphs=glyphs)
            # The one way Loom writes to the terminal itself (desktop notifications).
            app.terminal_write = self.write

        def write(self, data: str) -> None:
            super().write(self._wire.encode(data))

    return Wired


class LoomApp(App[None]):
    """A terminal workbench for the OpenAI API and compatible servers."""

    TITLE = "Loom"
    CSS = """
    /* Notices stack from the top, under the tab line: at the bottom they covered the
       prompt being typed in and the status line that says what is happening. */
    ToastRack { dock: top; align: right top; margin-top: 1; margin-bottom: 0; }
    """
    low_bandwidth: reactive[bool] = reactive(False, init=False)
    """Low-bandwidth mode: fewer frames while a reply streams, no cursor blink or
    animations, the 16-colour theme (see README, "Over SSH")."""
    MODES = mode_screens()
    DEFAULT_MODE = SCREEN_MODES[0].name
    COMMANDS = App.COMMANDS | {GoTo}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Quit Loom", priority=True),
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            id="app.palette",
            show=False,
            tooltip="Every action by name; go to a conversation, a model, a profile, a theme",
        ),
        # Focus moves when the key is read, not when it has bubbled up from the focused
        # widget: keys typed right after Tab then land in the field Tab moved to.
        Binding("tab", "focus_next", "Next field", show=False, priority=True, system=True),
        Binding(
            "shift+tab", "focus_previous", "Previous field", show=False, priority=True, system=True
        ),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        services: Services | None = None,
        mode: str | None = None,
        job: str | None = None,
    ) -> None:
        if mode is not None:
            self.DEFAULT_MODE = mode  # type: ignore[misc]  # the screen `loom MODE` opens on
        super().__init__()
        self.terminal_write: Any = None
        """Writes to the terminal, once the driver is there (see `wired`)."""
        self.plain_glyphs = plain_glyphs(settings)
        """Whether the terminal draws only a plain console's characters (no Braille)."""
        self._first_mode = mode
        self._first_job = job
        # Each mode's key goes there from any screen, whatever has focus: a priority binding,
        # or a text area takes F6 and F7 (Textual's select line and select all) and the
        # playground and the batches cannot be reached from the chat's prompt. A key the
        # keymap gives to a screen's action is that action's there (the user's choice wins),
        # so it is then an ordinary binding. (App.bind has no `priority`: its bindings map
        # does; tests/test_navigation.py fails if that changes.)
        remapped = {key.strip() for keys in settings.keymap.values() for key in keys.split(",")}
        for each in SCREEN_MODES:
            if each.key:
                self._bindings.bind(
                    each.key,
                    f"go_to('{each.name}')",
                    each.title,
                    show=False,
                    priority=each.key not in remapped,
                )
        # What Textual would print to the terminal after an unhandled error (a traceback,
        # with locals) is kept here instead; `loom` turns it into one line and a report.
        self._failure = io.StringIO()
        self.error_console = Console(
            file=self._failure, markup=False, highlight=False, width=120, color_system=None
        )
        self.settings = settings
        self.driver_class = wired(self.driver_class, settings)
        self.services = services or Services(settings)
        relay(self, self.services.store_changed, StoreChanged)
        relay(self, self.services.watcher.events, Watched)
        relay(self, self.services.supervisor.failures, WorkFailed)
        self._theme_problems = self._register_themes()
        self.theme = self._first_theme()
        self._remembered_theme = self.theme
        self._animations = self.animation_level
        self._theme_before_low_bandwidth: str | None = None
        if settings.low_bandwidth:
            self.low_bandwidth = True
        if settings.keymap:
            self.set_keymap(settings.keymap)

    # --- themes --------------------------------------------------------------------------

    def _register_themes(self) -> list[str]:
        """Register the shipped themes and the user's; what was wrong with any file."""
        from textual.color import Color, ColorParseError
        from textual.theme import Theme

        from tui.config.paths import themes_dir
        from tui.config.themes import COLOURS, read_themes, shipped_dirs

        found = read_themes([*shipped_dirs(), themes_dir()])
        problems = list(found.problems)
        for data in found.themes:
            try:
                for name in COLOURS:
                    if data.get(name) and not str(data[name]).startswith("ansi_"):
                        Color.parse(data[name])
            except ColorParseError:
                problems.append(f"theme {data['name']}: {name}: {data[name]!r} is not a colour")
                continue
            self.register_theme(Theme(**data))
        return problems

    def _first_theme(self) -> str:
        wanted = self.settings.theme
        if wanted and wanted in self.available_themes:
            return wanted
        if wanted:
            self._theme_problems.append(
                f"there is no theme {wanted!r}; themes: {', '.join(self._loom_themes())}"
            )
        # A terminal with 16 colours gets the theme made of them (code blocks keep their
        # colours, nothing turns into unreadable near-blacks).
        if self.console.color_system in ("standard", "windows"):
            return SIXTEEN_COLOURS
        return DEFAULT_THEME

    def _loom_themes(self) -> list[str]:
        return sorted(name for name in self.available_themes if name.startswith("loom-"))

    def watch_theme(self, theme: str) -> None:
        """A theme picked in the app is kept for the next start."""
        if theme != getattr(self, "_remembered_theme", theme):
            self._remembered_theme = theme
            problem = self.services.remember(theme=theme)
            if problem:
                self.notify(problem, title="Theme", severity="warning")

    # --- low-bandwidth mode ------------------------------------------------------------

    def watch_low_bandwidth(self, low: bool) -> None:
        from tui.config.themes import SIXTEEN_COLOURS

        self.animation_level = "none" if low else self._animations
        if low and self.theme != SIXTEEN_COLOURS:
            self._theme_before_low_bandwidth = self.theme
            self._set_theme_quietly(SIXTEEN_COLOURS)
        elif not low and self._theme_before_low_bandwidth is not None:
            if self.theme == SIXTEEN_COLOURS:  # not picked meanwhile: the one from before
                self._set_theme_quietly(self._theme_before_low_bandwidth)
            self._theme_before_low_bandwidth = None
        if self.screen_stack and self.focused is not None:
            self._set_blink(self.focused)

    def _set_theme_quietly(self, theme: str) -> None:
        """A theme for the mode, not a pick to keep for the next start."""
        self._remembered_theme = theme
        self.theme = theme

    def action_toggle_low_bandwidth(self) -> None:
        """Turn low-bandwidth mode on or off (and keep it so for the next start)."""
        self.low_bandwidth = not self.low_bandwidth
        problem = self.services.remember(low_bandwidth=self.low_bandwidth)
        state = "on: fewer frames, no blink, 16 colours" if self.low_bandwidth else "off"
        self.notify(f"Low-bandwidth mode {state}.", title="Display", timeout=4)
        if problem:
            self.notify(problem, title="Display", severity="warning")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._set_blink(event.widget)

    def _set_blink(self, widget: Widget) -> None:
        """Text cursors blink only if the config says so, and not in low-bandwidth mode:
        each blink redraws the line (bytes over SSH while nothing else happens)."""
        if hasattr(widget, "cursor_blink"):
            widget.cursor_blink = self.settings.cursor_blink and not self.low_bandwidth

    def _offer_low_bandwidth(self) -> None:
        """Over SSH, say once that low-bandwidth mode exists (unless the config decided)."""
        import os

        if (
            self.settings.low_bandwidth is not None
            or self.settings.offered_low_bandwidth
            or not os.environ.get("SSH_CONNECTION")
        ):
            return
        self.notify(
            "Over SSH? Low-bandwidth mode sends less to the terminal: fewer frames while a "
            "reply streams, no blink, 16 colours. ctrl+p, “Low-bandwidth mode”; or "
            "low_bandwidth = true under [ui] in the config.",
            title="Display",
            timeout=15,
        )
        self.services.remember(offered_low_bandwidth=True)

    # --- notifications ----------------------------------------------------------------

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

    def copy_and_say(self, text: str, what: str, fallback: str = "") -> None:
        """Send `text` to the clipboard (OSC 52) and say what was copied, and what to do
        where the copy cannot arrive (tmux without set-clipboard on); `fallback` names the
        screen's own other ways ("w saves it to a file"), if it has any."""
        from tui.core.terminal import copy_advice

        self.copy_to_clipboard(text)
        advice, warn = copy_advice(fallback)
        self.notify(
            f"Copied {what}. {advice}",
            title="Copy",
            severity="warning" if warn else "information",
            timeout=8 if warn else 4,
        )

    def action_help_quit(self) -> None:
        """ctrl+c outside a text field: say how to quit (Textual's own words use markup)."""
        self.notify("Press ctrl+q to quit Loom.", title="Quit?")

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        """The store started failing, or works again: say so once (see StoreThread)."""
        problem = message.value
        if problem is not None:
            # One notice for one cause, however many kinds of work found it (the store's
            # thread reports a change of cause only); the status line keeps "not saving".
            cause = self.services.store_problem() or problem
            self.notify(
                f"Conversations and settings are not being saved: {cause}",
                title="Not saving",
                severity="warning",
                timeout=12,
            )
        else:
            self.notify("Saving works again: what is on screen is being stored.", timeout=4)

    # --- start-up ------------------------------------------------------------------------

    def on_ready(self) -> None:
        """The first frame is on screen: let the screen start its background work."""
        # Everything loaded so far lives as long as the app (see core.gcpolicy).
        GC.loaded()
        self._offer_low_bandwidth()
        for problem in filter(None, [self.settings.config_problem, *self._theme_problems]):
            self.notify(
                f"{problem}. Loom goes on with the defaults.",
                title="Config",
                timeout=15,
                severity="warning",
            )
        start = getattr(self.screen, "after_first_frame", None)
        if callable(start):
            start()  # the screen starts warm_up when its own first work is done
        else:
            self.warm_up()
        if self._first_job:
            opening = getattr(self.screen, "open_job", None)
            if callable(opening):
                opening(self._first_job)
        self.services.supervisor.start("starting the areas", self.services.started)

    # --- what is followed, and what failed, told on every screen -----------------------

    @on(Watched)
    def _watched(self, message: Watched) -> None:
        """A followed object's status changed (a fine-tuning job, a batch): say so on any
        screen, ring the bell, and ask the terminal for a desktop notification (OSC 9 and
        OSC 777)."""
        event = message.value
        if event.change is None or not event.change[0]:
            return
        before, now = event.change
        text = event.watch.followed.notice(before, now)
        kind = event.watch.followed.kind
        severity: SeverityLevel = "error" if now == "failed" else "information"
        self.notify(text, title=kind.capitalize(), severity=severity, timeout=15)
        self.bell()
        self.desktop_notify(f"Loom: {kind}", text)

    @on(WorkFailed)
    def _work_failed(self, message: WorkFailed) -> None:
        """Background work ended on an error it did not handle: say what and why, keep
        going (the crash report is for errors that end the app)."""
        failure = message.value
        error = failure.error
        self.notify(
            f"{failure.name} stopped: {type(error).__name__}: {error}. Loom goes on; the "
            "work is tried again when next needed.",
            title="Background work",
            severity="error",
            timeout=12,
        )

    def desktop_notify(self, title: str, body: str) -> None:
        """A desktop notification where the terminal takes one (OSC 9: iTerm2, Windows
        Terminal, WezTerm, kitty; OSC 777: foot, rxvt, GNOME Terminal's VTE). Inside tmux
        it is passed through (tmux needs `set -g allow-passthrough on`)."""
        import os

        from tui.core.text import strip_controls

        if self.terminal_write is None:
            return
        clean_title = strip_controls(title).replace(";", ",")[:60]
        clean_body = strip_controls(body).replace(";", ",")[:200]
        sequences = [
            f"\x1b]9;{clean_title}: {clean_body}\x07",
            f"\x1b]777;notify;{clean_title};{clean_body}\x07",
        ]
        for sequence in sequences:
            if os.environ.get("TMUX"):
                sequence = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
            try:
                self.terminal_write(sequence)
            except Exception:  # the terminal is gone: nothing to tell
                return

    @work(thread=True, group="warm-up", exit_on_error=False)
    def warm_up(self) -> None:
        """Load the Markdown and highlighting stack off the event loop, before the first
        reply needs it, then keep what it loaded out of the garbage collector's scans."""
        from tui.widgets.markdown_render import warm_up

        warm_up()
        GC.loaded()

    # --- moving around -------------------------------------------------------------------

    async def go_to(self, mode: str) -> None:
        """Show the screen of a mode (see tui.screens.modes), once it is ready."""
        if mode != self.current_mode:
            await self.switch_mode(mode)
            shown = getattr(self.screen, "mode_shown", None)
            if callable(shown):
                shown()

    def action_focus_next(self) -> None:
        """Tab: a field that completes with Tab (a path) does so; else focus moves on."""
        wants_tab = getattr(self.focused, "take_tab", None)
        if callable(wants_tab):
            wants_tab()  # it completes, or moves focus on, after the keys before Tab
            return
        super().action_focus_next()

    async def action_go_to(self, mode: str) -> None:
        """Show the screen of a mode (its key, or the palette's "Go to …")."""
        await self.go_to(mode)

    async def open_conversation(self, conversation_id: int) -> None:
        """Show a stored conversation in the chat screen."""
        await self.go_to("chat")
        load = getattr(self.screen, "load_conversation", None)
        if callable(load):
            await load(conversation_id)

    async def deliver(self, mode: str, method: str, *args: Any) -> None:
        """Show the screen of `mode` and call its `method(*args)` (awaited if it is a
        coroutine): how one area's screen hands something to another's — a fine-tuned
        model to chat with, a job to open — without importing it."""
        import inspect

        await self.go_to(mode)
        call = getattr(self.screen, method, None)
        if callable(call):
            done = call(*args)
            if inspect.isawaitable(done):
                await done

    async def open_job(self, job_id: str) -> None:
        """Follow a fine-tuning job on its screen."""
        await self.deliver("fine-tuning", "open_job", job_id)

    async def use_model(self, model: str, *, new_chat: bool = False) -> None:
        """Send the next messages of the chat to `model` (in a conversation of its own
        with `new_chat`)."""
        await self.deliver("chat", "chat_with" if new_chat else "use_model", model)

    async def switch_profile(self, name: str) -> None:
        """Talk to another profile's server from now on (and at the next start)."""
        if self.settings.demo:
            self.notify(
                "Demo mode talks to the built-in simulator; start Loom without --demo to use "
                "a profile.",
                title="Profiles",
            )
            return
        settings = Settings.load(
            profile=name, data_dir=self.settings.data_dir, config=self.settings.config_path
        )
        if settings.config_problem:
            self.notify(settings.config_problem, title="Profiles", severity="error", timeout=12)
            return
        await self.services.use(settings)
        self.settings = settings
        problem = self.services.remember(profile=name)
        refresh = getattr(self.screen, "settings_changed", None)
        if callable(refresh):
            refresh()
        self.notify(f"Profile {name}: {settings.base_url}", title="Profiles", timeout=4)
        if problem:
            self.notify(problem, title="Profiles", severity="warning")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands, then every keyed action of the current screen."""
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Low-bandwidth mode",
            "Turn "
            + ("off" if self.low_bandwidth else "on")
            + ": fewer frames while a reply streams, no blink or animations, 16 colours",
            self.action_toggle_low_bandwidth,
        )
        for binding in getattr(screen, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.description:
                keys = binding.key.split(",")[0]
                yield SystemCommand(
                    binding.description,
                    f"{binding.tooltip or binding.description} ({keys})",
                    partial(screen.run_action, binding.action),
                )

    @property
    def keymap(self) -> dict[str, str]:
        """Binding id to keys, as the config remaps them (for the help screen)."""
        return dict(self.settings.keymap)

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

    async def on_unmount(self) -> None:
        await self.services.aclose()
