"""Search every conversation (SQLite FTS5); Enter opens the conversation at that message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.core.failures import StoreError
from tui.core.text import safe
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.core.services import Services
    from tui.store.conversations import SearchHit


class SearchScreen(ModalScreen[tuple[int, int] | None]):
    """Type words; the matching messages show with their snippet. Returns
    (conversation id, message id) of the one chosen."""

    DEFAULT_CSS = """
    SearchScreen { align: center middle; }
    SearchScreen > Footer { dock: bottom; }
    SearchScreen > Vertical {
        width: 100; max-width: 98%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    SearchScreen OptionList { height: 1fr; border: none; }
    SearchScreen .search--hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Close", id="search.close"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, services: Services, query: str = "") -> None:
        super().__init__()
        self.services = services
        self.query_text = query
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Search all conversations", classes="search--title")
            yield Field(self.query_text, placeholder="words to find…", id="search-input")
            yield OptionList(id="search-results")
            yield Static(
                "Every word must match · Enter opens at the message · ↑↓ move · Esc closes",
                classes="search--hint",
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._search(self.query_text)

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @work(exclusive=True, group="search", exit_on_error=False)
    async def _search(self, query: str) -> None:
        hits: list[SearchHit] = []
        problem = ""
        if query.strip():
            try:
                hits = await self.services.store.run(
                    "searching", lambda repos: repos.conversations.search(query)
                )
            except StoreError as error:
                problem = str(error)
        results = self.query_one(OptionList)
        results.clear_options()
        self.hits = hits
        if problem:
            results.add_option(Option(plain(problem), disabled=True))
            return
        for n, hit in enumerate(self.hits):
            label = Text(no_wrap=False)
            label.append(safe(hit.title) or "Untitled", style="bold")
            label.append("\n  ")
            label.append(_marked(hit.snippet))
            results.add_option(Option(label, id=str(n)))  # markup-safe: a Text
        if self.hits:
            results.highlighted = 0
        elif query.strip():
            results.add_option(Option(Text("No message matches every word.", "dim"), disabled=True))

    @on(Input.Submitted, "#search-input")
    def _open_highlighted(self) -> None:
        index = self.query_one(OptionList).highlighted
        if self.hits and index is not None and index < len(self.hits):
            self._open(index)

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._open(int(event.option.id or 0))

    def _open(self, index: int) -> None:
        hit = self.hits[index]
        self.dismiss((hit.conversation_id, hit.message_id))

    def action_move(self, step: int) -> None:
        """Move through the results while typing."""
        results = self.query_one(OptionList)
        if step > 0:
            results.action_cursor_down()
        else:
            results.action_cursor_up()

    def action_cancel(self) -> None:
        """Close without opening anything."""
        self.dismiss(None)


def _marked(snippet: str) -> Text:
    """The snippet on one line, with the matched words highlighted."""
    from tui.config.conventions import MARK_END, MARK_START

    text = Text()
    for n, part in enumerate(" ".join(snippet.split()).split(MARK_START)):
        word, _, rest = part.partition(MARK_END) if n else ("", "", part)
        text.append(safe(word), style="bold reverse")
        text.append(safe(rest))
    return text
