"""The simulator's Starlette app: the shared routes (models, files, uploads) and each
area's own (tui/areas; chat's among them), behind one gate (auth, faults, headers), sharing
one state. A new area adds nothing here: its `AREA.sim_routes` is found."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

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
    "SimConfig",
    "SimState",
    "SimulatedCut",
    "create_app",
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

    from tui.registry import areas, load
    from tui.sim.uploads import upload_routes

    routes = [
        *model_routes(sim, gate),
        *file_routes(sim, gate),
        *upload_routes(sim, gate),
    ]
    # Each area serves its own part of the API, and fills it for `loom --demo`.
    for each in areas():
        if each.sim_routes is not None:
            routes += load(each.sim_routes)(sim, gate)
        if sim.config.demo and each.sim_seed is not None and not sim.seeded:
            load(each.sim_seed)(sim)
    sim.seeded = sim.seeded or sim.config.demo
    # Where the `redirect` fault points: the same API under another path.
    moved = [Route(MOVED + r.path, r.endpoint, methods=r.methods) for r in routes]
    app = Starlette(exception_handlers={404: not_found, 405: not_allowed}, routes=routes + moved)
    app.state.sim = sim
    return app
