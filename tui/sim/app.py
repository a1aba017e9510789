"""The simulator's Starlette app: the routes of each API area, behind one gate (auth,
faults, headers), sharing one state. A new area adds one route module here."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.sim.chat import REPLY_TOKENS_HEADER, parse_chat_request, stream_events
from tui.sim.files import file_routes
from tui.sim.gate import Gate
from tui.sim.models import model_routes
from tui.sim.state import (
    MODEL_IDS,
    MOVED,
    SimConfig,
    SimState,
    SimulatedCut,
    error_response,
)

__all__ = [
    "MODEL_IDS",
    "REPLY_TOKENS_HEADER",
    "SimConfig",
    "SimState",
    "SimulatedCut",
    "create_app",
    "parse_chat_request",
    "stream_events",
]


def create_app(config: SimConfig | None = None, state: SimState | None = None) -> Starlette:
    """Build the simulator app; `app.state.sim` is its `SimState`."""
    sim = state or SimState(config or SimConfig())
    gate = Gate(sim)

    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(
            404,
            f"Invalid URL ({request.method} {request.url.path})",
            code="unknown_url",
        )

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return error_response(
            405,
            f"Method {request.method} is not allowed for {request.url.path}",
            code="method_not_allowed",
        )

    from tui.sim.chat import chat_routes
    from tui.sim.fine_tuning import fine_tuning_routes, seed_demo
    from tui.sim.uploads import upload_routes
    from tui.sim.usage import usage_routes

    if sim.config.demo_jobs and not sim.fine_tuning.jobs:
        seed_demo(sim)
    routes = [
        *model_routes(sim, gate),
        *chat_routes(sim, gate),
        *file_routes(sim, gate),
        *upload_routes(sim, gate),
        *fine_tuning_routes(sim, gate),
        *usage_routes(sim, gate),
    ]
    # Where the `redirect` fault points: the same API under another path.
    moved = [Route(MOVED + r.path, r.endpoint, methods=r.methods) for r in routes]
    app = Starlette(exception_handlers={404: not_found, 405: not_allowed}, routes=routes + moved)
    app.state.sim = sim
    return app
