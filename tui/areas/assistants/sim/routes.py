"""The simulator's Assistants API (`OpenAI-Beta: assistants=v2`): `/v1/assistants` (list,
create, retrieve, modify, delete), `/v1/threads` (create, retrieve, modify, delete) and their
messages (list — by run too —, create, retrieve, modify, delete); runs and their steps are
sim/runs.py's. A request without the beta header gets the API's 400 that names it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.areas.assistants.sim import checks
from tui.areas.assistants.sim.door import Door, body_of, listed
from tui.areas.assistants.sim.engine import FINISHED
from tui.areas.assistants.sim.runs import run_routes
from tui.sim.gate import Gate
from tui.sim.state import InvalidRequest, SimState, error_response


def assistant_routes(sim: SimState, gate: Gate) -> list[Route]:
    """The Assistants API's routes."""
    door = Door(sim, gate)

    # --- assistants -------------------------------------------------------------------------

    async def assistants(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        found = door.state()
        if request.method == "GET":
            return listed(request, list(found.assistants.values()), headers)
        try:
            body = await body_of(request)
            if not isinstance(body.get("model"), str) or not body["model"]:
                raise InvalidRequest("Missing required parameter: 'model'.", "model")
            checks.options(body)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        with found.lock:
            made = found.add_assistant(body)
        return JSONResponse(made, headers=headers)

    async def assistant(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        found = door.state()
        assistant_id = request.path_params["assistant_id"]
        item = found.assistants.get(assistant_id)
        if item is None:
            return door.missing("assistant", assistant_id, headers)
        if request.method == "DELETE":
            with found.lock:
                del found.assistants[assistant_id]
            return JSONResponse(
                {"id": assistant_id, "object": "assistant.deleted", "deleted": True},
                headers=headers,
            )
        if request.method == "POST":
            try:
                body = await body_of(request)
                checks.options(body)
            except InvalidRequest as exc:
                return error_response(400, exc.message, param=exc.param, headers=headers)
            keys = (
                "name",
                "description",
                "model",
                "instructions",
                "tools",
                "metadata",
                "temperature",
                "top_p",
                "response_format",
                "tool_resources",
            )
            with found.lock:
                item.update({k: body[k] for k in keys if k in body})
                if "tools" in body:
                    item["tools"] = checks.kept_tools(body["tools"])
                if "tool_resources" in body:
                    item["tool_resources"] = checks.tool_resources(
                        body["tool_resources"], found.next_id
                    )
        return JSONResponse(item, headers=headers)

    # --- threads ----------------------------------------------------------------------------

    async def threads(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        found = door.state()
        try:
            body = await body_of(request) if await request.body() else {}
            door.checked_thread(body)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        with found.lock:
            made = found.add_thread(body)
        return JSONResponse(made, headers=headers)

    async def thread(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        found = door.state()
        item = door.thread_of(request, headers)
        if isinstance(item, Response):
            return item
        if request.method == "DELETE":
            with found.lock:
                del found.threads[item["id"]]
            return JSONResponse(
                {"id": item["id"], "object": "thread.deleted", "deleted": True}, headers=headers
            )
        if request.method == "POST":
            try:
                body = await body_of(request)
                checks.metadata(body)
                resources = checks.tool_resources(body.get("tool_resources"), found.next_id)
            except InvalidRequest as exc:
                return error_response(400, exc.message, param=exc.param, headers=headers)
            with found.lock:
                if "metadata" in body:
                    item["metadata"] = dict(body["metadata"] or {})
                if "tool_resources" in body:
                    item["tool_resources"] = resources
        return JSONResponse(item, headers=headers)

    # --- messages ---------------------------------------------------------------------------

    async def messages(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        found = door.state()
        item = door.thread_of(request, headers)
        if isinstance(item, Response):
            return item
        if request.method == "GET":
            run_id = request.query_params.get("run_id")
            shown = [m for m in found.messages[item["id"]] if not run_id or m["run_id"] == run_id]
            return listed(request, shown, headers)
        try:
            body = await body_of(request)
            checks.content(body)
            checks.metadata(body)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        busy = [r for r in found.runs[item["id"]].values() if r["status"] not in FINISHED]
        if busy:
            return error_response(
                400,
                f"Can't add messages to {item['id']} while a run {busy[0]['id']} is active.",
                headers=headers,
            )
        with found.lock:
            made = found.add_message(item["id"], body)
        return JSONResponse(made, headers=headers)

    async def message(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        found = door.state()
        item = door.thread_of(request, headers)
        if isinstance(item, Response):
            return item
        message_id = request.path_params["message_id"]
        listed = found.messages[item["id"]]
        one = next((m for m in listed if m["id"] == message_id), None)
        if one is None:
            return door.missing("message", message_id, headers)
        if request.method == "DELETE":
            with found.lock:
                listed.remove(one)
            return JSONResponse(
                {"id": message_id, "object": "thread.message.deleted", "deleted": True},
                headers=headers,
            )
        if request.method == "POST":
            try:
                body = await body_of(request)
                checks.metadata(body)
            except InvalidRequest as exc:
                return error_response(400, exc.message, param=exc.param, headers=headers)
            if "metadata" in body:
                one["metadata"] = dict(body["metadata"] or {})
        return JSONResponse(one, headers=headers)

    return [
        *run_routes(door),  # first: `/v1/threads/runs` is not a thread's id
        Route("/v1/assistants", assistants, methods=["GET", "POST"]),
        Route("/v1/assistants/{assistant_id}", assistant, methods=["GET", "POST", "DELETE"]),
        Route("/v1/threads", threads, methods=["POST"]),
        Route("/v1/threads/{thread_id}", thread, methods=["GET", "POST", "DELETE"]),
        Route("/v1/threads/{thread_id}/messages", messages, methods=["GET", "POST"]),
        Route(
            "/v1/threads/{thread_id}/messages/{message_id}",
            message,
            methods=["GET", "POST", "DELETE"],
        ),
    ]
