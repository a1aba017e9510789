"""The files resource: upload (multipart, with progress), list, retrieve, delete, content."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from tui.api.multipart import FilePart, Multipart, Progress
from tui.api.schemas import Deleted, FileObject

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient

PATH = "/files"


class FilesResource:
    """`/files`: what fine-tuning, batches and assistants read from."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    async def upload(
        self,
        purpose: str,
        *,
        path: Path | None = None,
        data: bytes | None = None,
        filename: str | None = None,
        progress: Progress | None = None,
    ) -> FileObject:
        """Upload a file from disk (`path`) or memory (`data`) for `purpose`; `progress` is
        told (bytes sent, bytes in all) as it goes, from the start again on a retry."""
        if (path is None) == (data is None):
            raise ValueError("give either a path or data")
        name = filename or (path.name if path is not None else "upload")
        body = Multipart({"purpose": purpose}, [FilePart("file", name, path=path, data=data)])
        made: FileObject = await self._client.request(
            "POST", PATH, body=body, progress=progress, model=FileObject
        )
        return made

    def list(
        self,
        *,
        purpose: str | None = None,
        order: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[FileObject]:
        """Every file, page by page as they arrive (newest first unless `order="asc"`)."""
        params = {"purpose": purpose, "order": order}
        return self._client.paginate(PATH, FileObject, params=params, page_size=page_size)

    async def retrieve(self, file_id: str) -> FileObject:
        """One file's object."""
        found: FileObject = await self._client.request(
            "GET", f"{PATH}/{quote(file_id, safe='')}", model=FileObject
        )
        return found

    async def delete(self, file_id: str) -> Deleted:
        """Delete a file."""
        gone: Deleted = await self._client.request(
            "DELETE", f"{PATH}/{quote(file_id, safe='')}", model=Deleted
        )
        return gone

    async def content(self, file_id: str) -> bytes:
        """A file's content, as stored."""
        return await self._client.request_bytes("GET", f"{PATH}/{quote(file_id, safe='')}/content")

    def content_chunks(self, file_id: str) -> AsyncIterator[bytes]:
        """A file's content piece by piece as it arrives (a batch's output of 50,000
        lines is never held whole)."""
        return self._client.request_chunks("GET", f"{PATH}/{quote(file_id, safe='')}/content")
