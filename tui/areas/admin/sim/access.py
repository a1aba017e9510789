"""How every route of the simulator's organisation opens: the gate (counting, faults, the
key), the admin key (a project key gets the API's 403 naming the scope it lacks), the item
the path names (or the API's 404), a JSON body (or a 400), and a page of a list."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tui.areas.admin.sim.state import Organisation
from tui.sim.gate import Gate
from tui.sim.state import InvalidRequest, SimState, cursor_page, error_response, json_object


class Door:
    """The organisation's routes' way in."""

    def __init__(self, sim: SimState, gate: Gate) -> None:
        self.sim = sim
        self.gate = gate

    @property
    def org(self) -> Organisation:
        found: Organisation = self.sim.admin
        return found

    def opened(
        self, request: Request, scope: str = "api.management"
    ) -> tuple[dict[str, str], Response | None]:
        """The gate and the admin key: (headers, or the answer to give at once). The scope
        named in a 403 is `scope`'s read or write, by the method."""
        headers, _, early = self.gate.prelude(request, "admin")
        if early is not None:
            return headers, early
        wanted = f"{scope}.{'read' if request.method == 'GET' else 'write'}"
        return headers, self.gate.admin_only(request, headers, wanted)

    def one(
        self, request: Request, what: str, table: dict[str, dict[str, Any]] | None, key: str
    ) -> tuple[dict[str, str], dict[str, Any]] | Response:
        """`opened`, then the item its path names in `table` (None: the project it belongs
        to is not there): (headers, the item), or the answer to give at once."""
        headers, early = self.opened(request)
        if early is not None:
            return early
        if table is None:
            return not_found(request, "project", "project_id", headers)
        found = table.get(request.path_params[key])
        if found is None:
            return not_found(request, what, key, headers)
        return headers, found

    def project_part(
        self, request: Request, tables: dict[str, dict[str, dict[str, Any]]]
    ) -> tuple[dict[str, str], str, dict[str, dict[str, Any]]] | Response:
        """`opened`, then the project its path names and that project's part in `tables`:
        (headers, the project's id, its part), or the answer to give at once."""
        headers, early = self.opened(request)
        if early is not None:
            return early
        project_id = request.path_params["project_id"]
        part = tables.get(project_id)
        if part is None:
            return not_found(request, "project", "project_id", headers)
        return headers, project_id, part


def not_found(request: Request, what: str, key: str, headers: dict[str, str]) -> Response:
    """The API's 404 for the item a path names."""
    return error_response(
        404,
        f"No {what} found with id '{request.path_params[key]}'.",
        code="not_found",
        headers=headers,
    )


async def body_of(request: Request) -> dict[str, Any]:
    """The request's JSON object (InvalidRequest when it is not one)."""
    body = await json_object(request)
    if body is None:
        raise InvalidRequest("The body must be a JSON object.", None)
    return body


def paged(request: Request, items: list[dict[str, Any]], headers: dict[str, str]) -> Response:
    """A page of `items` after the `after` cursor (and before `before`), at most `limit`
    (1-100, default 20)."""
    raw = request.query_params.get("limit", "20")
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        return error_response(
            400, "Invalid 'limit': an integer from 1 to 100.", param="limit", headers=headers
        )
    limit = int(raw)
    after = request.query_params.get("after")
    before = request.query_params.get("before")
    if after:
        ids = {item["id"]: n for n, item in enumerate(items)}
        items = items[ids[after] + 1 :] if after in ids else []
    elif before:
        # The page just before the cursor; has_more: there are more before it still.
        ids = {item["id"]: n for n, item in enumerate(items)}
        window = items[: ids[before]] if before in ids else []
        return JSONResponse(cursor_page(window[-limit:], len(window) > limit), headers=headers)
    return JSONResponse(cursor_page(items[:limit], len(items) > limit), headers=headers)


def deleted(kind: str, item_id: str, headers: dict[str, str]) -> Response:
    """The API's answer to a deletion: `{object: kind, id, deleted: true}`."""
    return JSONResponse({"object": kind, "id": item_id, "deleted": True}, headers=headers)
