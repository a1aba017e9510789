"""The help screen: every key of the screen below it, and how to get going."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.widgets.key_footer import KeyFooter

KeyRow = tuple[str, str, str]
"""(keys, what they do, the binding's id for the config's [keymap])."""
KeySection = tuple[str, list[KeyRow]]


NAMED = {"up", "down", "left", "right", "enter", "tab", "space"}
"""Keys shown by name in the help ("ctrl+up", not "ctrl+↑")."""


def key_label(key: str) -> str:
    """A key as people type it: `/` for slash, `?` for question_mark, names otherwise."""
    *modifiers, name = key.strip().split("+")
    symbol = format_key(name)
    shown = symbol if len(symbol) == 1 and name not in NAMED else name
    return "+".join([*modifiers, shown])


def describe_bindings(bindings: list[Any], keymap: dict[str, str] | None = None) -> list[KeyRow]:
    """(keys, description, id) rows for a BINDINGS list, with the keys of `keymap` (binding
    id to keys) where it remaps them."""
    rows = []
    for b in bindings:
        if isinstance(b, Binding) and b.description:
            keys = (keymap or {}).get(b.id or "", b.key)
            labels = ", ".join(key_label(k) for k in keys.split(","))
            rows.append((labels, b.tooltip or b.description, b.id or ""))
    return rows


class HelpScreen(ModalScreen[None]):
    """Keys and a few words on how Loom works."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape,f1,q", "close", "Close", id="help.close"),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    def __init__(self, title: str, sections: list[KeySection], intro: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.sections = sections
        self.intro = intro

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(self.title_text, style="bold"))
            if self.intro:
                yield Static(Text(self.intro))
            for heading, rows in self.sections:
                table = Table(
                    title=Text(heading), title_justify="left", show_header=False, box=None
                )
                table.add_column("keys", style="bold", no_wrap=True)
                table.add_column("what")
                for keys, what, binding_id in rows:
                    said = Text(what)
                    if binding_id:
                        said.append(f"  [{binding_id}]", style="dim")
                    table.add_row(Text(keys), said)
                yield Static(table)  # markup-safe: a Table of Text cells
            yield Static(Text("Esc, F1 or q closes this help.", style="italic"))
        yield KeyFooter()

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)

    def action_page_up(self) -> None:
        """Scroll the help up."""
        self.query_one(VerticalScroll).scroll_page_up()

    def action_page_down(self) -> None:
        """Scroll the help down."""
        self.query_one(VerticalScroll).scroll_page_down()
