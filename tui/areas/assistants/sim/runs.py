"""The simulator's runs (`OpenAI-Beta: assistants=v2`): `/v1/threads/runs` (a thread
made and run), `/v1/threads/{thread_id}/runs` (list, create), each run (retrieve, modify,
cancel, submit tool outputs) and its steps (list, retrieve). A run asked for with
`stream: true` — created, or given its tool outputs — sends the spec's events
(`thread.run.created`, `thread.run.step.*`, `thread.message.delta`,
`thread.run.requires_action`, `thread.run.completed`, then `done`); one without moves on its
clock as it is looked at (sim/engine.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tui.areas.assistants.sim import checks
from tui.areas.assistants.sim.door import Door, body_of, listed, sse
from tui.areas.assistants.sim.engine import FINISHED, AssistantsState
from tui.sim.state import InvalidRequest, error_response


def run_routes(door: Door) -> list[Route]:
    """The runs' and their steps' routes."""
    sim = door.sim

    # --- runs -------------------------------------------------------------------------------

    def started(
        found: AssistantsState, thread_id: str, body: dict[str, Any], headers: dict[str, str]
    ) -> Response:
        assistant = found.assistants.get(str(body.get("assistant_id")))
        if assistant is None:
            return door.missing("assistant", str(body.get("assistant_id")), headers)
        busy = [r for r in found.runs[thread_id].values() if r["status"] not in FINISHED]
        if busy:
            return error_response(
                400,
                f"Thread {thread_id} already has an active run {busy[0]['id']}.",
                headers=headers,
            )
        with found.lock:
            run = found.add_run(thread_id, assistant, body)
        if body.get("stream"):
            return stream_of(found, run, headers, created=True)
        return JSONResponse(run, headers=headers)

    def stream_of(
        found: AssistantsState, run: dict[str, Any], headers: dict[str, str], *, created: bool
    ) -> Response:
        def events() -> Iterator[tuple[str, dict[str, Any]]]:
            if created:
                yield "thread.run.created", dict(run)
            yield from found.events(run)

        pace = 1 / sim.config.tokens_per_second if sim.config.tokens_per_second else 0.0
        return StreamingResponse(
            sse(events(), found.lock, pace),
            media_type="text/event-stream",
            headers={**headers, "cache-control": "no-cache"},
        )

    def checked_run(body: dict[str, Any]) -> None:
        if not isinstance(body.get("assistant_id"), str):
            raise InvalidRequest("Missing required parameter: 'assistant_id'.", "assistant_id")
        checks.options(body)
        extra = body.get("additional_messages")
        if extra is not None:
            if not isinstance(extra, list) or not all(isinstance(m, dict) for m in extra):
                raise InvalidRequest(
                    "Invalid 'additional_messages': a list of messages.", "additional_messages"
                )
            for each in extra:
                checks.content(each)
        if body.get("stream") not in (None, True, False):
            raise InvalidRequest("Invalid 'stream': a boolean.", "stream")

    async def thread_and_run(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        found = door.state()
        try:
            body = await body_of(request)
            checked_run(body)
            made = body.get("thread") or {}
            if not isinstance(made, dict):
                raise InvalidRequest("Invalid 'thread': a thread.", "thread")
            door.checked_thread(made)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        if body["assistant_id"] not in found.assistants:
            return door.missing("assistant", body["assistant_id"], headers)
        with found.lock:
            created = found.add_thread(made)
        return started(found, created["id"], body, headers)

    async def runs(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        found = door.state()
        item = door.thread_of(request, headers)
        if isinstance(item, Response):
            return item
        if request.method == "GET":
            with found.lock:
                for run in found.runs[item["id"]].values():
                    found.advance(run)
            return listed(request, list(found.runs[item["id"]].values()), headers)
        try:
            body = await body_of(request)
            checked_run(body)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        return started(found, item["id"], body, headers)

    def run_of(
        request: Request, headers: dict[str, str]
    ) -> tuple[AssistantsState, dict[str, Any]] | Response:
        found = door.state()
        item = door.thread_of(request, headers)
        if isinstance(item, Response):
            return item
        run_id = request.path_params["run_id"]
        run = found.runs[item["id"]].get(run_id)
        if run is None:
            return door.missing("run", run_id, headers)
        with found.lock:
            found.advance(run)
        return found, run

    async def run(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        opening = run_of(request, headers)
        if isinstance(opening, Response):
            return opening
        _, item = opening
        if request.method == "POST":
            try:
                body = await body_of(request)
                checks.metadata(body)
            except InvalidRequest as exc:
                return error_response(400, exc.message, param=exc.param, headers=headers)
            if "metadata" in body:
                item["metadata"] = dict(body["metadata"] or {})
        return JSONResponse(item, headers=headers)

    async def cancel(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        opening = run_of(request, headers)
        if isinstance(opening, Response):
            return opening
        found, item = opening
        if item["status"] in FINISHED:
            return error_response(
                400, f"Cannot cancel run with status '{item['status']}'.", headers=headers
            )
        with found.lock:
            item["status"], item["required_action"] = "cancelling", None
        return JSONResponse(item, headers=headers)

    async def submit(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        opening = run_of(request, headers)
        if isinstance(opening, Response):
            return opening
        found, item = opening
        try:
            body = await body_of(request)
            outputs = body.get("tool_outputs")
            if not isinstance(outputs, list) or not all(isinstance(o, dict) for o in outputs):
                raise InvalidRequest("Missing required parameter: 'tool_outputs'.", "tool_outputs")
            if body.get("stream") not in (None, True, False):
                raise InvalidRequest("Invalid 'stream': a boolean.", "stream")
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        if item["status"] != "requires_action":
            return error_response(
                400,
                f"Runs in status '{item['status']}' do not accept tool outputs.",
                headers=headers,
            )
        wanted = {c["id"] for c in item["required_action"]["submit_tool_outputs"]["tool_calls"]}
        given = {o.get("tool_call_id") for o in outputs}
        if given != wanted:
            return error_response(
                400,
                f"Expected tool outputs for call_ids {sorted(wanted)}, "
                f"got {sorted(map(str, given))}.",
                param="tool_outputs",
                headers=headers,
            )
        with found.lock:
            found.submit(item, outputs)
        if body.get("stream"):
            return stream_of(found, item, headers, created=False)
        return JSONResponse(item, headers=headers)

    async def steps(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        opening = run_of(request, headers)
        if isinstance(opening, Response):
            return opening
        found, item = opening
        return listed(request, found.steps.get(item["id"], []), headers)

    async def step(request: Request) -> Response:
        headers, early = door.opened(request)
        if early is not None:
            return early
        opening = run_of(request, headers)
        if isinstance(opening, Response):
            return opening
        found, item = opening
        step_id = request.path_params["step_id"]
        one = next((s for s in found.steps.get(item["id"], []) if s["id"] == step_id), None)
        if one is None:
            return door.missing("run step", step_id, headers)
        return JSONResponse(one, headers=headers)

    runs_path = "/v1/threads/{thread_id}/runs/{run_id}"
    return [
        Route("/v1/threads/runs", thread_and_run, methods=["POST"]),
        Route("/v1/threads/{thread_id}/runs", runs, methods=["GET", "POST"]),
        Route(runs_path, run, methods=["GET", "POST"]),
        Route(f"{runs_path}/cancel", cancel, methods=["POST"]),
        Route(f"{runs_path}/steps", steps, methods=["GET"]),
        Route(f"{runs_path}/steps/{{step_id}}", step, methods=["GET"]),
        Route(f"{runs_path}/submit_tool_outputs", submit, methods=["POST"]),
    ]
