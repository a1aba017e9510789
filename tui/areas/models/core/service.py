"""The models area's service: the shared catalogue of the server's models (kept, refreshed,
a deleted model forgotten), a model as the server serves it, what the other areas know of
it, deleting a fine-tuned model, and making one the profile's default."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from tui.core.context import AreaService

if TYPE_CHECKING:
    from tui.core.catalogue import ModelCatalogue
    from tui.core.context import ModelExtra


class ModelsService(AreaService):
    """Models of the server in use."""

    @property
    def catalogue(self) -> ModelCatalogue:
        """The models known now, with their facts (tui.core.catalogue)."""
        return self.context.catalogue()

    async def load(self) -> None:
        """The kept list at once, then the server's (a failure leaves the kept list,
        marked stale with why)."""
        from tui.api.errors import APIError

        await self.catalogue.from_store()
        with contextlib.suppress(APIError):  # marked stale with why: the status line says it
            await self.catalogue.refresh()

    async def served(self, model_id: str) -> dict[str, Any]:
        """The model as the server serves it (`GET /models/ID`); the API's errors
        propagate (a 404: deleted meanwhile, or a server that does not answer it)."""
        client = await self.context.client()
        found = await client.models.retrieve(model_id)
        return dict(found.model_dump(mode="json"))

    async def extras(self, model_id: str) -> list[ModelExtra]:
        """What the other areas know of this model (the job that made it, say)."""
        return await self.context.model_extras(model_id)

    async def delete(self, model_id: str) -> None:
        """Delete a fine-tuned model (its owner's key only); forgotten from the list."""
        client = await self.context.client()
        await client.models.delete(model_id)
        self.catalogue.forget(model_id)

    def make_default(self, model_id: str) -> str | None:
        """Make it this profile's default model (kept for the next start); what failed."""
        return self.context.remember(model=model_id)
