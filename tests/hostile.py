"""A server on loopback whose every answer the test writes: for what a hostile, broken or
merely odd server does (endless pages, outsized numbers, far-future dates, names that are
paths, keys echoed back). Real HTTP, as with the simulator."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.sim.server import bind_socket

Answer = Callable[[Request], Awaitable[Response | dict[str, Any] | list[Any]]]


class Hostile:
    """Routes by (method, path below /v1); a request nobody answers gets a 404."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Answer] = {}
        self.hits: Counter[str] = Counter()
        """Requests per path, for asserting how much work a client did."""
        self.base_url = ""

    def on(self, method: str, path: str, answer: Answer) -> None:
        """Answer `method path` (path as after /v1, e.g. "/fine_tuning/jobs")."""
        self.routes[(method.upper(), path)] = answer

    def json(self, method: str, path: str, body: Any, status: int = 200, **headers: str) -> None:
        """Answer `method path` with the same JSON body every time."""

        async def answer(request: Request) -> Response:
            return outsized_json(body, status, headers)

        self.on(method, path, answer)

    async def _dispatch(self, request: Request) -> Response:
        path = "/" + request.path_params["rest"]
        self.hits[path] += 1
        answer = self.routes.get((request.method, path))
        if answer is None:
            return JSONResponse(
                {"error": {"message": f"no route {path}", "type": "invalid_request_error"}},
                status_code=404,
            )
        got = await answer(request)
        return got if isinstance(got, Response) else outsized_json(got)


def outsized_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON as a hostile server may write it: an infinite float becomes `1e400` (which
    every JSON parser reads as infinity), where Python would refuse or write `Infinity`."""
    text = json.dumps(body).replace("-Infinity", "-1e400").replace("Infinity", "1e400")
    return Response(text, status_code=status, headers=headers, media_type="application/json")


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    """A hostile server on a free loopback port, for one test."""
    server_state = Hostile()
    app = Starlette(
        routes=[
            Route(
                "/v1/{rest:path}",
                server_state._dispatch,
                methods=["GET", "POST", "DELETE", "PUT", "PATCH"],
            )
        ]
    )
    sock = bind_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve([sock])), daemon=True)
    thread.start()
    server_state.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    yield server_state
    server.should_exit = True
    thread.join(timeout=5)
    sock.close()
