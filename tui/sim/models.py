"""The simulator's models: `GET /v1/models` and `GET /v1/models/{model}`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.sim.gate import Gate
from tui.sim.state import FINE_TUNED_OWNER, MODEL_CREATED, SimState, error_response


def model_not_found(model_id: str, headers: dict[str, str]) -> Response:
    """The API's 404 for a model it does not have."""
    return error_response(
        404,
        f"The model `{model_id}` does not exist or you do not have access to it.",
        param="model",
        code="model_not_found",
        headers=headers,
    )


def model_routes(sim: SimState, gate: Gate) -> list[Route]:
    """The model list and one model."""

    def model_object(model_id: str, created: int = MODEL_CREATED) -> dict[str, Any]:
        owner = FINE_TUNED_OWNER if model_id.startswith("ft:") else "loom-simulator"
        return {"id": model_id, "object": "model", "created": created, "owned_by": owner}

    async def list_models(request: Request) -> Response:
        headers, _, early = gate.prelude(request, "models")
        if early is not None:
            return early
        data = [model_object(m, created) for m, created in sim.model_ids()]
        return JSONResponse({"object": "list", "data": data}, headers=headers)

    async def retrieve_model(request: Request) -> Response:
        headers, _, early = gate.prelude(request, "models")
        if early is not None:
            return early
        model_id = request.path_params["model"]
        created = dict(sim.model_ids()).get(model_id)
        if created is None:
            return model_not_found(model_id, headers)
        return JSONResponse(model_object(model_id, created), headers=headers)

    async def delete_model(request: Request) -> Response:
        headers, _, early = gate.prelude(request, "models")
        if early is not None:
            return early
        model_id = request.path_params["model"]
        if dict(sim.model_ids()).get(model_id) is None:
            return model_not_found(model_id, headers)
        if not model_id.startswith("ft:"):
            return error_response(
                403,
                f"You have insufficient permissions to delete the model {model_id}: only "
                "fine-tuned models can be deleted, by an owner of their organization.",
                type="invalid_request_error",
                code="insufficient_permissions",
                headers=headers,
            )
        sim.deleted.add(model_id)
        return JSONResponse({"id": model_id, "object": "model", "deleted": True}, headers=headers)

    return [
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/v1/models/{model:path}", retrieve_model, methods=["GET"]),
        Route("/v1/models/{model:path}", delete_model, methods=["DELETE"]),
    ]
