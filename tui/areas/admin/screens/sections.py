"""The console's five lists as rows and details: projects, members (users and pending
invites), keys (every project's API keys and service accounts, stale ones marked), rate
limits (per project and model) and the audit log. Each row's key names what it is
(`p:proj`, `u:user`, `i:invite`, `k:proj:key`, `s:proj:account`, `r:proj:limit`,
`a:entry`); each row has a lower-case text a filter keystroke scans."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from tui.areas.admin.core.words import (
    LIMITS,
    SHORT_LIMITS,
    actor_of,
    ago,
    entry_words,
    is_stale,
    number,
    project_of,
)
from tui.core.text import moment, safe
from tui.widgets.plain import Facts, plain
from tui.widgets.row_table import Column, Row

if TYPE_CHECKING:
    from tui.areas.admin.api.schemas import ApiKey, AuditLog, Invite, User
    from tui.areas.admin.core.service import OrgView, ProjectParts

SECTIONS = ("projects", "members", "keys", "limits", "audit")
TITLES = {
    "projects": "Projects",
    "members": "Members",
    "keys": "Keys",
    "limits": "Rate limits",
    "audit": "Audit log",
}


@dataclass(slots=True)
class Listed:
    """A row, and the text a filter looks in."""

    row: Row
    text: str


WIDE = 110
"""From this many columns the audit log shows each entry's event type in a column."""


def columns(section: str, width: int = 80) -> list[Column]:
    """The columns of a section's table (fixed widths where a list may be long)."""
    if section == "projects":
        return [
            Column("name", "Project", most=28),
            Column("status", "Status", width=9),
            Column("created", "Created", width=10),
            Column("members", "Members", width=7, right=True),
            Column("keys", "Keys", width=5, right=True),
            Column("accounts", "Svc acct", width=8, right=True),
        ]
    if section == "members":
        return [
            Column("who", "Email", most=28),
            Column("role", "Role", width=8),
            Column("state", "Since / expires", width=16),
            Column("projects", "Projects", most=30),
        ]
    if section == "keys":
        return [
            Column("name", "Key", most=16),
            Column("owner", "Owner", most=20),
            Column("value", "Value", width=13),
            Column("created", "Created", width=10),
            Column("used", "Last used", width=14),
        ]
    if section == "limits":
        return [
            Column("model", "Model", most=22),
            Column("rpm", "Req/min", width=8, right=True),
            Column("tpm", "Tok/min", width=10, right=True),
            Column("other", "Other limits", most=40),
        ]
    return [
        Column("when", "When", width=11),
        *([Column("type", "Event", width=23)] if width >= WIDE else []),
        Column("actor", "Actor", most=20),
        Column("what", "What", most=80),
    ]


def _group(title: str) -> Listed:
    return Listed(Row.group(plain(title, style="bold")), "")


# --- projects -------------------------------------------------------------------------------


def project_rows(view: OrgView) -> list[Listed]:
    return [_project_row(parts) for parts in view.projects]


def _project_row(parts: ProjectParts) -> Listed:
    project = parts.project
    known = parts.loaded
    cells = (
        plain(project.name or project.id),
        plain(project.status, style="dim" if parts.archived else ""),
        Text(moment(project.created_at, "%Y-%m-%d")),
        Text(str(len(parts.members)) if known else "…"),
        Text(str(len(parts.keys)) if known else "…"),
        Text(str(len(parts.accounts)) if known else "…"),
    )
    text = f"{project.name} {project.id} {project.status}".lower()
    return Listed(Row(f"p:{project.id}", cells), text)


def project_detail(parts: ProjectParts, now: float) -> Text:
    project = parts.project
    facts = Facts(14)
    facts.row("Project", f"{project.name}  ({project.id})")
    facts.row(
        "Status",
        project.status + (f" since {moment(project.archived_at)}" if project.archived_at else ""),
    )
    facts.row("Created", moment(project.created_at))
    if parts.problem:
        facts.row("Problem", parts.problem, style="bold")
    if not parts.loaded:
        facts.row("Parts", "reading its members, keys and limits…")
        return facts.text
    facts.row("Members", ", ".join(f"{m.email or m.id} ({m.role})" for m in parts.members) or "–")
    facts.row("Svc accounts", ", ".join(f"{a.name} ({a.role})" for a in parts.accounts) or "–")
    stale = sum(1 for k in parts.keys if is_stale(k, now))
    facts.row("Keys", f"{len(parts.keys)}" + (f", {stale} stale" if stale else ""))
    facts.row("Rate limits", f"{len(parts.limits)} models (4 shows them)")
    return facts.text


# --- members --------------------------------------------------------------------------------


def member_rows(view: OrgView, now: float) -> list[Listed]:
    rows = [_group(f"Users ({len(view.users)})")]
    for user in view.users:
        rows.append(_user_row(view, user))
    pending = [i for i in view.invites if i.status == "pending"]
    rows.append(_group(f"Invites ({len(pending)} pending)"))
    rows += [_invite_row(invite, now) for invite in view.invites]
    return rows


def _user_row(view: OrgView, user: User) -> Listed:
    where = ", ".join(f"{name} ({role})" for name, role in view.memberships(user.id))
    cells = (
        plain(user.email or user.id),
        plain(user.role, style="bold" if user.role == "owner" else ""),
        Text(moment(user.added_at, "%Y-%m-%d")),
        plain(where or "–"),
    )
    return Listed(
        Row(f"u:{user.id}", cells), f"{user.email} {user.name} {user.role} {where}".lower()
    )


def _invite_row(invite: Invite, now: float) -> Listed:
    left = (invite.expires_at or 0) - now
    if invite.status != "pending":
        state = invite.status
    elif left <= 0:
        state = "expired"
    else:
        state = f"expires in {int(left // 86_400)}d" if left >= 86_400 else "expires today"
    cells = (
        plain(invite.email),
        plain(invite.role),
        plain(state),
        plain(", ".join(f"{p.id} ({p.role})" for p in invite.projects) or "–"),
    )
    return Listed(Row(f"i:{invite.id}", cells), f"{invite.email} {invite.role} invite".lower())


def user_detail(view: OrgView, user: User) -> Text:
    facts = Facts(10)
    facts.row("User", f"{user.name}  <{user.email}>")
    facts.row("Id", user.id)
    facts.row("Role", user.role)
    facts.row("Added", moment(user.added_at))
    for name, role in view.memberships(user.id):
        facts.row("Project", f"{name} ({role})")
    return facts.text


def invite_detail(invite: Invite) -> Text:
    facts = Facts(10)
    facts.row("Invite", invite.email)
    facts.row("Id", invite.id)
    facts.row("Role", invite.role)
    facts.row("Status", invite.status)
    facts.row("Sent", moment(invite.created_at))
    facts.row("Expires", moment(invite.expires_at))
    for project in invite.projects:
        facts.row("Project", f"{project.id} ({project.role})")
    return facts.text


# --- keys -----------------------------------------------------------------------------------


def key_rows(view: OrgView, now: float) -> list[Listed]:
    rows: list[Listed] = []
    for parts in view.projects:
        if not parts.loaded:
            continue
        rows.append(_group(f"{safe(parts.project.name)} · {parts.project.id}"))
        for key in parts.keys:
            rows.append(_key_row(parts, key, now))
        for account in parts.accounts:
            cells = (
                plain(f"⚙ {account.name}"),
                plain(f"svc account · {account.role}"),
                Text(""),
                Text(moment(account.created_at, "%Y-%m-%d")),
                Text(""),
            )
            text = f"{account.name} service account {parts.project.name} {parts.project.id}"
            rows.append(Listed(Row(f"s:{parts.project.id}:{account.id}", cells), text.lower()))
    return rows


def _key_row(parts: ProjectParts, key: ApiKey, now: float) -> Listed:
    stale = is_stale(key, now)
    used = ago(key.last_used_at, now)
    cells = (
        plain(key.name or key.id),
        plain(key.owner.name),
        plain(key.redacted_value, style="dim"),
        Text(moment(key.created_at, "%Y-%m-%d")),
        Text(f"⚠ {used}" if stale else used, style="bold yellow" if stale else ""),
    )
    text = f"{key.name} {key.owner.name} {parts.project.name} {parts.project.id}"
    text += " stale" if stale else ""
    return Listed(Row(f"k:{parts.project.id}:{key.id}", cells), text.lower())


def key_detail(parts: ProjectParts, key: ApiKey, now: float) -> Text:
    facts = Facts(11)
    facts.row("Key", f"{key.name}  ({key.id})")
    facts.row("Project", f"{parts.project.name} ({parts.project.id})")
    facts.row("Value", f"{key.redacted_value}  (only the redacted value exists)")
    owner = key.owner
    facts.row("Owner", f"{owner.name} ({owner.type.replace('_', ' ')})")
    facts.row("Created", moment(key.created_at))
    used = ago(key.last_used_at, now)
    if is_stale(key, now):
        used += "  — stale: unused for 90 days or more; x deletes it"
    facts.row("Last used", used)
    facts.row("Access", f"owner {key.owner_project_access}")
    if owner.type == "service_account":
        facts.row("Note", "a service account's key goes with its account (x on the account)")
    return facts.text


# --- rate limits ----------------------------------------------------------------------------


def limit_rows(view: OrgView) -> list[Listed]:
    rows: list[Listed] = []
    for parts in view.projects:
        if not parts.loaded or not parts.limits:
            continue
        rows.append(_group(f"{safe(parts.project.name)} · {parts.project.id}"))
        for limit in parts.limits:
            other = "  ".join(
                f"{number(getattr(limit, name))} {SHORT_LIMITS[name]}"
                for name in LIMITS
                if name not in ("max_requests_per_1_minute", "max_tokens_per_1_minute")
                and getattr(limit, name) is not None
            )
            cells = (
                plain(limit.model),
                Text(number(limit.max_requests_per_1_minute)),
                Text(number(limit.max_tokens_per_1_minute)),
                plain(other or "–"),
            )
            text = f"{limit.model} {parts.project.name} {parts.project.id}".lower()
            rows.append(Listed(Row(f"r:{parts.project.id}:{limit.id}", cells), text))
    return rows


def limit_detail(parts: ProjectParts, limit_id: str) -> Text:
    limit = next((r for r in parts.limits if r.id == limit_id), None)
    facts = Facts(26)
    if limit is None:
        return facts.text
    facts.row("Model", f"{limit.model} in {parts.project.name}")
    for name, label in LIMITS.items():
        facts.row(label[0].upper() + label[1:], number(getattr(limit, name)))
    return facts.text


# --- the audit log --------------------------------------------------------------------------


def audit_row(entry: AuditLog, names: Mapping[str, str], *, wide: bool = False) -> Listed:
    where = project_of(entry)
    what = entry_words(entry, names) + (f" · {where}" if where else "")
    cells = (
        Text(moment(entry.effective_at, "%m-%d %H:%M")),
        *((plain(entry.type),) if wide else ()),
        plain(actor_of(entry)),
        plain(what),
    )
    return Listed(Row(f"a:{entry.id}", cells), "")


def audit_detail(entry: AuditLog, names: Mapping[str, str]) -> Text:
    facts = Facts(9)
    facts.row("When", moment(entry.effective_at, "%Y-%m-%d %H:%M:%S"))
    facts.row("Event", entry.type)
    facts.row("Actor", actor_of(entry))
    facts.row("Project", project_of(entry) or "–")
    facts.row("What", entry_words(entry, names))
    details = entry.details()
    if details:
        facts.row("Details", json.dumps(details, ensure_ascii=False))
    facts.row("Id", entry.id)
    return facts.text


def filtered(rows: Iterable[Listed], needle: str) -> list[Row]:
    """The rows whose text holds every word of `needle` (group headings kept over rows
    they head)."""
    words = needle.lower().split()
    if not words:
        return [listed.row for listed in rows]
    shown: list[Row] = []
    heading: Row | None = None
    for listed in rows:
        if listed.row.heading:
            heading = listed.row
            continue
        if all(word in listed.text for word in words):
            if heading is not None:
                shown.append(heading)
                heading = None
            shown.append(listed.row)
    return shown


def detail_of(
    key: str,
    view: OrgView | None,
    entries: Sequence[AuditLog],
    names: Mapping[str, str],
    now: float,
) -> Text:
    """What the row `key` names, in full (empty when it is gone)."""
    kind, _, rest = key.partition(":")
    if kind == "a":
        entry = next((e for e in entries if e.id == rest), None)
        return audit_detail(entry, names) if entry is not None else Text("")
    if view is None:
        return Text("")
    if kind == "p":
        parts = view.project(rest)
        return project_detail(parts, now) if parts is not None else Text("")
    if kind == "u":
        user = next((u for u in view.users if u.id == rest), None)
        return user_detail(view, user) if user is not None else Text("")
    if kind == "i":
        invite = next((i for i in view.invites if i.id == rest), None)
        return invite_detail(invite) if invite is not None else Text("")
    project_id, _, item_id = rest.partition(":")
    parts = view.project(project_id)
    if parts is None:
        return Text("")
    if kind == "k":
        found = next((k for k in parts.keys if k.id == item_id), None)
        return key_detail(parts, found, now) if found is not None else Text("")
    if kind == "s":
        account = next((a for a in parts.accounts if a.id == item_id), None)
        if account is None:
            return Text("")
        facts = Facts(11)
        facts.row("Account", f"{account.name}  ({account.id})")
        facts.row("Project", f"{parts.project.name} ({parts.project.id})")
        facts.row("Role", account.role)
        facts.row("Created", moment(account.created_at))
        owned = [
            k
            for k in parts.keys
            if k.owner.service_account and k.owner.service_account.get("id") == account.id
        ]
        facts.row("Keys", ", ".join(f"{k.name} {k.redacted_value}" for k in owned) or "–")
        facts.row("Keys", "k gives it another (shown once); they go with it (x)")
        return facts.text
    return limit_detail(parts, item_id)
