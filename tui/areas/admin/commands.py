"""`loom admin`: the organisation console, or for scripts what it shows — `projects`,
`users`, `invites`, `keys`, `rate-limits`, `audit-log` — a line each, or `--json` (the API's
objects). `audit-log --follow` goes on printing new entries as they happen (the shared
watcher polls for them) until interrupted. Reading only: changes are the console's, where
each is shown before → after and confirmed."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from tui.cli.common import BAD_USE, FAILED, Options, err, out, settings

if TYPE_CHECKING:
    from pydantic import BaseModel

    from tui.areas.admin.api.schemas import AuditLog
    from tui.areas.admin.core.service import AdminService, OrgView

FAMILY = "admin"
LISTS = ("projects", "users", "invites", "keys", "rate-limits", "audit-log")


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser], options: Options) -> None:
    """The family's commands."""
    admin = commands.add_parser(
        "admin",
        help="the organisation console; or projects, users, invites, keys, rate-limits, "
        "audit-log for scripts",
        description="`loom admin` opens the organisation console (an admin key: "
        "OPENAI_ADMIN_KEY or the profile's admin_key_env). `loom admin projects|users|"
        "invites|keys|rate-limits|audit-log` prints that list, a line each (--json: the "
        "API's objects, one per line); `--project ID` keeps keys and rate limits to one "
        "project; `audit-log --filter 'type:api_key.deleted actor:ana@… since:7d'` asks the "
        "server for only those entries, and `--follow` prints new ones as they happen until "
        "Ctrl+C. Exit status 0, 1 when the server or the key failed, 2 for a bad argument.",
    )
    admin.add_argument("list", nargs="?", choices=LISTS, metavar="|".join(LISTS))
    admin.add_argument("--json", action="store_true", help="the API's objects, one per line")
    admin.add_argument("--project", metavar="ID", help="keys, rate-limits: one project only")
    admin.add_argument("--filter", default="", metavar="WORDS", help="audit-log: what to show")
    admin.add_argument("--limit", type=int, default=100, help="audit-log: entries (100)")
    admin.add_argument("--follow", action="store_true", help="audit-log: go on with new ones")
    options(admin)
    admin.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """`loom admin [LIST]`."""
    if args.list is None:
        if args.json or args.follow:
            err("loom admin: --json and --follow go with a list (loom admin audit-log --follow)")
            return BAD_USE
        from tui.cli.workbench import run_app

        return run_app(args, mode="admin")
    if args.follow and args.list != "audit-log":
        err("loom admin: --follow goes with audit-log")
        return BAD_USE
    if not 1 <= args.limit <= 10_000:
        err("loom admin: --limit is 1 to 10,000")
        return BAD_USE
    import asyncio

    try:
        return asyncio.run(_print(args))
    except KeyboardInterrupt:
        return 0


async def _print(args: argparse.Namespace) -> int:
    from tui.api.errors import APIError
    from tui.areas.admin.core.audit import AuditQuery, FilterProblem
    from tui.areas.admin.core.service import NoAdminKey
    from tui.core.services import Services

    try:
        query = AuditQuery.parse(args.filter)
    except FilterProblem as problem:
        err(f"loom admin: --filter {problem}")
        return BAD_USE
    services = Services(settings(args), join_demo=True)
    service: AdminService = services.area("admin")
    try:
        if args.list == "audit-log":
            return await _audit(args, service, query)
        view = await service.read()
        if args.list in ("projects", "users", "keys", "rate-limits"):
            if args.project and view.project(args.project) is None:
                err(f"loom admin: no project {args.project} in this organisation")
                return FAILED
            await service.read_parts(view)
        _lines(args, view)
        problems = [p.problem for p in view.projects if p.problem]
        for said in problems:
            err(f"loom admin: {said}")
        return FAILED if problems else 0
    except NoAdminKey as need:
        err(f"loom admin: {need}")
        return FAILED
    except APIError as error:
        err(f"loom admin: {service.said(error, 'reading the organisation')}")
        return FAILED
    finally:
        await services.aclose()


def _dump(items: Iterable[BaseModel], **extra: Any) -> None:
    for item in items:
        out(json.dumps({**item.model_dump(mode="json"), **extra}, ensure_ascii=False) + "\n")


def _table(rows: Sequence[Sequence[str]]) -> None:
    """Columns padded to their widest cell; the last one as it is."""
    if not rows:
        return
    widths = [max(len(row[n]) for row in rows) for n in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        out("  ".join([*cells, row[-1]]).rstrip() + "\n")


def _lines(args: argparse.Namespace, view: OrgView) -> None:
    from tui.areas.admin.core.words import SHORT_LIMITS, ago, is_stale, number

    projects = [p for p in view.projects if not args.project or p.project.id == args.project]
    if args.list == "projects":
        if args.json:
            _dump(p.project for p in projects)
            return
        _table(
            [("ID", "NAME", "STATUS", "MEMBERS", "KEYS", "ACCOUNTS")]
            + [
                (
                    p.project.id,
                    p.project.name,
                    p.project.status,
                    str(len(p.members)),
                    str(len(p.keys)),
                    str(len(p.accounts)),
                )
                for p in projects
            ]
        )
    elif args.list == "users":
        if args.json:
            _dump(view.users)
            return
        _table(
            [("ID", "EMAIL", "ROLE", "PROJECTS")]
            + [
                (
                    u.id,
                    u.email,
                    u.role,
                    ", ".join(f"{name} ({role})" for name, role in view.memberships(u.id)),
                )
                for u in view.users
            ]
        )
    elif args.list == "invites":
        if args.json:
            _dump(view.invites)
            return
        _table(
            [("ID", "EMAIL", "ROLE", "STATUS", "EXPIRES")]
            + [(i.id, i.email, i.role, i.status, _when(i.expires_at)) for i in view.invites]
        )
    elif args.list == "keys":
        if args.json:
            for p in projects:
                _dump(p.keys, project_id=p.project.id)
            return
        _table(
            [("PROJECT", "ID", "NAME", "OWNER", "VALUE", "CREATED", "LAST USED")]
            + [
                (
                    p.project.id,
                    k.id,
                    k.name,
                    k.owner.name,
                    k.redacted_value,
                    _when(k.created_at),
                    ago(k.last_used_at) + (" (stale)" if is_stale(k) else ""),
                )
                for p in projects
                for k in p.keys
            ]
        )
    else:
        if args.json:
            for p in projects:
                _dump(p.limits, project_id=p.project.id)
            return
        _table(
            [("PROJECT", "MODEL", *(label.upper() for label in SHORT_LIMITS.values()))]
            + [
                (p.project.id, r.model, *(number(getattr(r, k)) for k in SHORT_LIMITS))
                for p in projects
                for r in p.limits
            ]
        )


def _when(moment: int | None) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M") if moment else "–"


def _entries(args: argparse.Namespace, entries: Iterable[AuditLog]) -> None:
    from tui.areas.admin.core.words import actor_of, entry_words, project_of

    for entry in entries:
        if args.json:
            out(json.dumps(entry.model_dump(mode="json"), ensure_ascii=False) + "\n")
        else:
            where = project_of(entry)
            out(
                f"{_when(entry.effective_at)}  {entry.type}  {actor_of(entry)}  "
                f"{entry_words(entry)}{f'  [{where}]' if where else ''}\n"
            )
    sys.stdout.flush()


async def _audit(args: argparse.Namespace, service: AdminService, query: Any) -> int:
    from tui.core.watcher import Watch

    shown: list[AuditLog] = []
    after = None
    while len(shown) < args.limit:
        page = await service.audit_page(query, after=after)
        shown += [e for e in page.data if query.shows(e)]
        if not page.has_more or not page.data:
            break
        after = page.data[-1].id
    shown = shown[: args.limit]
    _entries(args, reversed(shown))  # oldest first, as a log reads; new ones follow below
    if not args.follow:
        return 0
    from tui.areas.admin.core.audit import AuditFollower

    follower = AuditFollower(service.resource, query, publish=lambda new: _entries(args, new))
    follower.start_from(shown)
    watcher = service.context.watcher
    outcome = await watcher.run(Watch(follower, focused=True))
    err(f"loom admin audit-log: {follower.state.stopped or 'it cannot be followed'}")
    return int(outcome)
