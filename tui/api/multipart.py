"""multipart/form-data bodies streamed from disk, with upload progress.

httpx can encode multipart bodies, but reports no progress and reads files as it likes;
an upload of hundreds of megabytes over SSH needs both a progress bar and a body that can
be made again for a retry. `Multipart.stream()` yields the body in chunks (read in a
thread, so the event loop stays free) and says how much went out after each.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

CHUNK = 256 * 1024
"""Bytes read and sent at a time."""

Progress = Callable[[int, int], None]
"""Told (bytes sent so far, bytes in all) as an upload goes."""


@dataclass(frozen=True, slots=True)
class FilePart:
    """A file field: from disk (`path`) or from memory (`data`)."""

    field: str
    filename: str
    path: Path | None = None
    data: bytes | None = None
    content_type: str = "application/octet-stream"
    offset: int = 0
    """From disk: where in the file the part starts (a part of a large upload)."""
    length: int | None = None
    """From disk: how many bytes it takes from `offset` (None: to the end)."""

    def size(self) -> int:
        """Its length in bytes."""
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        rest = max(0, self.path.stat().st_size - self.offset)
        return rest if self.length is None else min(rest, self.length)


def _quoted(value: str) -> str:
    """A header parameter value: no line breaks, quotes and backslashes escaped."""
    value = value.replace("\r", "").replace("\n", "")
    return value.replace("\\", "\\\\").replace('"', '\\"')


class Multipart:
    """A multipart/form-data body of text fields and files."""

    def __init__(
        self, fields: Mapping[str, str] | Sequence[tuple[str, str]], files: list[FilePart]
    ) -> None:
        self.boundary = secrets.token_hex(16)
        self._fields: list[tuple[str, str]] = list(
            fields.items() if isinstance(fields, Mapping) else fields
        )
        """(name, value) in order; a name may repeat (an array: `timestamp_granularities[]`)."""
        self._files = files

    def field(self, name: str) -> str | None:
        """The first value of a text field, if there is one (the record's `model`)."""
        return next((value for key, value in self._fields if key == name), None)

    @property
    def content_type(self) -> str:
        """The Content-Type header for this body."""
        return f"multipart/form-data; boundary={self.boundary}"

    def _field_head(self, name: str) -> bytes:
        return (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'
        ).encode()

    def _file_head(self, part: FilePart) -> bytes:
        return (
            f"--{self.boundary}\r\nContent-Disposition: form-data; "
            f'name="{_quoted(part.field)}"; filename="{_quoted(part.filename)}"\r\n'
            f"Content-Type: {part.content_type}\r\n\r\n"
        ).encode()

    def _tail(self) -> bytes:
        return f"--{self.boundary}--\r\n".encode()

    def size(self) -> int:
        """The whole body's length in bytes (sent as Content-Length)."""
        total = len(self._tail())
        for name, value in self._fields:
            total += len(self._field_head(name)) + len(value.encode()) + 2
        for part in self._files:
            total += len(self._file_head(part)) + part.size() + 2
        return total

    async def stream(self, progress: Progress | None = None) -> AsyncIterator[bytes]:
        """The body, chunk by chunk; `progress` is told after each chunk."""
        total = self.size()
        sent = 0

        def told(chunk: bytes) -> bytes:
            nonlocal sent
            sent += len(chunk)
            if progress is not None:
                progress(sent, total)
            return chunk

        for name, value in self._fields:
            yield told(self._field_head(name) + value.encode() + b"\r\n")
        for part in self._files:
            yield told(self._file_head(part))
            if part.data is not None:
                for start in range(0, len(part.data), CHUNK):
                    yield told(part.data[start : start + CHUNK])
            else:
                assert part.path is not None
                left = part.size()
                with part.path.open("rb") as file:
                    file.seek(part.offset)
                    while left > 0:
                        chunk = await asyncio.to_thread(file.read, min(CHUNK, left))
                        if not chunk:
                            raise OSError(f"{part.path} became shorter while it was sent")
                        left -= len(chunk)
                        yield told(chunk)
            yield told(b"\r\n")
        yield told(self._tail())
