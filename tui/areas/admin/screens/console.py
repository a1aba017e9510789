"""The organisation console: five lists of the admin key's organisation — projects (their
members, keys, service accounts and limits counted), members (users with their roles and
projects, pending invites with their expiry), keys (every project's API keys and service
accounts, stale ones marked, only redacted values), rate limits (per project and model)
and the audit log (newest first, filtered by the server, followed live) — with the one
under the cursor in full below. Every change goes through the confirmation dialog (the
actions are screens/actions.py's)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from tui.areas.admin.core.audit import AuditQuery, FilterProblem
from tui.areas.admin.screens import sections
from tui.areas.admin.screens.actions import ConsoleActions
from tui.core.failures import APIError
from tui.screens.base import HELP_BINDING, LoomScreen
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain
from tui.widgets.relay import Relayed
from tui.widgets.row_table import RowTable

if TYPE_CHECKING:
    from textual.timer import Timer

    from tui.areas.admin.api.schemas import AuditLog
    from tui.areas.admin.core.service import OrgView, ProjectParts

EAGER_PROJECTS = 100
"""Projects whose parts are read with the organisation; the others when looked at."""
PARTS_EVERY = 0.25
"""Seconds between showings of projects' parts while they arrive."""
AUDIT_HINT = (
    "type:api_key.deleted project:proj_… actor:email resource:id since:7d, or words; Enter asks"
)


class PartsRead(Relayed):
    """A project's parts arrived."""


class OrgChanged(Relayed):
    """Loom changed something (read the organisation again)."""


class NewEntries(Relayed):
    """The audit log's follow mode brought entries."""


class AdminScreen(ConsoleActions, LoomScreen):
    """The organisation, in five lists."""

    MODE = "admin"
    AREA = "admin"
    HELP_TITLE = "the organisation"
    HELP_INTRO = (
        "The organisation of the admin key (OPENAI_ADMIN_KEY). 1-5 (or ctrl+t) switch "
        "lists: projects, members, keys, rate limits, the audit log; / filters the list (in "
        "the audit log, type:… project:… actor:… resource:… since:7d ask the server). Every "
        "change is shown before → after and asked; deleting a key, removing someone or "
        "archiving a project asks for its name typed back. A new service account's key is "
        "shown once, to copy (c); Loom keeps it nowhere. f follows the audit log: your own "
        "changes arrive as the server records them. ctrl+e writes the log shown as JSONL "
        "and CSV."
    )
    CSS = """
    AdminScreen { layout: vertical; }
    AdminScreen #org-sections { height: 1; padding: 0 1; }
    AdminScreen #org-filter { height: 1; margin: 0 1; }
    AdminScreen #org-list { height: 1fr; min-height: 5; border: round $panel-lighten-2; }
    AdminScreen #org-list:focus { border: round $primary; }
    AdminScreen #org-detail-scroll { height: 8; border: round $panel-lighten-2; }
    AdminScreen #org-status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """
    BINDINGS = [
        Binding("ctrl+t", "next_section", "List", id="org.next", tooltip="The next list"),
        *[
            Binding(
                str(n),
                f"section('{name}')",
                sections.TITLES[name],
                show=False,
                id=f"org.section.{name}",
            )
            for n, name in enumerate(sections.SECTIONS, 1)
        ],
        Binding("slash", "filter", "Filter", id="org.filter", tooltip="Filter this list"),
        *ConsoleActions.ACTION_BINDINGS,
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="org.refresh"),
        Binding(
            "r",
            "read_all",
            "Read every project",
            show=False,
            id="org.readall",
            tooltip="Read the members, keys and limits of every project (a large organisation)",
        ),
        HELP_BINDING,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.section = "projects"
        self.view: OrgView | None = None
        self.problem: str | None = None
        self.listed: dict[str, list[sections.Listed]] = {}
        """Each section's rows as last made (a filter keystroke scans these)."""
        self.needles: dict[str, str] = {name: "" for name in sections.SECTIONS}
        self.selected: dict[str, str | None] = {name: None for name in sections.SECTIONS}
        self.entries: list[AuditLog] = []
        self.audit_query = AuditQuery()
        self.audit_after: str | None = None
        """The cursor of the audit log's next page (None: no more)."""
        self.following = False
        self.read_at: float | None = None
        self._pending: Timer | None = None
        self.names: dict[str, str] = {}
        """Every id seen by its name (kept after the thing is gone: the log names it)."""

    def compose(self) -> ComposeResult:
        bar = self.mode_bar()
        if bar is not None:
            yield bar
        yield Static("", id="org-sections")
        yield Field(placeholder="/ filters this list", id="org-filter", compact=True)
        yield RowTable(sections.columns("projects", self.app.size.width), id="org-list")
        with VerticalScroll(id="org-detail-scroll"):
            yield Static("", id="org-detail")
        yield Static("", id="org-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.listen(self.admin.changed, OrgChanged)
        self.listen(self.admin.audit_news, NewEntries)
        self._table().focus()
        self._show_sections()
        self._show_status()
        self.read_org()

    def on_unmount(self) -> None:
        if self.following:
            self.admin.stop_following()
        super().on_unmount()

    def on_resize(self) -> None:
        wanted = sections.columns(self.section, self.app.size.width)
        table = self._table()
        if [c.key for c in table.columns] != [c.key for c in wanted]:
            table.columns = wanted
            self._rebuild(self.section)

    def _table(self) -> RowTable:
        return self.query_one("#org-list", RowTable)

    # --- sections -----------------------------------------------------------------------

    def _show_sections(self) -> None:
        line = Text()
        for n, name in enumerate(sections.SECTIONS, 1):
            title = f" {n} {sections.TITLES[name]} "
            line.append(title, style="bold reverse" if name == self.section else "")
            line.append(" ")
        self.query_one("#org-sections", Static).update(line)

    def action_section(self, name: str) -> None:
        """Show one of the lists."""
        if name not in sections.SECTIONS or name == self.section:
            return
        self.section = name
        self._show_sections()
        table = self._table()
        table.columns = sections.columns(name, self.app.size.width)
        field = self.query_one("#org-filter", Input)
        with field.prevent(Input.Changed):
            field.value = self.needles[name]
        field.placeholder = AUDIT_HINT if name == "audit" else "/ filters this list"
        self._fill()
        if name == "audit" and not self.entries:
            self.read_audit()
        table.focus()
        self.refresh_bindings()

    def action_next_section(self) -> None:
        """The next list (after the audit log, the projects again)."""
        at = sections.SECTIONS.index(self.section)
        self.action_section(sections.SECTIONS[(at + 1) % len(sections.SECTIONS)])

    # --- reading ------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Read the organisation (and the log) again."""
        self.read_org()
        if self.section == "audit":
            self.read_audit()

    def action_read_all(self) -> None:
        """Read every project's parts (a large organisation reads the first ones only)."""
        if self.view is not None:
            self.read_more_parts([p.project.id for p in self.view.projects if not p.loaded])

    @work(group="org-read", exclusive=True, exit_on_error=False)
    async def read_org(self) -> None:
        """Read the organisation, then each project's parts as they come."""
        from tui.areas.admin.core.service import NoAdminKey

        try:
            view = await self.admin.read()
        except (NoAdminKey, APIError) as error:
            self.problem = self.admin.said(error, "reading the organisation")
            self._show_status()
            self._detail(Text(self.problem))
            return
        old = self.view
        if old is not None:  # keep what was read until the new parts arrive
            for parts in view.projects:
                before = old.project(parts.project.id)
                if before is not None and before.loaded:
                    parts.members, parts.accounts = before.members, before.accounts
                    parts.keys, parts.limits, parts.loaded = before.keys, before.limits, True
        self.view, self.problem = view, None
        self.read_at = time.time()
        self._rebuild()

        def told(parts: ProjectParts) -> None:
            self.post_message(PartsRead(parts))

        # The first projects' parts at once (active ones first); a larger organisation's
        # others as each is looked at, or all of them on `r` — thousands of requests are
        # not made behind the user's back.
        first = sorted(view.projects, key=lambda p: p.archived)[:EAGER_PROJECTS]
        await self.admin.read_parts(view, told, projects=first)
        self._rebuild()

    @work(group="org-parts", exit_on_error=False)
    async def read_more_parts(self, project_ids: list[str]) -> None:
        """Read these projects' parts (those not read yet)."""
        view = self.view
        if view is None:
            return
        wanted = [p for p in view.projects if p.project.id in project_ids and not p.loaded]
        if not wanted:
            return

        def told(parts: ProjectParts) -> None:
            self.post_message(PartsRead(parts))

        await self.admin.read_parts(view, told, projects=wanted)

    @on(PartsRead)
    def _parts(self, message: PartsRead) -> None:
        # Parts of hundreds of projects arrive in a burst: the lists are made again at most
        # a few times a second, not once per project.
        if self._pending is None:
            self._pending = self.set_timer(PARTS_EVERY, self._parts_shown)

    def _parts_shown(self) -> None:
        self._pending = None
        self._rebuild()

    @on(OrgChanged)
    def _changed(self, message: OrgChanged) -> None:
        self.read_org()

    @work(group="org-audit", exclusive=True, exit_on_error=False)
    async def read_audit(self, more: bool = False) -> None:
        """The newest page of the log (or, with `more`, the next older one)."""
        from tui.areas.admin.core.service import NoAdminKey

        after = self.audit_after if more else None
        if more and after is None:
            self.notify("That is the whole log for this filter.", timeout=3)
            return
        try:
            page = await self.admin.audit_page(self.audit_query, after=after)
        except (NoAdminKey, APIError) as error:
            self.problem = self.admin.said(error, "reading the audit log")
            self._show_status()
            if not self.entries:
                self._detail(Text(self.problem))
            return
        self.problem = None
        fresh = [e for e in page.data if self.audit_query.shows(e)]
        self.entries = [*self.entries, *fresh] if more else fresh
        self.audit_after = page.data[-1].id if page.has_more and page.data else None
        if self.following and not more:
            self.admin.follow_log(self.audit_query, self.entries)
        self._rebuild("audit")

    @on(NewEntries)
    def _new_entries(self, message: NewEntries) -> None:
        arrived: list[AuditLog] = message.value
        known = {e.id for e in self.entries}
        fresh = [e for e in reversed(arrived) if e.id not in known]  # newest first
        if not fresh:
            return
        self.entries = [*fresh, *self.entries]
        self._rebuild("audit")
        if self.section != "audit":
            self.notify(
                f"The audit log: {len(fresh)} new entr{'y' if len(fresh) == 1 else 'ies'}.",
                timeout=3,
            )

    # --- the list and its detail ----------------------------------------------------------

    def _rebuild(self, section: str | None = None) -> None:
        """Make a section's rows again (all of them by default) and show the current one."""
        now = time.time()
        view = self.view
        if view is not None and section is None:
            self.names.update(view.names())
        for name in [section] if section else sections.SECTIONS:
            if name == "audit":
                wide = self.app.size.width >= sections.WIDE
                self.listed[name] = [
                    sections.audit_row(e, self.names, wide=wide) for e in self.entries
                ]
            elif view is None:
                continue
            elif name == "projects":
                self.listed[name] = sections.project_rows(view)
            elif name == "members":
                self.listed[name] = sections.member_rows(view, now)
            elif name == "keys":
                self.listed[name] = sections.key_rows(view, now)
            else:
                self.listed[name] = sections.limit_rows(view)
        if section is None or section == self.section:
            self._fill()

    def _fill(self) -> None:
        table = self._table()
        rows = self.listed.get(self.section, [])
        if self.section == "audit":
            shown = [listed.row for listed in rows]
        else:
            shown = sections.filtered(rows, self.needles[self.section])
        table.show(shown, keep=self.selected[self.section])
        current = table.current
        self._select(current.key if current is not None else None)
        self._show_status()

    @on(RowTable.Highlighted, "#org-list")
    def _highlighted(self, message: RowTable.Highlighted) -> None:
        self._select(message.key)

    @on(RowTable.Chosen, "#org-list")
    def _chosen(self, message: RowTable.Chosen) -> None:
        self.action_open()

    def _select(self, key: str | None) -> None:
        self.selected[self.section] = key
        if key is not None and key.startswith("p:") and self.view is not None:
            parts = self.view.project(key[2:])
            if parts is not None and not parts.loaded and parts.problem is None:
                self.read_more_parts([parts.project.id])
        self._detail(self._detail_of(key))
        self.refresh_bindings()

    def _detail_of(self, key: str | None) -> Text:
        if key is None:
            return Text(self._empty_words())
        return sections.detail_of(key, self.view, self.entries, self.names, time.time())

    def _empty_words(self) -> str:
        if self.problem:
            return self.problem
        if self.section == "audit":
            return "No entries for this filter." if self.entries == [] else "Reading the log…"
        if self.view is None:
            return "Reading the organisation…"
        if self.needles[self.section]:
            return "Nothing here matches the filter (Esc in the filter clears it)."
        return "Nothing here yet."

    def _detail(self, text: Text) -> None:
        self.query_one("#org-detail", Static).update(text)

    def _show_status(self) -> None:
        parts: list[str] = []
        view = self.view
        if self.problem:
            parts.append(self.problem)
        elif view is None:
            parts.append("reading the organisation…")
        else:
            loaded = sum(1 for p in view.projects if p.loaded)
            parts.append(f"{len(view.projects)} projects, {len(view.users)} users")
            if loaded < len(view.projects):
                parts.append(f"parts of {loaded}/{len(view.projects)} projects read (r: all)")
        if self.section == "audit":
            parts.append(
                f"{len(self.entries)} entries" + (" · more: m" if self.audit_after else "")
            )
            if str(self.audit_query):
                parts.append(f"filter {self.audit_query}")
            parts.append("following ●" if self.following else "f follows")
        self.query_one("#org-status", Static).update(plain(" · ".join(parts)))

    # --- the filter ---------------------------------------------------------------------

    def action_filter(self) -> None:
        """Type to filter this list (Esc: back to the list)."""
        self.query_one("#org-filter", Input).focus()

    @on(Input.Changed, "#org-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.needles[self.section] = event.value
        if self.section != "audit":
            self._fill()

    @on(Input.Submitted, "#org-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.section == "audit":
            try:
                self.audit_query = AuditQuery.parse(event.value)
            except FilterProblem as problem:
                self.notify(f"The filter: {problem}", severity="warning", timeout=6)
                return
            self.entries, self.audit_after = [], None
            self.read_audit()
        self._table().focus()

    def on_key(self, event: Any) -> None:
        field = self.query_one("#org-filter", Input)
        if event.key == "escape" and field.has_focus:
            event.stop()
            if field.value and self.section != "audit":
                field.value = ""
            self._table().focus()
