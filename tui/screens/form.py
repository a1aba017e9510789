"""A small form in a dialog: a few labelled fields (a name, an email, each limit of a
rate limit), checked before it closes. Returns the values by field name, or None on Esc.
What is done with them — shown before → after and confirmed — is the caller's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.screens.dialogs import DIALOG_CSS
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain


@dataclass(frozen=True, slots=True)
class FormField:
    """One field: its name (the key of the result), its label, what it holds now."""

    name: str
    label: str
    value: str = ""
    placeholder: str = ""


Check = Callable[[dict[str, str]], str | None]
"""What is wrong with the values (one sentence), or None."""


class FormDialog(ModalScreen[dict[str, str] | None]):
    """A few fields; Enter on the last (or ctrl+s) sends them, once `check` is content."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="FormDialog")
        + """
    FormDialog #form-title { text-style: bold; }
    FormDialog #form-fields { height: auto; max-height: 14; margin: 1 0 0 0; }
    FormDialog .form--row { height: 1; }
    FormDialog .form--label { width: 27; }
    FormDialog .form--row Input { width: 1fr; }
    FormDialog #form-problem { color: $error; }
    """
    )
    BINDINGS = [
        Binding("ctrl+s", "send", "Done", id="form.send", tooltip="Use these values"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(
        self, title: str, fields: Sequence[FormField], *, hint: str = "", check: Check | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.hint = hint
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.title_text), id="form-title")
            with VerticalScroll(id="form-fields"):
                for field in self.fields:
                    with Horizontal(classes="form--row"):
                        yield Static(plain(field.label), classes="form--label")
                        yield Field(
                            field.value,
                            placeholder=field.placeholder,
                            id=f"form-{field.name}",
                            compact=True,
                        )
            yield Static("", id="form-problem")
            hint = (self.hint + "\n" if self.hint else "") + "Tab: next field · Enter on the last "
            hint += "or ctrl+s: done · Esc: nothing changes"
            yield Static(Text(hint), classes="dialog--hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def values(self) -> dict[str, str]:
        """What is typed now, by field name (stripped)."""
        return {f.name: self.query_one(f"#form-{f.name}", Input).value.strip() for f in self.fields}

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        last = f"form-{self.fields[-1].name}"
        if event.input.id == last:
            self.action_send()
        else:
            self.focus_next()

    def action_send(self) -> None:
        """Done, if the values pass the check."""
        values = self.values()
        problem = self.check(values) if self.check is not None else None
        if problem:
            self.query_one("#form-problem", Static).update(plain(problem))
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        """Close; nothing changes."""
        self.dismiss(None)
