"""The presets: load one into the parameter panel, rename or delete it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.core.failures import StoreError
from tui.screens.dialogs import DIALOG_CSS
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.core.services import Services
    from tui.store.presets import Preset


class PresetsScreen(ModalScreen["Preset | None"]):
    """Every saved preset; returns the one to load, or None."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PresetsScreen")
    BINDINGS = [
        Binding("enter", "load", "Load", id="presets.load", tooltip="Load this preset"),
        Binding("f2,r", "rename", "Rename", id="presets.rename", tooltip="Rename this preset"),
        Binding("d,delete", "delete", "Delete", id="presets.delete", tooltip="Delete (asks)"),
        Binding("escape", "cancel", "Close", id="presets.close"),
    ]

    def __init__(self, services: Services, presets: list[Preset]) -> None:
        super().__init__()
        self.services = services
        self.presets = presets

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Presets")
            yield OptionList(id="presets")
            yield Static(
                "Enter loads · F2 or r renames · d deletes · Esc closes", classes="dialog--hint"
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self._fill()
        self.query_one(OptionList).focus()

    def _fill(self, keep: int | None = None) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for preset in self.presets:
            about = preset.system_prompt.splitlines()[0][:40] if preset.system_prompt else ""
            model = preset.params.get("model")
            words = " · ".join(w for w in (preset.name, str(model or ""), about) if w)
            options.add_option(Option(plain(words), id=str(preset.id)))
        if self.presets:
            ids = [p.id for p in self.presets]
            options.highlighted = ids.index(keep) if keep in ids else 0

    def _chosen(self) -> Preset | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.presets):
            return None
        return self.presets[index]

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_load()

    def action_load(self) -> None:
        """Load the highlighted preset."""
        chosen = self._chosen()
        if chosen is not None:
            self.dismiss(chosen)

    def action_rename(self) -> None:
        """Rename the highlighted preset."""
        chosen = self._chosen()
        if chosen is None:
            return
        from tui.screens.dialogs import AskText

        def named(name: str | None) -> None:
            if name and name != chosen.name:
                self._rename(chosen, name)

        self.app.push_screen(AskText("Rename preset", chosen.name), named)

    @work(exclusive=True, group="presets", exit_on_error=False)
    async def _rename(self, chosen: Preset, name: str) -> None:
        from tui.core.failures import PresetExists

        try:
            await self.services.store.run(
                "renaming the preset", lambda repos: repos.presets.rename(chosen.id, name)
            )
        except (StoreError, PresetExists) as error:
            self.notify(str(error), title="Presets", severity="warning", timeout=8)
            return
        chosen.name = name
        self.presets.sort(key=lambda p: p.name.lower())
        self._fill(chosen.id)

    def action_delete(self) -> None:
        """Delete the highlighted preset, after asking."""
        chosen = self._chosen()
        if chosen is None:
            return
        from tui.screens.dialogs import Confirm

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._delete(chosen)

        self.app.push_screen(Confirm(f"Delete the preset “{chosen.name}”?"), confirmed)

    @work(exclusive=True, group="presets", exit_on_error=False)
    async def _delete(self, chosen: Preset) -> None:
        try:
            await self.services.store.run(
                "deleting the preset", lambda repos: repos.presets.delete(chosen.id)
            )
        except StoreError as error:
            self.notify(str(error), title="Presets", severity="warning", timeout=8)
            return
        self.presets.remove(chosen)
        self.notify(f"Deleted the preset “{chosen.name}”.", timeout=3)
        if not self.presets:
            self.dismiss(None)
            return
        self._fill()

    def action_cancel(self) -> None:
        """Close without loading anything."""
        self.dismiss(None)
