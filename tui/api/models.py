"""The models resource: `GET /models`, `GET /models/{model}`, `DELETE /models/{model}`.

Servers differ in their lists: entries without `created` or `owned_by`, with fields of
their own (kept), ids with slashes and colons. An entry that is not an object with an id
is left out and counted; a `data` that is not a list is a malformed reply, said so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tui.api.errors import MalformedResponseError
from tui.api.schemas import Deleted, Model

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient


@dataclass(slots=True)
class Listing:
    """A server's model list, and how many of its entries could not be read."""

    models: list[Model] = field(default_factory=list)
    skipped: int = 0


class ModelsResource:
    """List, retrieve and delete models."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    async def listing(self) -> Listing:
        """Every model the server offers, sorted by id, and the entries left out."""
        from pydantic import ValidationError

        payload: Any = await self._client.request("GET", "/models")
        data = payload.get("data") if isinstance(payload, dict) else payload
        if not isinstance(data, list):
            raise MalformedResponseError(
                "the server's reply to GET /models has no list of models "
                f"(data is {type(data).__name__})",
                status=200,
            )
        listing = Listing()
        for entry in data:
            try:
                listing.models.append(Model.model_validate(entry))
            except ValidationError:
                listing.skipped += 1
        listing.models.sort(key=lambda m: m.id)
        return listing

    async def list(self) -> list[Model]:
        """Every model the server offers, sorted by id."""
        return (await self.listing()).models

    async def retrieve(self, model: str) -> Model:
        """One model by id."""
        found: Model = await self._client.request(
            "GET", f"/models/{quote(model, safe='')}", model=Model
        )
        return found

    async def delete(self, model: str) -> Deleted:
        """Delete a fine-tuned model (its owner's key only)."""
        gone: Deleted = await self._client.request(
            "DELETE", f"/models/{quote(model, safe='')}", model=Deleted
        )
        return gone
