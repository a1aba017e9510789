"""`POST /images/generations`, `/images/edits` and `/images/variations` through the shared
client, and the download of an image a server gave as a URL — with a client of its own that
sends no key: the URL belongs to another host (a storage bucket), which must never see it."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from tui.api.errors import APIConnectionError, MalformedResponseError
from tui.api.multipart import FilePart, Multipart
from tui.areas.playground.api.schemas import ImagesResponse

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient

MOST_DOWNLOAD = 64 * 1024 * 1024
"""Bytes one downloaded image may have (a server that sends more is cut off)."""
KINDS = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}


def _part(field: str, path: Path) -> FilePart:
    kind = KINDS.get(path.suffix.lower(), "application/octet-stream")
    return FilePart(field, path.name, path=path, content_type=kind)


class ImagesResource:
    """The image endpoints of one client."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    async def generate(self, body: dict[str, Any]) -> ImagesResponse:
        """Images for a CreateImageRequest."""
        found: ImagesResponse = await self._client.request(
            "POST", "/images/generations", json_body=body, model=ImagesResponse
        )
        return found

    async def edit(
        self, fields: dict[str, Any], images: Sequence[Path], mask: Path | None
    ) -> ImagesResponse:
        """Images for a CreateImageEditRequest: several images go as `image[]`."""
        files = [_part("image[]" if len(images) > 1 else "image", p) for p in images]
        if mask is not None:
            files.append(_part("mask", mask))
        found: ImagesResponse = await self._client.request(
            "POST", "/images/edits", body=Multipart(_text(fields), files), model=ImagesResponse
        )
        return found

    async def vary(self, fields: dict[str, Any], image: Path) -> ImagesResponse:
        """Images for a CreateImageVariationRequest."""
        found: ImagesResponse = await self._client.request(
            "POST",
            "/images/variations",
            body=Multipart(_text(fields), [_part("image", image)]),
            model=ImagesResponse,
        )
        return found


def _text(fields: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name, str(value)) for name, value in fields.items() if value is not None]


def decoded(b64: str) -> bytes:
    """An image sent as base64; MalformedResponseError when it is not."""
    try:
        return base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as error:
        raise MalformedResponseError(f"an image in the reply is not base64: {error}") from None


async def download(url: str, *, seconds: float = 60.0) -> bytes:
    """The image at `url` (no key sent: it is another host's), at most MOST_DOWNLOAD bytes;
    APIConnectionError naming the host when it cannot be had (an expired URL says so)."""
    host = httpx.URL(url).host or url
    try:
        async with (
            httpx.AsyncClient(timeout=seconds, follow_redirects=True) as plain,
            plain.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                why = (
                    "it has expired (image URLs last an hour)"
                    if response.status_code
                    in (
                        403,
                        404,
                    )
                    else f"HTTP {response.status_code}"
                )
                raise APIConnectionError(f"the image at {host} could not be fetched: {why}")
            pieces, size = [], 0
            async for piece in response.aiter_bytes():
                size += len(piece)
                if size > MOST_DOWNLOAD:
                    raise APIConnectionError(f"the image at {host} is over {MOST_DOWNLOAD:,} bytes")
                pieces.append(piece)
            return b"".join(pieces)
    except httpx.HTTPError as error:
        raise APIConnectionError(
            f"the image at {host} could not be fetched ({type(error).__name__})"
        ) from None
