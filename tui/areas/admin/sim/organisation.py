"""The simulator's organisation: `/v1/organization/projects` (list with archived ones,
create, retrieve, modify, archive), `/users` (list, retrieve, modify the role, delete),
`/invites` (list, create, retrieve, delete) and `/audit_logs` (newest first, every filter
the spec has, paged with `after` and `before`).

Every change made through these routes is recorded in the audit log with the spec's event
type (`project.created`, `project.updated`, `project.archived`, `user.updated`,
`user.deleted`, `invite.sent`, `invite.deleted`) and the admin key that made it as the
actor, so a console following the log sees its own edits arrive. Only an admin key
(`sk-admin-…`) gets in; a project key gets the API's 403."""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.sim.gate import Gate
from tui.sim.state import InvalidRequest, SimState, cursor_page, error_response, json_object, listed

DAY = 86_400
ROLES = ("owner", "reader")
INVITE_DAYS = 7


@dataclass
class Organisation:
    """Projects, users, invites and the audit log, by id (insertion order: oldest first)."""

    now: float = field(default_factory=time.time)
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    invites: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, sim: Any) -> Organisation:
        """A simulator's organisation, filled as `loom --demo` shows it."""
        made = cls()
        made.seed()
        return made

    def seed(self) -> None:
        start = int(self.now) - 200 * DAY
        for n, (name, email, role) in enumerate(
            [
                ("Ana Ruiz", "ana@weavers.example", "owner"),
                ("Ben Okafor", "ben@weavers.example", "owner"),
                ("Chen Li", "chen@weavers.example", "reader"),
                ("Dara Kim", "dara@weavers.example", "reader"),
            ]
        ):
            user_id = f"user-{name.split()[0].lower()}"
            self.users[user_id] = {
                "object": "organization.user",
                "id": user_id,
                "name": name,
                "email": email,
                "role": role,
                "added_at": start + n * 9 * DAY,
            }
        for n, (name, archived) in enumerate(
            [("Docs", False), ("Support", False), ("Research 2025", True)]
        ):
            project_id = f"proj_{name.split()[0].lower()}"
            created = start + n * 20 * DAY
            self.projects[project_id] = {
                "id": project_id,
                "object": "organization.project",
                "name": name,
                "created_at": created,
                "archived_at": created + 150 * DAY if archived else None,
                "status": "archived" if archived else "active",
            }
        self.invites["invite-eli"] = {
            "object": "organization.invite",
            "id": "invite-eli",
            "email": "eli@weavers.example",
            "role": "reader",
            "status": "pending",
            "created_at": int(self.now) - 2 * DAY,
            "expires_at": int(self.now) + 5 * DAY,
            "accepted_at": None,
            "projects": [{"id": "proj_docs", "role": "member"}],
        }
        for n, (kind, target) in enumerate(
            [
                ("project.created", "proj_docs"),
                ("project.created", "proj_support"),
                ("project.created", "proj_research"),
                ("project.archived", "proj_research"),
                ("invite.sent", "invite-eli"),
            ]
        ):
            self.record(kind, target, "ana@weavers.example", at=start + (n + 1) * 30 * DAY)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{secrets.token_hex(6)}{next(self._ids):04d}"

    def record(
        self,
        kind: str,
        target: str,
        actor: str,
        *,
        details: dict[str, Any] | None = None,
        at: float | None = None,
    ) -> dict[str, Any]:
        """One audit log entry, newest last in `log`."""
        entry: dict[str, Any] = {
            "id": f"audit_log-{next(self._ids):08d}",
            "type": kind,
            "effective_at": int(at if at is not None else time.time()),
            "actor": {
                "type": "api_key",
                "api_key": {
                    "id": "key_admin",
                    "type": "user",
                    "user": {"id": "user-ana", "email": actor},
                },
            },
            kind: {"id": target, **(details or {})},
        }
        project = self.projects.get(target)
        if project is not None:
            entry["project"] = {"id": project["id"], "name": project["name"]}
        self.log.append(entry)
        return entry


def _paged(request: Request, items: list[dict[str, Any]], headers: dict[str, str]) -> Response:
    """A page of `items` after the `after` cursor, at most `limit` (1-100, default 20)."""
    raw = request.query_params.get("limit", "20")
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        return error_response(
            400, "Invalid 'limit': an integer from 1 to 100.", param="limit", headers=headers
        )
    limit = int(raw)
    after = request.query_params.get("after")
    if after:
        ids = [item["id"] for item in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    return JSONResponse(cursor_page(items[:limit], len(items) > limit), headers=headers)


def admin_routes(sim: SimState, gate: Gate) -> list[Route]:
    """The organisation's projects, users, invites and audit log."""

    def org() -> Organisation:
        found: Organisation = sim.admin
        return found

    def opened(
        request: Request, scope: str = "api.management"
    ) -> tuple[dict[str, str], Response | None]:
        """The gate and the admin key: (headers, or the answer to give at once). The scope
        named in a 403 is `scope`'s read or write, by the method."""
        headers, _, early = gate.prelude(request, "admin")
        if early is not None:
            return headers, early
        wanted = f"{scope}.{'read' if request.method == 'GET' else 'write'}"
        return headers, gate.admin_only(request, headers, wanted)

    def one(
        request: Request, what: str, table: dict[str, dict[str, Any]], key: str
    ) -> tuple[dict[str, str], dict[str, Any]] | Response:
        """`opened`, then the item its path names: (headers, the item), or the answer to
        give at once (the gate's, or the API's 404)."""
        headers, early = opened(request)
        if early is not None:
            return early
        item_id = request.path_params[key]
        found = table.get(item_id)
        if found is None:
            return error_response(
                404, f"No {what} found with id '{item_id}'.", code="not_found", headers=headers
            )
        return headers, found

    def actor() -> str:
        return "ana@weavers.example"

    async def body_of(request: Request) -> dict[str, Any]:
        body = await json_object(request)
        if body is None:
            raise InvalidRequest("The body must be a JSON object.", None)
        return body

    # --- projects ---------------------------------------------------------------------------

    async def projects(request: Request) -> Response:
        headers, early = opened(request)
        if early is not None:
            return early
        state = org()
        if request.method == "POST":
            try:
                body = await body_of(request)
                name = body.get("name")
                if not isinstance(name, str) or not name.strip():
                    raise InvalidRequest("Missing required parameter: 'name'.", "name")
            except InvalidRequest as exc:
                return error_response(400, exc.message, param=exc.param, headers=headers)
            with state.lock:
                project_id = state.next_id("proj_")
                project = {
                    "id": project_id,
                    "object": "organization.project",
                    "name": name.strip(),
                    "created_at": int(time.time()),
                    "archived_at": None,
                    "status": "active",
                }
                state.projects[project_id] = project
                state.record(
                    "project.created", project_id, actor(), details={"data": {"name": name}}
                )
            return JSONResponse(project, headers=headers)
        archived = request.query_params.get("include_archived", "false").lower() == "true"
        shown = [p for p in state.projects.values() if archived or p["status"] != "archived"]
        return _paged(request, shown, headers)

    async def project(request: Request) -> Response:
        state = org()
        opening = one(request, "project", state.projects, "project_id")
        if isinstance(opening, Response):
            return opening
        headers, found = opening
        project_id = found["id"]
        if request.method == "POST":
            try:
                body = await body_of(request)
                name = body.get("name")
                if name is not None and (not isinstance(name, str) or not name.strip()):
                    raise InvalidRequest("Invalid 'name': a project needs a name.", "name")
            except InvalidRequest as exc:
                return error_response(400, exc.message, param=exc.param, headers=headers)
            if found["status"] == "archived":
                return error_response(
                    400, "An archived project cannot be modified.", headers=headers
                )
            if name:
                with state.lock:
                    found["name"] = name.strip()
                    state.record(
                        "project.updated",
                        project_id,
                        actor(),
                        details={"changes_requested": {"title": name.strip()}},
                    )
        return JSONResponse(found, headers=headers)

    async def archive(request: Request) -> Response:
        state = org()
        opening = one(request, "project", state.projects, "project_id")
        if isinstance(opening, Response):
            return opening
        headers, found = opening
        project_id = found["id"]
        if found["status"] != "archived":
            with state.lock:
                found["status"], found["archived_at"] = "archived", int(time.time())
                state.record("project.archived", project_id, actor())
        return JSONResponse(found, headers=headers)

    # --- users ------------------------------------------------------------------------------

    async def users(request: Request) -> Response:
        headers, early = opened(request)
        if early is not None:
            return early
        emails = listed(request.query_params, "emails")
        shown = [u for u in org().users.values() if not emails or u["email"] in emails]
        return _paged(request, shown, headers)

    async def user(request: Request) -> Response:
        state = org()
        opening = one(request, "user", state.users, "user_id")
        if isinstance(opening, Response):
            return opening
        headers, found = opening
        user_id = found["id"]
        if request.method == "DELETE":
            owners = [u for u in state.users.values() if u["role"] == "owner"]
            if found["role"] == "owner" and len(owners) == 1:
                return error_response(
                    400, "The last owner of an organization cannot be removed.", headers=headers
                )
            with state.lock:
                del state.users[user_id]
                state.record("user.deleted", user_id, actor())
            return JSONResponse(
                {"object": "organization.user.deleted", "id": user_id, "deleted": True},
                headers=headers,
            )
        if request.method == "POST":
            try:
                body = await body_of(request)
                role = body.get("role")
                if role not in ROLES:
                    raise InvalidRequest("Invalid 'role': owner or reader.", "role")
            except InvalidRequest as exc:
                return error_response(400, exc.message, param=exc.param, headers=headers)
            if role != found["role"]:
                with state.lock:
                    found["role"] = role
                    state.record(
                        "user.updated",
                        user_id,
                        actor(),
                        details={"changes_requested": {"role": role}},
                    )
        return JSONResponse(found, headers=headers)

    # --- invites ----------------------------------------------------------------------------

    async def invites(request: Request) -> Response:
        headers, early = opened(request)
        if early is not None:
            return early
        state = org()
        if request.method == "POST":
            try:
                body = await body_of(request)
                email = body.get("email")
                if not isinstance(email, str) or "@" not in email:
                    raise InvalidRequest("Invalid 'email': an email address.", "email")
                role = body.get("role")
                if role not in ROLES:
                    raise InvalidRequest("Invalid 'role': owner or reader.", "role")
                wanted = body.get("projects") or []
                if not isinstance(wanted, list) or not all(
                    isinstance(p, dict)
                    and isinstance(p.get("id"), str)
                    and p["id"] in state.projects
                    and p.get("role") in ("member", "owner")
                    for p in wanted
                ):
                    raise InvalidRequest(
                        "Invalid 'projects': each an existing project's id and a role "
                        "(member or owner).",
                        "projects",
                    )
            except InvalidRequest as exc:
                return error_response(400, exc.message, param=exc.param, headers=headers)
            if any(u["email"] == email for u in state.users.values()):
                return error_response(
                    409, f"{email} is already a member of this organization.", headers=headers
                )
            now = int(time.time())
            with state.lock:
                invite_id = state.next_id("invite-")
                invite = {
                    "object": "organization.invite",
                    "id": invite_id,
                    "email": email,
                    "role": role,
                    "status": "pending",
                    "created_at": now,
                    "expires_at": now + INVITE_DAYS * DAY,
                    "accepted_at": None,
                    "projects": [{"id": p["id"], "role": p["role"]} for p in wanted],
                }
                state.invites[invite_id] = invite
                state.record(
                    "invite.sent",
                    invite_id,
                    actor(),
                    details={"data": {"email": email, "role": role}},
                )
            return JSONResponse(invite, headers=headers)
        return _paged(request, list(state.invites.values()), headers)

    async def invite(request: Request) -> Response:
        state = org()
        opening = one(request, "invite", state.invites, "invite_id")
        if isinstance(opening, Response):
            return opening
        headers, found = opening
        invite_id = found["id"]
        if request.method == "DELETE":
            if found["status"] == "accepted":
                return error_response(400, "An accepted invite cannot be deleted.", headers=headers)
            with state.lock:
                del state.invites[invite_id]
                state.record("invite.deleted", invite_id, actor())
            return JSONResponse(
                {"object": "organization.invite.deleted", "id": invite_id, "deleted": True},
                headers=headers,
            )
        return JSONResponse(found, headers=headers)

    # --- the audit log -----------------------------------------------------------------------

    async def audit_logs(request: Request) -> Response:
        headers, early = opened(request, "api.audit_logs")
        if early is not None:
            return early
        query = request.query_params
        entries = list(reversed(org().log))  # newest first
        filters: dict[str, Callable[[dict[str, Any], list[str]], bool]] = {
            "project_ids": lambda e, v: e.get("project", {}).get("id") in v,
            "event_types": lambda e, v: e["type"] in v,
            "actor_ids": lambda e, v: e["actor"]["api_key"]["id"] in v,
            "actor_emails": lambda e, v: e["actor"]["api_key"]["user"]["email"] in v,
            "resource_ids": lambda e, v: e[e["type"]]["id"] in v,
        }
        for name, keep in filters.items():
            wanted = listed(query, name)
            if wanted:
                entries = [e for e in entries if keep(e, wanted)]
        bounds: dict[str, Callable[[int, int], bool]] = {
            "gt": lambda at, v: at > v,
            "gte": lambda at, v: at >= v,
            "lt": lambda at, v: at < v,
            "lte": lambda at, v: at <= v,
        }
        for bound, test in bounds.items():
            raw = query.get(f"effective_at[{bound}]")
            if raw is None:
                continue
            if not (raw[1:] if raw.startswith("-") else raw).isdigit():
                return error_response(
                    400, f"Invalid 'effective_at[{bound}]': a Unix time.", headers=headers
                )
            entries = [e for e in entries if test(e["effective_at"], int(raw))]
        before = query.get("before")
        if before:
            ids = [e["id"] for e in entries]
            entries = entries[: ids.index(before)] if before in ids else []
        return _paged(request, entries, headers)

    base = "/v1/organization"
    return [
        Route(f"{base}/projects", projects, methods=["GET", "POST"]),
        Route(f"{base}/projects/{{project_id}}", project, methods=["GET", "POST"]),
        Route(f"{base}/projects/{{project_id}}/archive", archive, methods=["POST"]),
        Route(f"{base}/users", users, methods=["GET"]),
        Route(f"{base}/users/{{user_id}}", user, methods=["GET", "POST", "DELETE"]),
        Route(f"{base}/invites", invites, methods=["GET", "POST"]),
        Route(f"{base}/invites/{{invite_id}}", invite, methods=["GET", "DELETE"]),
        Route(f"{base}/audit_logs", audit_logs, methods=["GET"]),
    ]
