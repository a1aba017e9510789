"""The parameter panel: a conversation's system prompt and request parameters, checked
against the spec's ranges, and presets to save and reuse them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from tui.core.chat_params import PARAMS, parse, parse_all, show
from tui.core.failures import StoreError
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.core.services import Services
    from tui.store.presets import Preset


class ParamsScreen(ModalScreen[tuple[str, dict[str, Any]] | None]):
    """Returns (system prompt, parameters) when saved, None when cancelled; the model, when
    changed, is in the parameters under "model"."""

    DEFAULT_CSS = """
    ParamsScreen { align: center middle; }
    ParamsScreen > Footer { dock: bottom; }
    ParamsScreen > VerticalScroll {
        width: 90; max-width: 100%; height: 1fr; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ParamsScreen TextArea { height: 5; }
    ParamsScreen .params--row { height: 1; margin: 0 0 0 0; }
    ParamsScreen .params--row Label { width: 22; }
    ParamsScreen .params--row Input { width: 1fr; padding: 0 1; }
    ParamsScreen .params--row Input.-invalid { background: $error 30%; }
    ParamsScreen .params--hint { color: $text-muted; }
    ParamsScreen #params-problems { color: $text-error; }
    """

    BINDINGS = [
        Binding("f2,ctrl+s", "save", "Save", id="params.save", tooltip="Use these settings"),
        Binding(
            "ctrl+o",
            "pick_model",
            "Models",
            id="params.model",
            tooltip="Pick the model from a list",
        ),
        Binding(
            "f4",
            "save_preset",
            "Save preset",
            id="params.save_preset",
            tooltip="Save these settings as a preset (ctrl+n offers them)",
        ),
        Binding(
            "f5",
            "load_preset",
            "Presets",
            id="params.load_preset",
            tooltip="Load a preset into the fields; rename or delete presets",
        ),
        Binding("escape", "cancel", "Cancel", id="params.cancel", tooltip="Close, change nothing"),
    ]

    def __init__(
        self,
        system_prompt: str,
        params: dict[str, Any],
        services: Services,
        model: str = "",
        models: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.system_prompt = system_prompt
        self.params = params
        self.services = services
        self.model = model
        self.models = models or []

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("System prompt (Tab moves on)", classes="params--hint")
            prompt = TextArea(self.system_prompt, id="system-prompt", tab_behavior="focus")
            prompt.soft_wrap = True
            yield prompt
            with Horizontal(classes="params--row"):
                yield Label("model")
                yield Field(
                    self.model, placeholder="model id (ctrl+o lists them)", id="model", compact=True
                )
            for param in PARAMS:
                with Horizontal(classes="params--row"):
                    yield Label(param.name, markup=False)
                    yield Field(
                        show(param.name, self.params.get(param.name)),
                        placeholder=f"default · {param.help}",
                        id=f"param-{param.name}",
                        compact=True,
                    )
            yield Static("", id="params-problems")
            yield Static(
                "Empty fields use the server's default. F2 or ctrl+s saves · ctrl+o lists models · "
                "F4 saves as a preset · F5 presets · Esc cancels",
                classes="params--hint",
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#system-prompt", TextArea).focus()

    def _texts(self) -> dict[str, str]:
        return {p.name: self.query_one(f"#param-{p.name}", Input).value for p in PARAMS}

    @on(Input.Changed)
    def _check(self, event: Input.Changed) -> None:
        """Mark every field out of range, and say why, as the user types."""
        problems = []
        for param in PARAMS:
            field = self.query_one(f"#param-{param.name}", Input)
            try:
                parse(param.name, field.value)
            except ValueError as error:
                field.set_class(True, "-invalid")
                problems.append(str(error))
            else:
                field.set_class(False, "-invalid")
        self.query_one("#params-problems", Static).update(plain("\n".join(problems)))

    def _collect(self) -> tuple[str, dict[str, Any]] | None:
        params, problems = parse_all(self._texts())
        if problems:
            self.query_one("#params-problems", Static).update(plain("\n".join(problems)))
            self.notify("Fix the fields in red first:\n" + "\n".join(problems), severity="error")
            return None
        model = self.query_one("#model", Input).value.strip()
        if model and model != self.model:
            params["model"] = model
        return self.query_one("#system-prompt", TextArea).text, params

    def action_save(self) -> None:
        """Use these settings for this conversation."""
        result = self._collect()
        if result is not None:
            self.dismiss(result)

    def action_pick_model(self) -> None:
        """Choose the model from the server's list."""
        from tui.screens.model_picker import ModelPicker

        field = self.query_one("#model", Input)

        def chosen(model: str | None) -> None:
            if model:
                field.value = model
            field.focus()

        status = "" if self.models else "the model list has not arrived (yet): type any id"
        self.app.push_screen(ModelPicker(self.models, field.value or self.model, status), chosen)

    def action_save_preset(self) -> None:
        """Save these settings as a named preset."""
        result = self._collect()
        if result is None:
            return
        system_prompt, params = result
        params["model"] = self.query_one("#model", Input).value.strip() or self.model
        from tui.screens.dialogs import AskText

        def named(name: str | None) -> None:
            if name:
                self._save_preset(name, system_prompt, params)

        self.app.push_screen(AskText("Preset name", placeholder="e.g. terse reviewer"), named)

    @work(group="presets", exit_on_error=False)
    async def _save_preset(self, name: str, system_prompt: str, params: dict[str, Any]) -> None:
        try:
            await self.services.store.run(
                "saving the preset", lambda repos: repos.presets.save(name, system_prompt, params)
            )
        except StoreError as error:
            self.notify(str(error), title="Presets", severity="warning", timeout=8)
            return
        self.notify(f"Saved preset “{name}”; ctrl+n offers it.", timeout=4)

    @work(group="presets", exit_on_error=False)
    async def action_load_preset(self) -> None:
        """Fill the fields from a saved preset (or rename and delete presets)."""
        try:
            presets = await self.services.store.run(
                "reading the presets", lambda repos: repos.presets.presets()
            )
        except StoreError as error:
            self.notify(str(error), title="Presets", severity="warning", timeout=8)
            return
        if not presets:
            self.notify("No presets yet: F4 saves these settings as one.", timeout=4)
            return
        from tui.screens.presets import PresetsScreen

        def chosen(preset: Preset | None) -> None:
            if preset is None:
                return
            self.query_one("#model", Input).value = preset.params.get("model", self.model)
            self.query_one("#system-prompt", TextArea).load_text(preset.system_prompt)
            for param in PARAMS:
                field = self.query_one(f"#param-{param.name}", Input)
                field.value = show(param.name, preset.params.get(param.name))

        self.app.push_screen(PresetsScreen(self.services, presets), chosen)

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)
