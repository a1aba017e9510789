"""Every parameter of a legacy completion, checked as typed (each bad field in red, and
why); returns (model, parameters) when saved."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.areas.playground.core.completions import PARAMS, parse, parse_all
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain


def _shown(value: Any) -> str:
    import json

    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


class CompletionParams(ModalScreen[tuple[str, dict[str, Any]] | None]):
    """The model and the parameters of the next completion."""

    DEFAULT_CSS = """
    CompletionParams { align: center middle; }
    CompletionParams > VerticalScroll {
        width: 90; max-width: 100%; height: 1fr; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    CompletionParams .row { height: 1; }
    CompletionParams .row Label { width: 20; }
    CompletionParams .row Input { width: 1fr; }
    CompletionParams .row Input.-invalid { background: $error 30%; }
    CompletionParams #cparams-problems { color: $text-error; }
    CompletionParams .hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("f2,ctrl+s", "save", "Save", id="cparams.save", tooltip="Use these settings"),
        Binding("escape", "cancel", "Cancel", id="cparams.cancel", tooltip="Change nothing"),
    ]

    def __init__(self, model: str, params: dict[str, Any]) -> None:
        super().__init__()
        self.model = model
        self.params = params

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("The next completion's model and parameters", classes="hint")
            with Horizontal(classes="row"):
                yield Label("model")
                yield Field(self.model, id="cparam-model", compact=True)
            for param in PARAMS:
                with Horizontal(classes="row"):
                    yield Label(param.name, markup=False)
                    yield Field(
                        _shown(self.params.get(param.name)),
                        placeholder=f"default · {param.help}",
                        id=f"cparam-{param.name}",
                        compact=True,
                    )
            yield Static("", id="cparams-problems")
            yield Static(
                "Empty fields use the server's default. F2 saves · Esc cancels", classes="hint"
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#cparam-model", Input).focus()

    def _texts(self) -> dict[str, str]:
        return {p.name: self.query_one(f"#cparam-{p.name}", Input).value for p in PARAMS}

    @on(Input.Changed)
    def _check(self) -> None:
        problems = []
        for param in PARAMS:
            field = self.query_one(f"#cparam-{param.name}", Input)
            try:
                parse(param.name, field.value)
            except ValueError as error:
                field.set_class(True, "-invalid")
                problems.append(str(error))
            else:
                field.set_class(False, "-invalid")
        self.query_one("#cparams-problems", Static).update(plain("\n".join(problems)))

    def action_save(self) -> None:
        """Use these settings."""
        params, problems = parse_all(self._texts())
        if problems:
            self.query_one("#cparams-problems", Static).update(plain("\n".join(problems)))
            return
        model = self.query_one("#cparam-model", Input).value.strip() or self.model
        self.dismiss((model, params))

    def action_cancel(self) -> None:
        """Close, changing nothing."""
        self.dismiss(None)
