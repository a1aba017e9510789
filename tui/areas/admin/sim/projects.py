"""The simulator's projects' parts, under `/v1/organization/projects/{project_id}`:
`/users` (list, add, retrieve, modify the role, remove), `/service_accounts` (list,
create — its key's value in that one answer —, retrieve, update, delete, and a new key for
one: rotation), `/api_keys` (list, retrieve, delete; redacted values only, last used times)
and `/rate_limits` (list, modify one model's limits).

Each change is recorded in the audit log scoped to its project: `user.added`,
`user.updated`, `user.deleted`, `service_account.created`, `service_account.updated`,
`service_account.deleted`, `api_key.created`, `api_key.deleted`, `rate_limit.updated` (with
the limits asked for). An archived project's parts can be read, not changed."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.areas.admin.sim.access import Door, body_of, deleted, not_found, paged
from tui.areas.admin.sim.state import LIMIT_FIELDS, PROJECT_ROLES
from tui.sim.state import InvalidRequest, error_response

ACCESS = ("active", "inactive", "any")


def project_routes(door: Door) -> list[Route]:
    """The routes of each project's members, service accounts, keys and rate limits."""

    def archived(project_id: str, headers: dict[str, str]) -> Response | None:
        if door.org.projects[project_id]["status"] == "archived":
            return error_response(
                400,
                "Project is archived: its members, keys and limits cannot change.",
                headers=headers,
            )
        return None

    def item(
        request: Request, tables: dict[str, dict[str, dict[str, Any]]], what: str, key: str
    ) -> tuple[dict[str, str], str, dict[str, dict[str, Any]], dict[str, Any]] | Response:
        """The project, then the item its path names in the project's part of `tables`."""
        opening = door.project_part(request, tables)
        if isinstance(opening, Response):
            return opening
        headers, project_id, part = opening
        found = part.get(request.path_params[key])
        if found is None:
            return not_found(request, what, key, headers)
        return headers, project_id, part, found

    # --- members ----------------------------------------------------------------------------

    async def members(request: Request) -> Response:
        state = door.org
        opening = door.project_part(request, state.members)
        if isinstance(opening, Response):
            return opening
        headers, project_id, part = opening
        if request.method == "GET":
            return paged(request, list(part.values()), headers)
        refused = archived(project_id, headers)
        if refused is not None:
            return refused
        try:
            body = await body_of(request)
            role = body.get("role")
            if role not in PROJECT_ROLES:
                raise InvalidRequest("Invalid 'role': owner or member.", "role")
            wanted, email = body.get("user_id"), body.get("email")
            user = state.users.get(wanted) if isinstance(wanted, str) else None
            if user is None and isinstance(email, str):
                user = next((u for u in state.users.values() if u["email"] == email), None)
            if user is None:
                raise InvalidRequest(
                    "Invalid 'user_id': a member of the organization (its id or email).",
                    "user_id",
                )
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        if user["id"] in part:
            return error_response(
                400, f"{user['email']} is already a member of this project.", headers=headers
            )
        with state.lock:
            member = state.add_member(project_id, user["id"], role, int(time.time()))
            state.record(
                "user.added", user["id"], details={"data": {"role": role}}, project=project_id
            )
        return JSONResponse(member, headers=headers)

    async def member(request: Request) -> Response:
        state = door.org
        opening = item(request, state.members, "user in this project", "user_id")
        if isinstance(opening, Response):
            return opening
        headers, project_id, part, found = opening
        if request.method == "GET":
            return JSONResponse(found, headers=headers)
        refused = archived(project_id, headers)
        if refused is not None:
            return refused
        user_id = found["id"]
        if request.method == "DELETE":
            owners = [m for m in part.values() if m["role"] == "owner"]
            if found["role"] == "owner" and len(owners) == 1:
                return error_response(
                    400, "The last owner of a project cannot be removed.", headers=headers
                )
            with state.lock:
                del part[user_id]
                for key in state.keys[project_id].values():
                    if key["owner"].get("user", {}).get("id") == user_id:
                        key["owner_project_access"] = "inactive"
                state.record("user.deleted", user_id, project=project_id)
            return deleted("organization.project.user.deleted", user_id, headers)
        try:
            role = (await body_of(request)).get("role")
            if role not in PROJECT_ROLES:
                raise InvalidRequest("Invalid 'role': owner or member.", "role")
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        if role != found["role"]:
            with state.lock:
                found["role"] = role
                state.record(
                    "user.updated",
                    user_id,
                    details={"changes_requested": {"role": role}},
                    project=project_id,
                )
        return JSONResponse(found, headers=headers)

    # --- service accounts -------------------------------------------------------------------

    def made_key(key: dict[str, Any], value: str) -> dict[str, Any]:
        """A new key as its one answer shows it: the value, this once."""
        return {
            "object": "organization.project.service_account.api_key",
            "value": value,
            "name": key["name"],
            "created_at": key["created_at"],
            "id": key["id"],
        }

    async def accounts(request: Request) -> Response:
        state = door.org
        opening = door.project_part(request, state.service_accounts)
        if isinstance(opening, Response):
            return opening
        headers, project_id, part = opening
        if request.method == "GET":
            return paged(request, list(part.values()), headers)
        refused = archived(project_id, headers)
        if refused is not None:
            return refused
        try:
            body = await body_of(request)
            name = body.get("name")
            if not isinstance(name, str) or not name.strip():
                raise InvalidRequest("Missing required parameter: 'name'.", "name")
            only = body.get("create_service_account_only")
            if only is not None and not isinstance(only, bool):
                raise InvalidRequest(
                    "Invalid 'create_service_account_only': a boolean.",
                    "create_service_account_only",
                )
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        with state.lock:
            account, key, value = state.add_service_account(
                project_id, name.strip(), int(time.time()), role="none" if only else "member"
            )
            state.record(
                "service_account.created",
                account["id"],
                details={"data": {"role": account["role"]}},
                project=project_id,
            )
        shown = dict(account)
        shown["api_key"] = made_key(key, value) if key is not None and value else None
        return JSONResponse(shown, headers=headers)

    async def account(request: Request) -> Response:
        state = door.org
        opening = item(request, state.service_accounts, "service account", "service_account_id")
        if isinstance(opening, Response):
            return opening
        headers, project_id, part, found = opening
        if request.method == "GET":
            return JSONResponse(found, headers=headers)
        refused = archived(project_id, headers)
        if refused is not None:
            return refused
        account_id = found["id"]
        if request.method == "DELETE":
            with state.lock:
                del part[account_id]
                keys = state.keys[project_id]
                for key_id in [
                    k
                    for k, key in keys.items()
                    if key["owner"].get("service_account", {}).get("id") == account_id
                ]:
                    del keys[key_id]
                state.record("service_account.deleted", account_id, project=project_id)
            return deleted("organization.project.service_account.deleted", account_id, headers)
        try:
            body = await body_of(request)
            name, role = body.get("name"), body.get("role")
            if name is not None and (not isinstance(name, str) or not name.strip()):
                raise InvalidRequest("Invalid 'name': a service account needs a name.", "name")
            if role is not None and role not in PROJECT_ROLES:
                raise InvalidRequest("Invalid 'role': member or owner.", "role")
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        changes = {k: v for k, v in (("name", name), ("role", role)) if v is not None}
        if changes:
            with state.lock:
                found.update(changes)
                state.record(
                    "service_account.updated",
                    account_id,
                    details={"changes_requested": changes},
                    project=project_id,
                )
        return JSONResponse(found, headers=headers)

    async def account_key(request: Request) -> Response:
        state = door.org
        opening = item(request, state.service_accounts, "service account", "service_account_id")
        if isinstance(opening, Response):
            return opening
        headers, project_id, _, found = opening
        refused = archived(project_id, headers)
        if refused is not None:
            return refused
        try:
            body = await body_of(request)
            name = body.get("name", found["name"])
            scopes = body.get("scopes", ["api.all"])
            if not isinstance(name, str) or not name.strip():
                raise InvalidRequest("Invalid 'name': a key needs a name.", "name")
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                raise InvalidRequest("Invalid 'scopes': a list of scopes.", "scopes")
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        with state.lock:
            key, value = state.add_key(project_id, name.strip(), int(time.time()), account=found)
            state.record(
                "api_key.created",
                key["id"],
                details={"data": {"scopes": scopes}},
                project=project_id,
            )
        return JSONResponse(made_key(key, value), headers=headers)

    # --- API keys ---------------------------------------------------------------------------

    async def keys(request: Request) -> Response:
        opening = door.project_part(request, door.org.keys)
        if isinstance(opening, Response):
            return opening
        headers, _, part = opening
        access = request.query_params.get("owner_project_access")
        if access is not None and access not in ACCESS:
            return error_response(
                400,
                "Invalid 'owner_project_access': active, inactive or any.",
                param="owner_project_access",
                headers=headers,
            )
        shown = [
            k
            for k in part.values()
            if access == "any" or k["owner_project_access"] == (access or "active")
        ]
        return paged(request, shown, headers)

    async def key(request: Request) -> Response:
        state = door.org
        opening = item(request, state.keys, "API key", "api_key_id")
        if isinstance(opening, Response):
            return opening
        headers, project_id, part, found = opening
        if request.method == "GET":
            return JSONResponse(found, headers=headers)
        if found["owner"]["type"] == "service_account":
            return error_response(
                400,
                "This key belongs to a service account: delete the service account instead.",
                headers=headers,
            )
        with state.lock:
            del part[found["id"]]
            state.record("api_key.deleted", found["id"], project=project_id)
        return deleted("organization.project.api_key.deleted", found["id"], headers)

    # --- rate limits ------------------------------------------------------------------------

    async def limits(request: Request) -> Response:
        opening = door.project_part(request, door.org.limits)
        if isinstance(opening, Response):
            return opening
        headers, _, part = opening
        return paged(request, list(part.values()), headers)

    async def limit(request: Request) -> Response:
        state = door.org
        opening = item(request, state.limits, "rate limit", "rate_limit_id")
        if isinstance(opening, Response):
            return opening
        headers, project_id, _, found = opening
        refused = archived(project_id, headers)
        if refused is not None:
            return refused
        try:
            body = await body_of(request)
            asked = {k: v for k, v in body.items() if k in LIMIT_FIELDS}
            for name, value in asked.items():
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise InvalidRequest(f"Invalid '{name}': a whole number, 0 or more.", name)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        if asked:
            with state.lock:
                found.update(asked)
                state.record(
                    "rate_limit.updated",
                    found["id"],
                    details={"changes_requested": asked},
                    project=project_id,
                )
        return JSONResponse(found, headers=headers)

    base = "/v1/organization/projects/{project_id}"
    accounts_path = f"{base}/service_accounts/{{service_account_id}}"
    return [
        Route(f"{base}/users", members, methods=["GET", "POST"]),
        Route(f"{base}/users/{{user_id}}", member, methods=["GET", "POST", "DELETE"]),
        Route(f"{base}/service_accounts", accounts, methods=["GET", "POST"]),
        Route(accounts_path, account, methods=["GET", "POST", "DELETE"]),
        Route(f"{accounts_path}/api_keys", account_key, methods=["POST"]),
        Route(f"{base}/api_keys", keys, methods=["GET"]),
        Route(f"{base}/api_keys/{{api_key_id}}", key, methods=["GET", "DELETE"]),
        Route(f"{base}/rate_limits", limits, methods=["GET"]),
        Route(f"{base}/rate_limits/{{rate_limit_id}}", limit, methods=["POST"]),
    ]
