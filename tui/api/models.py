"""The models resource: `GET /models` and `GET /models/{model}`."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from tui.api.schemas import Model, ModelList

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient


class ModelsResource:
    """List and retrieve models."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    async def list(self) -> list[Model]:
        """Every model the server offers, sorted by id."""
        listed: ModelList = await self._client.request("GET", "/models", model=ModelList)
        return sorted(listed.data, key=lambda m: m.id)

    async def retrieve(self, model: str) -> Model:
        """One model by id."""
        found: Model = await self._client.request(
            "GET", f"/models/{quote(model, safe='')}", model=Model
        )
        return found
