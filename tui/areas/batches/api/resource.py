"""The batches resource: create, retrieve, cancel and list batches (`/batches`). Their
input goes up and their output and error files come down through the shared files
resource (`purpose="batch"`; `content_chunks` streams a download)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tui.areas.batches.api.schemas import Batch

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient

PATH = "/batches"
LIST_PAGES = 50
"""The most pages of batches listed (5,000 batches at 100 a page); a server that still
says there are more is stopped there."""


def _batch(batch_id: str) -> str:
    return f"{PATH}/{quote(batch_id, safe='')}"


class BatchesResource:
    """`/batches`."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    async def create(
        self,
        input_file_id: str,
        endpoint: str,
        *,
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
        output_expires_after: int | None = None,
    ) -> Batch:
        """Start a batch on an uploaded file (`CreateBatchRequest`); `output_expires_after`
        is seconds after the output file is made (3,600 to 2,592,000)."""
        body: dict[str, Any] = {
            "input_file_id": input_file_id,
            "endpoint": endpoint,
            "completion_window": completion_window,
        }
        if metadata:
            body["metadata"] = dict(metadata)
        if output_expires_after is not None:
            body["output_expires_after"] = {
                "anchor": "created_at",
                "seconds": output_expires_after,
            }
        made: Batch = await self._client.request("POST", PATH, json_body=body, model=Batch)
        return made

    async def retrieve(self, batch_id: str) -> Batch:
        """One batch as it is now."""
        found: Batch = await self._client.request("GET", _batch(batch_id), model=Batch)
        return found

    async def cancel(self, batch_id: str) -> Batch:
        """Cancel a batch: it goes `cancelling`, then `cancelled` with what was done."""
        done: Batch = await self._client.request("POST", f"{_batch(batch_id)}/cancel", model=Batch)
        return done

    def list(
        self, *, page_size: int | None = None, max_pages: int = LIST_PAGES
    ) -> AsyncIterator[Batch]:
        """Every batch, newest first, page by page as they arrive."""
        return self._client.paginate(PATH, Batch, page_size=page_size, max_pages=max_pages)
