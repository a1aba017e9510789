"""The models resource: `GET /models` and `GET /models/{model}`."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from pydantic import ValidationError

from tui.api.errors import MalformedResponseError
from tui.api.schemas import Model, ModelList

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient


class ModelsResource:
    """List and retrieve models."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    async def list(self) -> list[Model]:
        """Every model the server offers, sorted by id."""
        payload = await self._client.request_json("GET", "/models")
        try:
            models = ModelList.model_validate(payload).data
        except ValidationError as exc:
            raise MalformedResponseError(
                f"the model list is not in the expected shape: {exc}"
            ) from exc
        return sorted(models, key=lambda m: m.id)

    async def retrieve(self, model: str) -> Model:
        """One model by id."""
        payload = await self._client.request_json("GET", f"/models/{quote(model, safe='')}")
        try:
            return Model.model_validate(payload)
        except ValidationError as exc:
            raise MalformedResponseError(f"the model is not in the expected shape: {exc}") from exc
