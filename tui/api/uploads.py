"""The uploads resource: a large file sent in parts (create, add parts, complete, cancel),
and `LargeUpload`, which sends one and picks up where it stopped after a failure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from tui.api.multipart import FilePart, Multipart, Progress
from tui.api.schemas import FileObject, Upload, UploadPart

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient

PATH = "/uploads"
PART_SIZE = 64 * 1024 * 1024
"""The API's largest part: 64 MB."""


def _upload(upload_id: str) -> str:
    return f"{PATH}/{quote(upload_id, safe='')}"


class UploadsResource:
    """`/uploads`: files larger than one request may carry (up to 8 GB)."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    async def create(self, filename: str, purpose: str, size: int, mime_type: str) -> Upload:
        """Open an upload of `size` bytes."""
        body = {"filename": filename, "purpose": purpose, "bytes": size, "mime_type": mime_type}
        made: Upload = await self._client.request("POST", PATH, json_body=body, model=Upload)
        return made

    async def add_part(
        self,
        upload_id: str,
        path: Path,
        offset: int,
        length: int,
        progress: Progress | None = None,
    ) -> UploadPart:
        """Send `length` bytes of `path` from `offset` as the next part."""
        part = FilePart("data", path.name, path=path, offset=offset, length=length)
        added: UploadPart = await self._client.request(
            "POST",
            f"{_upload(upload_id)}/parts",
            body=Multipart({}, [part]),
            progress=progress,
            model=UploadPart,
        )
        return added

    async def complete(self, upload_id: str, part_ids: list[str], md5: str | None = None) -> Upload:
        """Join the parts, in this order, into a file."""
        body: dict[str, object] = {"part_ids": part_ids}
        if md5:
            body["md5"] = md5
        done: Upload = await self._client.request(
            "POST", f"{_upload(upload_id)}/complete", json_body=body, model=Upload
        )
        return done

    async def cancel(self, upload_id: str) -> Upload:
        """Give an upload up; its parts are dropped."""
        gone: Upload = await self._client.request(
            "POST", f"{_upload(upload_id)}/cancel", model=Upload
        )
        return gone


@dataclass
class LargeUpload:
    """One file on its way in parts. After a failure, `send` again goes on from the first
    part not yet acknowledged (the parts sent stay with the upload on the server), as long
    as the file did not change meanwhile."""

    path: Path
    purpose: str
    part_size: int = PART_SIZE
    mime_type: str = "application/jsonl"
    upload: Upload | None = None
    parts: list[str] = field(default_factory=list)
    """Ids of the parts the server has, in order."""
    _stamp: tuple[int, int] | None = None

    @property
    def size(self) -> int:
        """The file's length in bytes."""
        return self.path.stat().st_size

    @property
    def part_count(self) -> int:
        """How many parts the file takes."""
        return max(1, -(-self.size // self.part_size))

    @property
    def resumable(self) -> bool:
        """Whether some parts are on the server already."""
        return self.upload is not None and bool(self.parts)

    async def send(self, client: OpenAIClient, progress: Progress | None = None) -> FileObject:
        """Send what is not sent yet and complete the upload: the file made of it. `progress`
        is told (bytes acknowledged or on their way, bytes in all)."""
        stat = self.path.stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
        if self._stamp is not None and stamp != self._stamp:
            self.upload, self.parts = None, []  # the file changed: start again
        self._stamp = stamp
        total = stat.st_size
        if self.upload is None:
            self.upload = await client.uploads.create(
                self.path.name, self.purpose, total, self.mime_type
            )
            self.parts = []
        upload_id = self.upload.id
        for number in range(len(self.parts), self.part_count):
            offset = number * self.part_size
            length = min(self.part_size, total - offset)

            def told(sent: int, _whole: int, offset: int = offset, length: int = length) -> None:
                if progress is not None:
                    progress(offset + min(sent, length), total)

            part = await client.uploads.add_part(upload_id, self.path, offset, length, told)
            self.parts.append(part.id)
        md5 = await _md5(self.path)
        done = await client.uploads.complete(upload_id, list(self.parts), md5)
        if done.file is None:
            from tui.api.errors import MalformedResponseError

            raise MalformedResponseError(
                f"the server completed upload {upload_id} but named no file", status=200
            )
        return done.file


async def _md5(path: Path) -> str:
    import asyncio

    def digest() -> str:
        h = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as file:
            while chunk := file.read(1024 * 1024):
                h.update(chunk)
        return h.hexdigest()

    return await asyncio.to_thread(digest)
