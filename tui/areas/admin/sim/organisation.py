"""The simulator's organisation: `/v1/organization/projects` (list with archived ones,
create, retrieve, modify, archive), `/users` (list, retrieve, modify the role, delete),
`/invites` (list, create, retrieve, delete) and `/audit_logs` (newest first, every filter
the spec has, paged with `after` and `before`); each project's members, service accounts,
keys and rate limits are sim/projects.py's.

Every change made through these routes is recorded in the audit log with the spec's event
type (`project.created`, `project.updated`, `project.archived`, `user.updated`,
`user.deleted`, `invite.sent`, `invite.deleted`, …) and the admin key that made it as the
actor, so a console following the log sees its own edits arrive. Only an admin key
(`sk-admin-…`) gets in; a project key gets the API's 403."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.areas.admin.sim.access import Door, body_of, deleted, paged
from tui.areas.admin.sim.projects import project_routes
from tui.areas.admin.sim.state import DAY, INVITE_DAYS, PROJECT_ROLES, ROLES
from tui.sim.gate import Gate
from tui.sim.state import InvalidRequest, SimState, error_response, listed


def admin_routes(sim: SimState, gate: Gate) -> list[Route]:
    """The organisation's projects, users, invites and audit log."""

    door = Door(sim, gate)
    opened, one = door.opened, door.one

    # --- projects ---------------------------------------------------------------------------

    async def projects(request: Request) -> Response:
        headers, early = opened(request)
        if early is not None:
            return early
        state = door.org
        if request.method == "POST":
            try:
                body = await body_of(request)
                name = body.get("name")
                if not isinstance(name, str) or not name.strip():
                    raise InvalidRequest("Missing required parameter: 'name'.", "name")
            except InvalidRequest as exc:
                return error_response(400, exc.message, param=exc.param, headers=headers)
            with state.lock:
                project = state.add_project(name.strip(), int(time.time()))
                state.record("project.created", project["id"], details={"data": {"name": name}})
            return JSONResponse(project, headers=headers)
        archived = request.query_params.get("include_archived", "false").lower() == "true"
        shown = [p for p in state.projects.values() if archived or p["status"] != "archived"]
        return paged(request, shown, headers)

    async def project(request: Request) -> Response:
        state = door.org
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
                        details={"changes_requested": {"title": name.strip()}},
                    )
        return JSONResponse(found, headers=headers)

    async def archive(request: Request) -> Response:
        state = door.org
        opening = one(request, "project", state.projects, "project_id")
        if isinstance(opening, Response):
            return opening
        headers, found = opening
        project_id = found["id"]
        if found["status"] != "archived":
            with state.lock:
                found["status"], found["archived_at"] = "archived", int(time.time())
                state.record("project.archived", project_id)
        return JSONResponse(found, headers=headers)

    # --- users ------------------------------------------------------------------------------

    async def users(request: Request) -> Response:
        headers, early = opened(request)
        if early is not None:
            return early
        emails = listed(request.query_params, "emails")
        shown = [u for u in door.org.users.values() if not emails or u["email"] in emails]
        return paged(request, shown, headers)

    async def user(request: Request) -> Response:
        state = door.org
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
                for members in state.members.values():
                    members.pop(user_id, None)
                state.record("user.deleted", user_id)
            return deleted("organization.user.deleted", user_id, headers)
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
                        details={"changes_requested": {"role": role}},
                    )
        return JSONResponse(found, headers=headers)

    # --- invites ----------------------------------------------------------------------------

    async def invites(request: Request) -> Response:
        headers, early = opened(request)
        if early is not None:
            return early
        state = door.org
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
                    and p.get("role") in PROJECT_ROLES
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
                    details={"data": {"email": email, "role": role}},
                )
            return JSONResponse(invite, headers=headers)
        return paged(request, list(state.invites.values()), headers)

    async def invite(request: Request) -> Response:
        state = door.org
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
                state.record("invite.deleted", invite_id)
            return deleted("organization.invite.deleted", invite_id, headers)
        return JSONResponse(found, headers=headers)

    # --- the audit log -----------------------------------------------------------------------

    async def audit_logs(request: Request) -> Response:
        headers, early = opened(request, "api.audit_logs")
        if early is not None:
            return early
        query = request.query_params
        entries = list(reversed(door.org.log))  # newest first
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
        return paged(request, entries, headers)

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
        *project_routes(door),
    ]
