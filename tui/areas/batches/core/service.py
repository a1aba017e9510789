"""The batches area's service: everything the batches screen and `loom batches` ask of the
server and of the watcher goes through here (the screens never hold the client)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.areas.batches.core.follower import BatchFollower, BatchUpdate
from tui.core.context import AreaContext, AreaService

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.areas.batches.api.resource import BatchesResource
    from tui.areas.batches.api.schemas import Batch
    from tui.core.topic import Topic

LIST_PAGE = 100
"""Batches asked for a page."""
LIST_PAGES = 50
"""The most pages listed (the newest 5,000)."""


class BatchesService(AreaService):
    """Batches of the server in use: listed, followed, watched."""

    def __init__(self, context: AreaContext) -> None:
        super().__init__(context)
        self.updates: Topic[BatchUpdate] = context.topic("batches")
        """Told after every poll of every batch followed."""
        self._resource: tuple[OpenAIClient, BatchesResource] | None = None

    async def resource(self) -> BatchesResource:
        """The batches resource on the client in use (a new one after the server changed)."""
        from tui.areas.batches.api.resource import BatchesResource

        client = await self.context.client()
        if self._resource is None or self._resource[0] is not client:
            self._resource = (client, BatchesResource(client))
        return self._resource[1]

    async def list_batches(self) -> tuple[list[Batch], str | None]:
        """The server's batches, newest first, and what stopped a list that never ended
        (what came is kept). Raises the API's errors otherwise."""
        from tui.api.errors import PagingStopped

        resource = await self.resource()
        found: list[Batch] = []
        note = None
        try:
            async for batch in resource.list(page_size=LIST_PAGE, max_pages=LIST_PAGES):
                found.append(batch)
        except PagingStopped as stopped:
            note = f"showing the {len(found):,} batches that came: {stopped}"
        return found, note

    def follower(self, batch_id: str) -> BatchFollower:
        """A follower of one batch for the watcher, publishing on `updates`."""
        return BatchFollower(self.resource, batch_id, publish=self.updates.publish)

    def server_changed(self) -> None:
        """Another server: its batches are not the old one's."""
        self._resource = None
