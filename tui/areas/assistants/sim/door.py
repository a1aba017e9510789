"""How every route of the simulator's Assistants API opens: the gate (counting, faults, the
key), the beta header (the API's 400 without it), a JSON body, the thread a path names (or
the API's 404); and how lists page (`order`, `after`, `before`, `limit`) and runs stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tui.areas.assistants.sim import checks
from tui.areas.assistants.sim.engine import AssistantsState
from tui.sim.gate import Gate
from tui.sim.state import InvalidRequest, SimState, cursor_page, error_response, json_object

BETA = "assistants=v2"


class Door:
    """The Assistants API's routes' way in."""

    def __init__(self, sim: SimState, gate: Gate) -> None:
        self.sim = sim
        self.gate = gate

    def state(self) -> AssistantsState:
        found: AssistantsState = self.sim.assistants
        return found

    def opened(self, request: Request) -> tuple[dict[str, str], Response | None]:
        headers, _, early = self.gate.prelude(request, "assistants")
        if early is not None:
            return headers, early
        if BETA not in request.headers.get("openai-beta", ""):
            return headers, error_response(
                400,
                "You must provide the 'OpenAI-Beta' header to access the Assistants API. "
                "Please try again by setting the header 'OpenAI-Beta: assistants=v2'.",
                code="invalid_beta",
                headers=headers,
            )
        return headers, None

    @staticmethod
    def missing(what: str, item_id: str, headers: dict[str, str]) -> Response:
        return error_response(404, f"No {what} found with id '{item_id}'.", headers=headers)

    def thread_of(self, request: Request, headers: dict[str, str]) -> dict[str, Any] | Response:
        thread_id = request.path_params["thread_id"]
        item = self.state().threads.get(thread_id)
        return item if item is not None else self.missing("thread", thread_id, headers)

    @staticmethod
    def checked_thread(body: dict[str, Any]) -> None:
        checks.metadata(body)
        checks.tool_resources(body.get("tool_resources"), lambda prefix: prefix)
        messages = body.get("messages")
        if messages is None:
            return
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            raise InvalidRequest("Invalid 'messages': a list of messages.", "messages")
        for message in messages:
            checks.content(message)


async def body_of(request: Request) -> dict[str, Any]:
    body = await json_object(request)
    if body is None:
        raise InvalidRequest("The body must be a JSON object.", None)
    return body


def listed(request: Request, items: list[dict[str, Any]], headers: dict[str, str]) -> Response:
    """A page: `order` (desc by default), `after` and `before` cursors, `limit` 1-100."""
    query = request.query_params
    raw = query.get("limit", "20")
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        return error_response(
            400, "Invalid 'limit': an integer from 1 to 100.", param="limit", headers=headers
        )
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        return error_response(400, "Invalid 'order': asc or desc.", param="order", headers=headers)
    ordered = items if order == "asc" else list(reversed(items))
    ids = {item["id"]: n for n, item in enumerate(ordered)}
    after, before = query.get("after"), query.get("before")
    if after:
        ordered = ordered[ids[after] + 1 :] if after in ids else []
    elif before:
        window = ordered[: ids[before]] if before in ids else []
        limit = int(raw)
        return JSONResponse(
            cursor_page(window[-limit:], len(window) > limit, empty_id=""), headers=headers
        )
    limit = int(raw)
    return JSONResponse(
        cursor_page(ordered[:limit], len(ordered) > limit, empty_id=""), headers=headers
    )


def sse(
    events: Iterator[tuple[str, dict[str, Any]]], lock: Any, pace: float
) -> AsyncIterator[bytes]:
    async def stream() -> AsyncIterator[bytes]:
        while True:
            with lock:
                try:
                    name, data = next(events)
                except StopIteration:
                    break
            yield f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
            if pace and name == "thread.message.delta":
                await asyncio.sleep(pace)
        yield b"event: done\ndata: [DONE]\n\n"

    return stream()
