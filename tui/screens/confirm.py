"""Safe edits, one form: every change Loom makes on the server — pause or cancel a job,
delete a key, remove a user, archive a project, resubmit a batch — is first shown as
exactly what will change (each field, before → after) and asked; a destructive one asks
for the object's name typed back before it can be confirmed. Nothing changes on Esc."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.core.text import safe
from tui.screens.dialogs import DIALOG_CSS
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain


@dataclass(frozen=True, slots=True)
class Change:
    """One field of the object, as it is and as it will be."""

    field: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Edit:
    """What an action will do, for the user to confirm."""

    action: str
    """In words, as the question: `Cancel the job`."""
    name: str
    """The object's name (what a destructive edit asks typed back)."""
    changes: tuple[Change, ...]
    consequence: str = ""
    """What follows, in one sentence (`This cannot be undone; its checkpoints stay.`)."""
    destructive: bool = False
    """Cannot be undone: the name must be typed back."""


class ConfirmEdit(ModalScreen[bool]):
    """Show an edit before → after and ask; True only when confirmed."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ConfirmEdit")
        + """
    ConfirmEdit #edit-action { text-style: bold; }
    ConfirmEdit #edit-changes { margin: 1 0 0 0; }
    ConfirmEdit #edit-consequence { margin: 1 0 0 0; }
    ConfirmEdit #edit-name { margin: 1 0 0 0; }
    ConfirmEdit #edit-name.-wrong { border: tall $error; }
    """
    )
    BINDINGS = [
        Binding("enter", "confirm", "Confirm", id="edit.confirm", priority=True),
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, edit: Edit) -> None:
        super().__init__()
        self.edit = edit

    def compose(self) -> ComposeResult:
        edit = self.edit
        with Vertical():
            yield Static(plain(f"{edit.action}: {edit.name}?"), id="edit-action")
            yield Static(self._table(), id="edit-changes")  # markup-safe: a Table of Text
            if edit.consequence:
                yield Static(plain(edit.consequence), id="edit-consequence")
            if edit.destructive:
                yield Field(
                    placeholder=f"type {safe(edit.name)} to confirm", id="edit-name", compact=True
                )
                hint = "Type the name, then Enter confirms · Esc: nothing changes"
            else:
                hint = "Enter or y confirms · Esc or n: nothing changes"
            yield Static(Text(hint), classes="dialog--hint")
        yield KeyFooter()

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold")
        table.add_column()
        table.add_column(style="dim")
        table.add_column()
        for change in self.edit.changes:
            table.add_row(
                plain(change.field),
                plain(change.before, style="strike" if change.before != change.after else ""),
                Text("→"),
                plain(change.after, style="bold"),
            )
        return table

    def on_mount(self) -> None:
        if self.edit.destructive:
            self.query_one("#edit-name", Input).focus()

    def on_key(self, event: events.Key) -> None:
        # y and n answer a plain question; a destructive one takes only the typed name.
        if self.edit.destructive or event.character not in ("y", "n"):
            return
        event.stop()  # the key is the answer: it must not reach the screen below
        event.prevent_default()
        self.dismiss(event.character == "y")

    @on(Input.Changed, "#edit-name")
    def _typed(self, event: Input.Changed) -> None:
        event.input.set_class(False, "-wrong")

    def typed_back(self) -> bool:
        """Whether the name was typed back (always, for an edit that is not destructive)."""
        if not self.edit.destructive:
            return True
        typed = self.query_one("#edit-name", Input).value.strip()
        return typed == self.edit.name.strip()

    def action_confirm(self) -> None:
        """Confirm, if the name was typed back."""
        if self.typed_back():
            self.dismiss(True)
            return
        self.query_one("#edit-name", Input).set_class(True, "-wrong")
        self.notify(
            f"Type {self.edit.name} exactly to confirm, or Esc to leave it as it is.",
            severity="warning",
            timeout=4,
        )

    def action_cancel(self) -> None:
        """Leave everything as it is."""
        self.dismiss(False)
