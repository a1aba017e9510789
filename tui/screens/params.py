"""The parameter panel: a conversation's system prompt and request parameters, checked
against the spec's ranges, and presets to save and reuse them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static, TextArea

from tui.params import PARAMS, parse, parse_all, show
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.store.conversations import ConversationStore


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
    ParamsScreen .params--row Input { width: 1fr; border: none; height: 1; padding: 0 1; }
    ParamsScreen .params--row Input.-invalid { background: $error 30%; }
    ParamsScreen .params--hint { color: $text-muted; }
    ParamsScreen #params-problems { color: $text-error; }
    """

    BINDINGS = [
        Binding("f2", "save", "Save", id="params.save", tooltip="Use these settings"),
        Binding("f4", "save_preset", "Save preset", id="params.save_preset"),
        Binding("f5", "load_preset", "Load preset", id="params.load_preset"),
        Binding("escape", "cancel", "Cancel", id="params.cancel"),
    ]

    def __init__(
        self,
        system_prompt: str,
        params: dict[str, Any],
        store: ConversationStore | None,
        model: str = "",
    ) -> None:
        super().__init__()
        self.system_prompt = system_prompt
        self.params = params
        self.store = store
        self.model = model

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("System prompt (Tab moves on)", classes="params--hint")
            prompt = TextArea(self.system_prompt, id="system-prompt", tab_behavior="focus")
            prompt.soft_wrap = True
            yield prompt
            with Horizontal(classes="params--row"):
                yield Label("model")
                yield Input(self.model, placeholder="model id (ctrl+o lists them)", id="model")
            for param in PARAMS:
                with Horizontal(classes="params--row"):
                    yield Label(param.name, markup=False)
                    yield Input(
                        show(param.name, self.params.get(param.name)),
                        placeholder=f"default · {param.help}",
                        id=f"param-{param.name}",
                    )
            yield Static("", id="params-problems")
            yield Static(
                "Empty fields use the server's default. F2 saves · F4 saves as a preset · "
                "F5 loads a preset · Esc cancels",
                classes="params--hint",
            )
        yield Footer(compact=True, show_command_palette=False)

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

    def action_save_preset(self) -> None:
        """Save these settings as a named preset."""
        result = self._collect()
        if result is None:
            return
        if self.store is None:
            self.notify("Presets need the conversation store, which is not open.", timeout=4)
            return
        store = self.store
        system_prompt, params = result
        params["model"] = self.query_one("#model", Input).value.strip() or self.model
        from tui.screens.dialogs import AskText

        def named(name: str | None) -> None:
            if name:
                store.save_preset(name, system_prompt, params)
                self.notify(f"Saved preset “{name}”; ctrl+n offers it.", timeout=4)

        self.app.push_screen(AskText("Preset name", placeholder="e.g. terse reviewer"), named)

    def action_load_preset(self) -> None:
        """Fill the fields from a saved preset."""
        presets = self.store.presets() if self.store is not None else []
        if not presets:
            self.notify("No presets yet: F4 saves these settings as one.", timeout=4)
            return
        from tui.screens.dialogs import Choose

        def chosen(index: int | None) -> None:
            if index is None:
                return
            preset = presets[index]
            self.query_one("#model", Input).value = preset.params.get("model", self.model)
            self.query_one("#system-prompt", TextArea).load_text(preset.system_prompt)
            for param in PARAMS:
                field = self.query_one(f"#param-{param.name}", Input)
                field.value = show(param.name, preset.params.get(param.name))

        self.app.push_screen(Choose("Load which preset?", [p.name for p in presets]), chosen)

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)
