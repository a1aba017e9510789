"""The model browser: every model the server offers, what it is, what it can take, what it
costs, whether it is going away, how often it was used here; one key chats with it.

The list kept from last time is shown at once and the server asked again in the
background (tui.core.catalogue); filtering and sorting work on rows made once per list,
and the table draws only the rows on screen, so thousands of models filter as you type.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from tui.core.model_facts import KINDS, ModelInfo, dollars, short_name, tokens
from tui.core.text import moment, safe
from tui.screens.base import HELP_BINDING, LoomScreen
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain
from tui.widgets.relay import Relayed
from tui.widgets.row_table import Column, Row, RowTable

if TYPE_CHECKING:
    from tui.core.catalogue import Catalogue

WIDE = 110
"""From this many columns the owner, date, longest output and last use are shown too."""
SORTS = ("id", "kind", "context", "input", "output", "used", "ends", "created", "owner")
GROUPS = ("none", "kind", "owner")
SHOWN_KINDS = ("all", "for chat", *KINDS)
"""The kind filter: all, those the chat serves, then each kind."""


def _ends_cell(info: ModelInfo, today: datetime.date, *, words: bool = True) -> Text:
    ends = info.ends(today)
    if ends is None:
        return Text("")
    when, day = ends
    word = {"past": "✗ shut " if info.shutdown else "✗ dep. ", "soon": "! ", "later": ""}[when]
    if not words:
        word = word[:2]  # the mark alone at 80 columns; the line under the table says which
    style = {"past": "bold reverse", "soon": "bold", "later": "dim"}[when]
    return Text(f"{word}{day}", style=style)


def _used(info: ModelInfo, uses: dict[str, Any]) -> tuple[int, float]:
    use = uses.get(info.id)
    return (use.replies, use.last_used) if use is not None else (0, 0.0)


class CatalogueChanged(Relayed):
    """The model list changed (relayed from the catalogue)."""


class ModelsScreen(LoomScreen):
    """Every model the server offers."""

    MODE = "models"
    HELP_TITLE = "models"
    HELP_INTRO = (
        "Every model the server lists, with what Loom knows of it: its kind, context "
        "window, prices, and when it is deprecated or shut down (from what the server "
        "sends, then the config's [models] tables, then Loom's own dated table). Type to "
        "filter; Enter shows everything about a model; t starts a chat with it."
    )
    CSS = """
    ModelsScreen { layout: vertical; }
    ModelsScreen #filter { margin: 0 1; }
    ModelsScreen #how { height: 1; padding: 0 1; color: $text-muted; }
    ModelsScreen #catalogue { height: 1fr; border: round $panel-lighten-2; }
    ModelsScreen #catalogue:focus { border: round $primary; }
    ModelsScreen #facts { height: 3; padding: 0 1; }
    ModelsScreen #models-status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    BINDINGS = [
        Binding("t", "chat", "Chat", id="models.chat", tooltip="A new conversation with it"),
        Binding(
            "u",
            "use",
            "Use",
            show=False,
            id="models.use",
            tooltip="Use it in the conversation on screen",
        ),
        Binding(
            "p",
            "default",
            "Default",
            show=False,
            id="models.default",
            tooltip="Make it this profile's default (kept)",
        ),
        Binding("c", "copy", "Copy", show=False, id="models.copy", tooltip="Copy its id"),
        Binding(
            "x",
            "delete",
            "Delete",
            show=False,
            id="models.delete",
            tooltip="Delete a fine-tuned model (asks)",
        ),
        Binding(
            "k", "kind", "Kind", id="models.kind", tooltip="Show all, the chat models, or one kind"
        ),
        Binding(
            "g",
            "group",
            "Group",
            show=False,
            id="models.group",
            tooltip="Group by kind, by owner, or not",
        ),
        Binding("s", "sort", "Sort", id="models.sort", tooltip="Sort by another column"),
        Binding(
            "S", "reverse", "Reverse", show=False, id="models.reverse", tooltip="Reverse the order"
        ),
        Binding(
            "r",
            "refresh",
            "Refresh",
            show=False,
            id="models.refresh",
            tooltip="Ask the server again",
        ),
        Binding(
            "slash",
            "find",
            "Filter",
            show=False,
            id="models.find",
            tooltip="Type to filter (/ goes there)",
        ),
        Binding("escape", "to_table", "List", show=False, id="models.list"),
        HELP_BINDING,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind = "all"
        self.group = "none"
        self.sort = "id"
        self.reverse = False
        self.needle = ""
        self.catalogue: Catalogue | None = None
        self._rows: list[tuple[ModelInfo, Row, str]] = []
        """Each model's row and what filtering looks in, made once per list."""
        self.shown: list[ModelInfo] = []
        self._status_words = ""

    # --- layout ---------------------------------------------------------------------------

    def _columns(self) -> list[Column]:
        columns = [
            Column("id", "model", most=44),
            Column("kind", "kind", width=10),
            Column("context", "context", width=7, right=True),
            Column("input", "in $/M", width=7, right=True),
            Column("output", "out $/M", width=7, right=True),
            Column("ends", "ends", width=17 if self.app.size.width >= WIDE else 12),
        ]
        if self.app.size.width >= WIDE:
            columns[1:1] = [Column("owner", "owner", most=16)]
            columns += [
                Column("used", "used", width=5, right=True),
                Column("max_output", "max out", width=7, right=True),
                Column("created", "created", width=10),
                Column("last", "last used", width=11),
            ]
        return columns

    def compose(self) -> ComposeResult:
        bar = self.mode_bar()
        if bar is not None:
            yield bar
        yield Field(
            placeholder="filter: part of an id, a kind or an owner (/)", id="filter", compact=True
        )
        yield Static("", id="how")
        yield RowTable(self._columns(), id="catalogue")
        yield Static("", id="facts")
        yield Static("", id="models-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        catalogue = self.services.catalogue
        self.listen(catalogue.changed, CatalogueChanged)
        self.query_one(RowTable).focus()
        self._show_how()
        if catalogue.current.models:
            self._catalogue_changed(catalogue.current)
        self.load()

    @on(CatalogueChanged)
    def _catalogue_news(self, message: CatalogueChanged) -> None:
        self._catalogue_changed(message.value)

    def on_resize(self) -> None:
        table = self.query_one(RowTable)
        wanted = self._columns()
        if [c.key for c in table.columns] != [c.key for c in wanted]:
            table.columns = wanted
            self._make_rows()
            self._filter()

    # --- data -----------------------------------------------------------------------------

    @work(group="models-list", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """Show the kept list at once, then the server's."""
        from tui.core.failures import APIError

        catalogue = self.services.catalogue
        await catalogue.from_store()
        with contextlib.suppress(APIError):  # marked stale with why; the status line says it
            await catalogue.refresh()

    def _catalogue_changed(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._make_rows()
        self._filter()

    def _make_rows(self) -> None:
        catalogue = self.catalogue
        if catalogue is None:
            return
        today = datetime.date.today()
        keys = [c.key for c in self.query_one(RowTable).columns]
        uses = catalogue.uses
        wide = self.app.size.width >= WIDE

        def cells(info: ModelInfo) -> tuple[Text, ...]:
            replies, last = _used(info, uses)
            values = {
                "id": plain(short_name(info.id)),
                "owner": plain(info.owned_by),
                "kind": Text(info.kind.value),
                "context": Text(tokens(info.context_window)),
                "input": Text(dollars(info.input_price)),
                "output": Text(dollars(info.output_price)),
                "used": Text(f"{replies:,}" if replies else ""),
                "ends": _ends_cell(info, today, words=wide),
                "max_output": Text(tokens(info.max_output)),
                "created": Text(moment(info.created, "%Y-%m-%d", utc=True)),
                "last": Text(moment(last, "%m-%d %H:%M") if last else ""),
            }
            return tuple(values[k] for k in keys)

        self._rows = [
            (
                info,
                Row(info.id, make=lambda info=info: cells(info)),  # type: ignore[misc]
                f"{info.id} {info.kind.value} {info.owned_by}".lower(),
            )
            for info in catalogue.models
        ]

    def _sort_key(self, info: ModelInfo) -> Any:
        uses = self.catalogue.uses if self.catalogue else {}
        number: Callable[[], float] | None = {
            "context": lambda: info.context_window.value if info.context_window else -1,
            "input": lambda: info.input_price.value if info.input_price else -1,
            "output": lambda: info.output_price.value if info.output_price else -1,
            "used": lambda: _used(info, uses)[0],
            "created": lambda: info.created or 0,
        }.get(self.sort)
        if number is not None:
            return (number(), info.id)
        if self.sort == "kind":
            return (KINDS.index(info.kind.value) if info.kind.value in KINDS else 99, info.id)
        if self.sort == "ends":
            ends = info.ends()
            return (ends[1] if ends else "9999", info.id)
        if self.sort == "owner":
            return (info.owned_by, info.id)
        return (info.id.lower(),)

    def _filter(self) -> None:
        """Show the rows that match the filter and the kind, in the chosen order."""
        needle = self.needle.lower().strip()
        kind = self.kind
        picked = [
            (info, row)
            for info, row, haystack in self._rows
            if (not needle or needle in haystack)
            and (kind == "all" or (kind == "for chat" and info.chat) or info.kind.value == kind)
        ]
        picked.sort(key=lambda pair: self._sort_key(pair[0]), reverse=self.reverse)
        if self.group != "none":

            def group_of(info: ModelInfo) -> Any:
                if self.group == "kind":
                    return KINDS.index(info.kind.value) if info.kind.value in KINDS else 99
                return info.owned_by

            picked.sort(key=lambda pair: group_of(pair[0]))  # stable: the order within stays
        table = self.query_one(RowTable)
        keep = table.current.key if table.current is not None else None
        self.shown = [info for info, _ in picked]
        rows = [row for _, row in picked]
        if self.group != "none":
            rows = self._with_headings(picked)
        table.show(rows, keep=keep)
        self._show_status()

    def _with_headings(self, picked: list[tuple[ModelInfo, Row]]) -> list[Row]:
        """The rows with a heading over each group: its kind or owner and its count."""
        names = [
            info.kind.value if self.group == "kind" else (info.owned_by or "(no owner)")
            for info, _ in picked
        ]
        counts: dict[str, int] = {}
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        rows: list[Row] = []
        previous: str | None = None
        for name, (_, row) in zip(names, picked, strict=True):
            if name != previous:
                rows.append(Row.group(plain(f"{name} · {counts[name]:,}")))
                previous = name
            rows.append(row)
        return rows

    @on(Input.Changed, "#filter")
    def _typed(self, event: Input.Changed) -> None:
        self.needle = event.value
        self._filter()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(RowTable).focus()

    @on(RowTable.Highlighted, "#catalogue")
    def _highlighted(self, message: RowTable.Highlighted) -> None:
        self._show_facts()

    @on(RowTable.Chosen, "#catalogue")
    def _chosen(self, message: RowTable.Chosen) -> None:
        info = self._current()
        if info is not None:
            from tui.screens.models.detail import ModelDetail

            self.app.push_screen(ModelDetail(info))

    def _current(self) -> ModelInfo | None:
        row = self.query_one(RowTable).current
        if row is None or self.catalogue is None:
            return None
        return self.catalogue.find(row.key)

    # --- words ----------------------------------------------------------------------------

    def _show_how(self) -> None:
        order = "↓" if self.reverse else "↑"
        self.query_one("#how", Static).update(
            Text(
                f"kind: {self.kind} (k) · group: {self.group} (g) · "
                f"sort: {self.sort} {order} (s, S)"
            )
        )

    def _show_facts(self) -> None:
        info = self._current()
        facts = self.query_one("#facts", Static)
        if info is None:
            facts.update("")
            return
        from tui.screens.models.detail import one_line

        facts.update(one_line(info, self.catalogue.uses if self.catalogue else {}))

    def _show_status(self) -> None:
        catalogue = self.catalogue
        line = Text(no_wrap=True, overflow="ellipsis")
        total = len(catalogue.models) if catalogue else 0
        line.append(f"{len(self.shown):,} of {total:,} models", style="bold")
        if catalogue is not None and catalogue.skipped:
            line.append(f" · {catalogue.skipped} entries unreadable, left out")
        if catalogue is not None and catalogue.stale:
            line.append(f" │ {safe(catalogue.stale)}", style="bold")
        elif catalogue is not None and catalogue.fetched_at:
            line.append(
                " │ from the server at " + moment(catalogue.fetched_at, "%H:%M:%S"),
                style="dim",
            )
        elif catalogue is None or not catalogue.models:
            line.append(" │ asking the server…", style="dim")
        self.query_one("#models-status", Static).update(line)

    # --- keys -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        info = self._current() if self.is_mounted else None
        if action in ("chat", "use", "default"):
            return info is not None and info.chat
        if action == "delete":
            return info is not None and info.kind.value in ("fine-tuned", "checkpoint")
        return True

    def action_find(self) -> None:
        """Go to the filter."""
        self.query_one("#filter").focus()

    def action_to_table(self) -> None:
        """Back to the list."""
        self.query_one(RowTable).focus()

    def action_kind(self) -> None:
        """Show another kind of model."""
        present = {m.kind.value for m in (self.catalogue.models if self.catalogue else [])}
        choices = [k for k in SHOWN_KINDS if k in ("all", "for chat") or k in present]
        self.kind = (
            choices[(choices.index(self.kind) + 1) % len(choices)]
            if self.kind in choices
            else "all"
        )
        self._show_how()
        self._filter()

    def action_group(self) -> None:
        """Group the list by kind, by owner, or not."""
        self.group = GROUPS[(GROUPS.index(self.group) + 1) % len(GROUPS)]
        self._show_how()
        self._filter()

    def action_sort(self) -> None:
        """Sort by the next column."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._show_how()
        self._filter()

    def action_reverse(self) -> None:
        """Reverse the order."""
        self.reverse = not self.reverse
        self._show_how()
        self._filter()

    def action_refresh(self) -> None:
        """Ask the server again."""
        self.load()

    async def action_chat(self) -> None:
        """A new conversation with the model."""
        info = self._current()
        if info is not None:
            await self.app.use_model(info.id, new_chat=True)  # type: ignore[attr-defined]

    async def action_use(self) -> None:
        """The model for the conversation on screen."""
        info = self._current()
        if info is not None:
            await self.app.use_model(info.id)  # type: ignore[attr-defined]

    def action_default(self) -> None:
        """Make it the profile's default model (kept for the next start)."""
        info = self._current()
        if info is None:
            return
        problem = self.services.remember(model=info.id)
        profile = self.services.settings.profile
        where = f"profile {profile}" if profile else "this server"
        if problem:
            self.notify(problem, title="Models", severity="warning")
        else:
            self.notify(
                f"{info.id} is the default model of {where} from now on.", title="Models", timeout=5
            )

    def action_copy(self) -> None:
        """Copy the model's id."""
        info = self._current()
        if info is not None:
            self.app.copy_and_say(info.id, f"the id {info.id}")  # type: ignore[attr-defined]

    def action_delete(self) -> None:
        """Delete a fine-tuned model (asks first)."""
        from tui.screens.dialogs import Confirm

        info = self._current()
        if info is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(info.id)

        self.app.push_screen(
            Confirm(f"Delete {info.id}? It cannot be used again; its job stays."), answered
        )

    @work(group="models-delete", exit_on_error=False)
    async def _delete(self, model_id: str) -> None:
        from tui.core.failures import APIError, PermissionDeniedError

        client = await self.services.client()
        try:
            await client.models.delete(model_id)
        except PermissionDeniedError as error:
            self.notify(
                f"{self.said(error, 'deleting the model')} Deleting a fine-tuned model needs a "
                "key of an owner of its organization (Owner role).",
                title="Models",
                severity="error",
                timeout=12,
            )
            return
        except APIError as error:
            self.notify(
                self.said(error, "deleting the model"), title="Models", severity="error", timeout=12
            )
            return
        self.services.catalogue.forget(model_id)
        self.notify(f"Deleted {model_id}.", title="Models", timeout=5)

    def on_screen_resume(self) -> None:
        self._show_status()
