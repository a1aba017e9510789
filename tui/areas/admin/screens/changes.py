"""What every change of the console goes through: the row under the cursor read as what it
names, the confirmation dialog (before → after; the name typed back for what cannot be
undone), the change made in a worker and said in words (a 403: the role it needs), and a
new key shown once. The lists' changes are key_actions.py's and actions.py's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual import work

from tui.core.failures import APIError
from tui.screens.confirm import ConfirmEdit, Edit

if TYPE_CHECKING:
    from tui.areas.admin.core.service import AdminService, OrgView, ProjectParts

ACTIONS_BY_SECTION = {
    "open": ("projects",),
    "new": ("projects", "members", "keys"),
    "edit": ("projects", "members", "limits"),
    "delete": ("projects", "members", "keys"),
    "add_to_project": ("members",),
    "new_key": ("keys",),
    "follow": ("audit",),
    "more": ("audit",),
    "export": ("audit",),
}
"""Which list each action belongs to (the footer shows a list's own)."""


class Changes:
    """The helpers of the console's changes (mixed into the console screen)."""

    # What the screen has (AdminScreen).
    section: str
    view: OrgView | None
    selected: dict[str, str | None]
    following: bool
    app: Any
    entries: list[Any]
    audit_query: Any

    @property
    def admin(self) -> AdminService:
        found: AdminService = self.service  # type: ignore[attr-defined]
        return found

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        sections = ACTIONS_BY_SECTION.get(action)
        return sections is None or self.section in sections

    # --- helpers ----------------------------------------------------------------------------

    def _current(self) -> tuple[str, str, str]:
        """(kind, project id or item id, item id) of the row under the cursor."""
        key = self.selected.get(self.section) or ""
        kind, _, rest = key.partition(":")
        first, _, second = rest.partition(":")
        return kind, first, second

    def _project_parts(self, project_id: str) -> ProjectParts | None:
        return self.view.project(project_id) if self.view is not None else None

    def _say(self, words: str, *, warn: bool = False) -> None:
        self.notify(words, severity="warning" if warn else "information", timeout=5)  # type: ignore[attr-defined]

    def _ask(self, edit: Edit, then: Callable[[], Awaitable[Any]], done: str) -> None:
        """Show the edit; on yes, make it."""

        def answered(yes: bool | None) -> None:
            if yes:
                self._make(edit.action.lower(), then, done)

        self.app.push_screen(ConfirmEdit(edit), answered)

    @work(group="org-change", exit_on_error=False)
    async def _make(self, doing: str, then: Callable[[], Awaitable[Any]], done: str) -> None:
        from tui.areas.admin.core.service import NoAdminKey

        try:
            made = await then()
        except (NoAdminKey, APIError) as error:
            self._say(self.admin.said(error, doing), warn=True)
            return
        self._say(done)
        self._after(made)

    def _after(self, made: Any) -> None:
        """What follows a change: a new key is shown once."""
        from tui.areas.admin.core.service import new_key_of
        from tui.areas.admin.screens.once import ShownOnce

        shown = new_key_of(made)
        if shown is not None:
            name, value = shown
            self.app.push_screen(ShownOnce(f"the service account {name}", value))
