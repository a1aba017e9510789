"""The console's changes to keys, service accounts and rate limits, each confirmed first:
a service account made (its key shown once), a new key for one (rotation), a key or an
account deleted (the name typed back), a model's limits changed in place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.areas.admin.core.words import LIMITS, number
from tui.areas.admin.screens.changes import Changes
from tui.screens.confirm import Change, Edit
from tui.screens.form import FormDialog, FormField

if TYPE_CHECKING:
    from tui.areas.admin.core.service import ProjectParts


class KeyActions(Changes):
    """Keys, service accounts and rate limits."""

    # --- keys and service accounts -------------------------------------------------------

    def _project_here(self) -> ProjectParts | None:
        """The project of the row under the cursor (the first active one otherwise)."""
        kind, first, _ = self._current()
        view = self.view
        if view is None:
            return None
        if kind in ("k", "s", "r", "p"):
            return view.project(first)
        return next((p for p in view.projects if not p.archived), None)

    def _new_account(self) -> None:
        here = self._project_here()
        view = self.view
        if view is None:
            return
        active = [p.project.id for p in view.projects if not p.archived]

        def check(values: dict[str, str]) -> str | None:
            if not values["name"]:
                return "A name for the account (what uses its key: `Nightly reports`)."
            if values["project"] not in active:
                return f"The project: one of {', '.join(active)}."
            return None

        def filled(values: dict[str, str] | None) -> None:
            if values is None:
                return
            parts = self._project_parts(values["project"])
            if parts is None:
                return
            name, project = values["name"], parts.project
            edit = Edit(
                "Create a service account",
                name,
                (
                    Change("service account", "–", f"{name} in {project.name}"),
                    Change("key", "–", "a new one, shown once"),
                ),
            )
            self._ask(
                edit,
                lambda: self.admin.create_service_account(project, name),
                f"Service account {name} created.",
            )

        default = (
            here.project.id
            if here is not None and not here.archived
            else (active[0] if active else "")
        )
        fields = [
            FormField("name", "Name", placeholder="Nightly reports"),
            FormField("project", "Project", default),
        ]
        self.app.push_screen(FormDialog("A new service account", fields, check=check), filled)

    def action_new_key(self) -> None:
        """A new key for the service account under the cursor (rotation)."""
        kind, project_id, account_id = self._current()
        parts = self._project_parts(project_id)
        account = next((a for a in parts.accounts if a.id == account_id), None) if parts else None
        if kind != "s" or parts is None or account is None:
            self._say("Pick a service account (⚙) first: k gives it a new key.")
            return
        edit = Edit(
            "Make a new key",
            account.name,
            (Change("keys", "–", "one more, shown once"),),
            consequence="Its old keys go on working until you delete them.",
        )
        self._ask(edit, lambda: self.admin.rotate_key(parts.project, account), "A new key made.")

    def _delete_key(self, project_id: str, key_id: str) -> None:
        parts = self._project_parts(project_id)
        key = next((k for k in parts.keys if k.id == key_id), None) if parts else None
        if parts is None or key is None:
            return
        if key.owner.type == "service_account":
            self._say(
                "A service account's key goes with its account: x on the account (⚙).", warn=True
            )
            return
        from tui.areas.admin.core.words import ago

        edit = Edit(
            "Delete the API key",
            key.name,
            (
                Change(key.redacted_value, "active", "deleted"),
                Change("last used", ago(key.last_used_at), ago(key.last_used_at)),
            ),
            consequence="Whatever uses it fails from now on; this cannot be undone.",
            destructive=True,
        )
        self._ask(edit, lambda: self.admin.delete_key(parts.project, key), f"{key.name} deleted.")

    def _delete_account(self, project_id: str, account_id: str) -> None:
        parts = self._project_parts(project_id)
        account = next((a for a in parts.accounts if a.id == account_id), None) if parts else None
        if parts is None or account is None:
            return
        edit = Edit(
            "Delete the service account",
            account.name,
            (Change("service account", account.role, "deleted"),),
            consequence="Its keys stop working at once; this cannot be undone.",
            destructive=True,
        )
        self._ask(
            edit,
            lambda: self.admin.delete_service_account(parts.project, account),
            f"{account.name} deleted.",
        )

    # --- rate limits ----------------------------------------------------------------------

    def _limits(self, project_id: str, limit_id: str) -> None:
        parts = self._project_parts(project_id)
        limit = next((r for r in parts.limits if r.id == limit_id), None) if parts else None
        if parts is None or limit is None:
            return
        if parts.archived:
            self._say("An archived project's limits cannot change.", warn=True)
            return
        now = {name: getattr(limit, name) for name in LIMITS}

        def check(values: dict[str, str]) -> str | None:
            for name, typed in values.items():
                text = typed.replace(",", "").replace("_", "")
                if text and not text.isdigit():
                    return f"{LIMITS[name]}: a whole number, 0 or more (or blank: as it is)."
            return None

        def filled(values: dict[str, str] | None) -> None:
            if values is None:
                return
            asked = {
                name: int(typed.replace(",", "").replace("_", ""))
                for name, typed in values.items()
                if typed and int(typed.replace(",", "").replace("_", "")) != now[name]
            }
            if not asked:
                self._say("Nothing changed.")
                return
            changes = tuple(
                Change(LIMITS[name], number(now[name]), number(value))
                for name, value in asked.items()
            )
            edit = Edit(f"Change the limits of {limit.model} in", parts.project.name, changes)
            self._ask(
                edit,
                lambda: self.admin.set_rate_limit(parts.project, limit, asked),
                f"{limit.model}'s limits changed in {parts.project.name}.",
            )

        fields = [
            FormField(
                name, label[0].upper() + label[1:], "" if now[name] is None else f"{now[name]}"
            )
            for name, label in LIMITS.items()
        ]
        self.app.push_screen(
            FormDialog(f"{limit.model} in {parts.project.name}", fields, check=check), filled
        )
