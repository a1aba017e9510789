"""The console's keys: open a project's keys, and the changes of projects (made, renamed,
archived) and members (invited, given another role, added to a project, removed; invites
withdrawn), each confirmed first — keys, accounts and limits are key_actions.py's — and the
audit log's: follow, more, export."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.binding import Binding

from tui.areas.admin.screens.key_actions import KeyActions
from tui.screens.confirm import Change, Edit
from tui.screens.dialogs import AskText, Choose
from tui.screens.form import FormDialog, FormField


class ConsoleActions(KeyActions):
    """Every change and the log's keys, mixed into the console screen."""

    ACTION_BINDINGS = [
        Binding("enter", "open", "Its keys", id="org.open", tooltip="This project's keys"),
        Binding("n", "new", "New", id="org.new", tooltip="A project, an invite, an account"),
        Binding("e", "edit", "Edit", id="org.edit", tooltip="Rename, another role, limits"),
        Binding("x", "delete", "Delete", id="org.delete", tooltip="Delete, remove or archive"),
        Binding("a", "add_to_project", "Add to project", id="org.add", tooltip="Add to one"),
        Binding("k", "new_key", "New key", id="org.newkey", tooltip="A service account's"),
        Binding("f", "follow", "Follow", id="org.follow", tooltip="Show new entries live"),
        Binding("m", "more", "More", id="org.more", tooltip="The next older page"),
        Binding("ctrl+e", "export", "Export", id="org.export", tooltip="JSONL and CSV"),
    ]

    # --- open, new, edit, delete ---------------------------------------------------------

    def action_open(self) -> None:
        """A project's keys (the keys list, filtered to it)."""
        kind, project_id, _ = self._current()
        if self.section != "projects" or kind != "p":
            return
        self.needles["keys"] = project_id  # type: ignore[attr-defined]
        self.action_section("keys")  # type: ignore[attr-defined]

    def action_new(self) -> None:
        """A project, an invite or a service account, by the list."""
        if self.section == "projects":
            self._new_project()
        elif self.section == "members":
            self._invite()
        elif self.section == "keys":
            self._new_account()

    def action_edit(self) -> None:
        """Rename a project, another role for a user, a rate limit's limits."""
        kind, first, second = self._current()
        if kind == "p":
            self._rename(first)
        elif kind == "u":
            self._role(first)
        elif kind == "r":
            self._limits(first, second)
        else:
            self._say("Nothing to edit on this row: pick a project, a user or a rate limit.")

    def action_delete(self) -> None:
        """Archive a project, remove a user, withdraw an invite, delete a key or account."""
        kind, first, second = self._current()
        handlers: dict[str, Callable[[str, str], None]] = {
            "p": lambda a, _: self._archive(a),
            "u": lambda a, _: self._remove_user(a),
            "i": lambda a, _: self._delete_invite(a),
            "k": self._delete_key,
            "s": self._delete_account,
        }
        handler = handlers.get(kind)
        if handler is None:
            self._say("Nothing to delete on this row.")
            return
        handler(first, second)

    # --- projects -------------------------------------------------------------------------

    def _new_project(self) -> None:
        def named(name: str | None) -> None:
            if not name:
                return
            edit = Edit("Create a project", name, (Change("project", "–", name),))
            self._ask(edit, lambda: self.admin.create_project(name), f"Project {name} created.")

        self.app.push_screen(AskText("A new project's name", placeholder="Docs 2027"), named)

    def _rename(self, project_id: str) -> None:
        parts = self._project_parts(project_id)
        if parts is None:
            return
        if parts.archived:
            self._say("An archived project cannot be renamed.", warn=True)
            return
        project = parts.project

        def named(name: str | None) -> None:
            if not name or name == project.name:
                return
            edit = Edit("Rename the project", project.name, (Change("name", project.name, name),))
            self._ask(edit, lambda: self.admin.rename_project(project, name), f"Renamed to {name}.")

        self.app.push_screen(AskText("The project's new name", value=project.name), named)

    def _archive(self, project_id: str) -> None:
        parts = self._project_parts(project_id)
        if parts is None or parts.archived:
            self._say("That project is archived already.")
            return
        project = parts.project
        edit = Edit(
            "Archive the project",
            project.name,
            (Change("status", "active", "archived"),),
            consequence=f"Its {len(parts.keys)} keys stop working and it cannot be used; the "
            "API has no way to bring it back.",
            destructive=True,
        )
        self._ask(edit, lambda: self.admin.archive_project(project), f"{project.name} archived.")

    # --- members --------------------------------------------------------------------------

    def _invite(self) -> None:
        view = self.view
        if view is None:
            return
        active = [p.project.id for p in view.projects if not p.archived]

        def check(values: dict[str, str]) -> str | None:
            if "@" not in values["email"]:
                return "The email address, please (name@example.com)."
            if values["role"] not in ("owner", "reader"):
                return "The role in the organisation: owner or reader."
            if values["project"] and values["project"] not in active:
                return f"The project: one of {', '.join(active)} (or blank)."
            if values["project"] and values["project_role"] not in ("member", "owner"):
                return "The role in the project: member or owner."
            return None

        def filled(values: dict[str, str] | None) -> None:
            if values is None:
                return
            email, role, project = values["email"], values["role"], values["project"]
            places = [(project, values["project_role"])] if project else []
            changes = [Change("invite", "–", f"{email} as {role}")]
            if project:
                changes.append(Change("project", "–", f"{project} ({values['project_role']})"))
            edit = Edit(
                "Invite",
                email,
                tuple(changes),
                consequence="They get an email; the invite expires in 7 days.",
            )
            self._ask(edit, lambda: self.admin.invite(email, role, places), f"{email} invited.")

        fields = [
            FormField("email", "Email", placeholder="name@example.com"),
            FormField("role", "Role (owner, reader)", "reader"),
            FormField("project", "Project (optional)", active[0] if active else ""),
            FormField("project_role", "In the project", "member"),
        ]
        self.app.push_screen(FormDialog("Invite someone", fields, check=check), filled)

    def _user(self, user_id: str) -> Any:
        view = self.view
        return next((u for u in view.users if u.id == user_id), None) if view else None

    def _role(self, user_id: str) -> None:
        user = self._user(user_id)
        if user is None:
            return
        after = "reader" if user.role == "owner" else "owner"
        edit = Edit("Change the role", user.email, (Change("role", user.role, after),))
        self._ask(
            edit, lambda: self.admin.set_user_role(user, after), f"{user.email} is {after} now."
        )

    def _remove_user(self, user_id: str) -> None:
        user = self._user(user_id)
        if user is None:
            return
        edit = Edit(
            "Remove from the organisation",
            user.email,
            (Change("member", user.role, "removed"),),
            consequence="They lose every project and their keys stop working.",
            destructive=True,
        )
        self._ask(edit, lambda: self.admin.remove_user(user), f"{user.email} removed.")

    def _delete_invite(self, invite_id: str) -> None:
        view = self.view
        invite = next((i for i in view.invites if i.id == invite_id), None) if view else None
        if invite is None:
            return
        edit = Edit(
            "Withdraw the invite", invite.email, (Change("invite", invite.status, "deleted"),)
        )
        self._ask(edit, lambda: self.admin.delete_invite(invite), "Invite withdrawn.")

    def action_add_to_project(self) -> None:
        """Add the user under the cursor to a project."""
        kind, user_id, _ = self._current()
        user = self._user(user_id) if kind == "u" else None
        view = self.view
        if user is None or view is None:
            self._say("Pick a user first (the Users part of this list).")
            return
        choices = [
            p for p in view.projects if not p.archived and all(m.id != user.id for m in p.members)
        ]
        if not choices:
            self._say(f"{user.email} is in every active project already.")
            return

        def picked(index: int | None) -> None:
            if index is None:
                return
            project = choices[index].project

            def roled(which: int | None) -> None:
                if which is None:
                    return
                role = ("member", "owner")[which]
                edit = Edit("Add to the project", user.email, (Change(project.name, "–", role),))
                self._ask(
                    edit,
                    lambda: self.admin.add_member(project, user, role),
                    f"{user.email} added to {project.name}.",
                )

            self.app.push_screen(Choose("Their role in it", ["member", "owner"]), roled)

        self.app.push_screen(
            Choose(f"Add {user.email} to", [p.project.name for p in choices]), picked
        )

    # --- the audit log --------------------------------------------------------------------

    def action_follow(self) -> None:
        """Follow the log: new entries appear as the server records them."""
        self.following = not self.following
        if self.following:
            self.admin.follow_log(self.audit_query, self.entries)
            self._say("Following the audit log: new entries appear at the top.")
        else:
            self.admin.stop_following()
            self._say("No longer following the audit log.")
        self._show_status()  # type: ignore[attr-defined]

    def action_more(self) -> None:
        """The next older page of the log."""
        self.read_audit(more=True)  # type: ignore[attr-defined]

    def action_export(self) -> None:
        """Write the entries shown as JSONL and CSV into the data folder's exports."""
        from tui.areas.admin.core.audit import to_csv, to_jsonl
        from tui.core.safe_files import write_inside

        if not self.entries:
            self._say("No entries to export yet.")
            return
        folder = Path(self.admin.settings.store_dir) / "exports"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            jsonl = write_inside(folder, f"audit-log-{stamp}.jsonl", to_jsonl(self.entries))
            table = write_inside(folder, f"audit-log-{stamp}.csv", to_csv(self.entries))
        except OSError as error:
            self._say(
                f"Could not write the export ({error.strerror or error}): check that "
                f"{folder} can be written.",
                warn=True,
            )
            return
        self._say(f"{len(self.entries)} entries written: {jsonl} and {table.name}.")
