"""The model browser: every model the server offers, what it is, what it can take, what it
costs, whether it is going away, how often it was used here; one key chats with it.

The list kept from last time is shown at once and the server asked again in the
background (tui.core.catalogue); filtering and sorting work on rows made once per list,
and the table draws only the rows on screen, so thousands of models filter as you type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from tui.areas.models.screens import rows
from tui.core.model_facts import KINDS, ModelInfo
from tui.core.text import moment, safe
from tui.screens.base import HELP_BINDING, LoomScreen
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
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


class CatalogueChanged(Relayed):
    """The model list changed (relayed from the catalogue)."""


class ModelsScreen(LoomScreen):
    """Every model the server offers."""

    MODE = "models"
    AREA = "models"
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
        catalogue = self.service.catalogue
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
        await self.service.load()

    def _catalogue_changed(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._make_rows()
        self._filter()

    def _make_rows(self) -> None:
        if self.catalogue is not None:
            keys = [c.key for c in self.query_one(RowTable).columns]
            self._rows = rows.make(self.catalogue, keys, wide=self.app.size.width >= WIDE)

    def _filter(self) -> None:
        """Show the rows that match the filter and the kind, in the chosen order."""
        uses = self.catalogue.uses if self.catalogue else {}
        picked = rows.pick(
            self._rows,
            needle=self.needle,
            kind=self.kind,
            sort=self.sort,
            reverse=self.reverse,
            group=self.group,
            uses=uses,
        )
        table = self.query_one(RowTable)
        keep = table.current.key if table.current is not None else None
        self.shown = [info for info, _ in picked]
        shown = [row for _, row in picked]
        if self.group != "none":
            shown = rows.with_headings(picked, self.group)
        table.show(shown, keep=keep)
        self._show_status()

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
            from tui.areas.models.screens.detail import ModelDetail

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
        from tui.areas.models.screens.detail import one_line

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
        problem = self.service.make_default(info.id)
        profile = self.service.settings.profile
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
        """Delete a fine-tuned model (shown, then asked with its name typed back)."""
        from tui.screens.confirm import Change, ConfirmEdit, Edit

        info = self._current()
        if info is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(info.id)

        edit = Edit(
            "Delete the model",
            info.id,
            (Change("on the server", "served", "deleted"),),
            "It cannot be used again, by anyone; the job that made it stays.",
            destructive=True,
        )
        self.app.push_screen(ConfirmEdit(edit), answered)

    @work(group="models-delete", exit_on_error=False)
    async def _delete(self, model_id: str) -> None:
        from tui.core.failures import APIError, PermissionDeniedError

        try:
            await self.service.delete(model_id)
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
        self.notify(f"Deleted {model_id}.", title="Models", timeout=5)

    def on_screen_resume(self) -> None:
        self._show_status()
