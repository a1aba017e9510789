"""Small modal dialogs: confirm, ask for a line of text, choose from a list."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain

DIALOG_CSS = """
    {name} {{ align: center middle; }}
    {name} > Footer {{ dock: bottom; }}
    {name} > Vertical {{
        width: 64; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }}
    {name} .dialog--hint {{ color: $text-muted; }}
    {name} OptionList, {name} OptionList:focus {{ height: auto; max-height: 14; border: none; }}
"""


class Confirm(ModalScreen[bool]):
    """Ask a yes/no question; y or Enter confirms, n or Esc cancels."""

    DEFAULT_CSS = DIALOG_CSS.format(name="Confirm")
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.question))
            yield Static("y / Enter: yes · n / Esc: no", classes="dialog--hint")
        yield KeyFooter()

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


class AskText(ModalScreen[str | None]):
    """Ask for one line of text (a title, a preset name); Esc cancels."""

    DEFAULT_CSS = DIALOG_CSS.format(name="AskText")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask.cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.title_text))
            yield Field(self.value, placeholder=self.placeholder, id="answer")
            yield Static("Enter saves · Esc cancels", classes="dialog--hint")
        yield KeyFooter()

    @on(Input.Submitted, "#answer")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            self.dismiss(value)
        else:
            self.notify("Type something, or press Esc to cancel.", timeout=3)

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)


class Choose(ModalScreen[int | None]):
    """Choose one of several labelled items; returns its index, or None."""

    DEFAULT_CSS = DIALOG_CSS.format(name="Choose")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choose.cancel")]

    def __init__(self, title: str, labels: list[str], hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.labels = labels
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.title_text))
            yield OptionList(
                *[
                    Option(plain(f"{n}. {label}"), id=str(n - 1))
                    for n, label in enumerate(self.labels, 1)
                ],
                id="choices",
            )
            yield Static(
                plain((self.hint + "\n" if self.hint else "") + "Enter or 1-9 picks · Esc cancels"),
                classes="dialog--hint",
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#choices")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def on_key(self, event: events.Key) -> None:
        key = event.character
        if key and key.isdigit() and 1 <= int(key) <= min(9, len(self.labels)):
            event.stop()  # the digit is the choice: it must not reach the screen below
            event.prevent_default()
            self.dismiss(int(key) - 1)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
