"""The batches area's service: everything the batches screen and `loom batches` ask of the
server and of the watcher goes through here (the screens never hold the client)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from tui.areas.batches.core.follower import BatchFollower, BatchUpdate
from tui.core.context import AreaContext, AreaService

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.api.multipart import Progress
    from tui.areas.batches.api.resource import BatchesResource
    from tui.areas.batches.api.schemas import Batch
    from tui.areas.batches.core.results import ResultRow
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

    # --- files, results, changes -----------------------------------------------------------

    async def lines(self, file_id: str) -> AsyncIterator[str]:
        """The lines of a file on the server, as they stream down."""
        from tui.areas.batches.core.results import lines_of

        client = await self.context.client()
        async for line in lines_of(client.files.content_chunks(file_id)):
            yield line

    async def input_index(self, batch: Batch) -> dict[str, tuple[int, str]]:
        """custom_id -> (line, the line) of the batch's input file."""
        from tui.areas.batches.core.results import index_input

        return index_input([line async for line in self.lines(batch.input_file_id)])

    async def results(self, batch: Batch) -> AsyncIterator[ResultRow]:
        """A row per request that has an answer, the output file's first, then the error
        file's, as they stream down (not yet joined with the input: see `input_index`)."""
        from tui.areas.batches.core.results import parse_output_line

        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            async for line in self.lines(file_id):
                row = parse_output_line(line)
                if row is not None:
                    yield row

    async def submit(
        self,
        content: bytes,
        endpoint: str,
        *,
        name: str = "batch.jsonl",
        metadata: dict[str, str] | None = None,
        progress: Progress | None = None,
    ) -> Batch:
        """Upload an input file (purpose `batch`) and start a batch on it."""
        client = await self.context.client()
        upload = await client.files.upload("batch", data=content, filename=name, progress=progress)
        return await (await self.resource()).create(upload.id, endpoint, metadata=metadata)

    async def resubmit_failed(self, batch: Batch) -> Batch | None:
        """A new batch of the requests that failed in `batch`, as they were sent; None when
        none failed."""
        from tui.areas.batches.core.results import failed_inputs, join

        inputs = await self.input_index(batch)
        rows = [join(row, inputs) async for row in self.results(batch)]
        again = failed_inputs(rows)
        if not again:
            return None
        about = (batch.metadata or {}).get("description", batch.id)
        metadata = {"description": f"{about} (failed again)"[:512], "resubmits": batch.id}
        content = ("\n".join(again) + "\n").encode()
        return await self.submit(
            content, batch.endpoint, name=f"{batch.id}-failed.jsonl", metadata=metadata
        )

    async def cancel(self, batch_id: str) -> Batch:
        """Cancel a batch (the screen asks first)."""
        return await (await self.resource()).cancel(batch_id)
