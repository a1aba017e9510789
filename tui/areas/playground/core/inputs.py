"""Texts from a file, for the tools and the commands: a line each from a text file, or one
column of a CSV (with a header) or JSONL file (`text` when no column is named)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tui.core.jsonl import objects, regular_size

MOST_BYTES = 64 * 1024 * 1024
"""A file of texts larger than this is refused (the API takes 2,048 texts a request)."""


class InputFileError(ValueError):
    """A file that gives no texts; the words say why."""


def read_texts(path: Path, column: str | None = None) -> list[str]:
    """The texts of `path` (OSError when it cannot be read; InputFileError when it holds
    none or not the column asked for)."""
    size = regular_size(path)
    if size > MOST_BYTES:
        raise InputFileError(f"{path} is {size / 1e6:,.0f} MB: name a file of texts under 64 MB")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        wanted = column or "text"
        texts = []
        with path.open("rb") as file:
            for number, _, row, problem in objects(file):
                if row is None:
                    raise InputFileError(f"{path}: line {number} {problem}")
                value = row.get(wanted)
                if not isinstance(value, str):
                    keys = ", ".join(row) or "none"
                    raise InputFileError(
                        f"{path}: line {number} has no text {wanted!r} (its keys: {keys}); "
                        "name one with --column"
                    )
                texts.append(value)
    elif suffix in (".csv", ".tsv"):
        try:
            data = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise InputFileError(f"{path} is not UTF-8 text") from None
        reader = csv.DictReader(io.StringIO(data), delimiter="\t" if suffix == ".tsv" else ",")
        names = list(reader.fieldnames or [])
        wanted = column or ("text" if "text" in names else (names[0] if names else ""))
        if wanted not in names:
            raise InputFileError(
                f"{path} has no column {wanted!r}; its columns: {', '.join(names) or 'none'}"
            )
        texts = [row.get(wanted) or "" for row in reader]
        texts = [t for t in texts if t.strip()]
    else:
        try:
            data = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputFileError(f"{path} is not UTF-8 text") from None
        texts = [line for line in data.splitlines() if line.strip()]
    if not texts:
        raise InputFileError(f"{path} holds no text")
    return texts


IMAGE_MOST = 20 * 1024 * 1024
"""An image sent for moderation is at most this large."""
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def image_url(where: str) -> str:
    """An image for the moderation endpoint: a URL as it is, a file as a data URL
    (OSError when it cannot be read, InputFileError when it is not an image)."""
    import base64

    if where.startswith(("http://", "https://", "data:image/")):
        return where
    path = Path(where).expanduser()
    size = regular_size(path)
    if size > IMAGE_MOST:
        raise InputFileError(f"{where} is {size / 1e6:,.1f} MB: an image is at most 20 MB")
    data = path.read_bytes()
    kind = next((k for magic, k in _MAGIC if data.startswith(magic)), None)
    if kind is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = "image/webp"
    if kind is None:
        raise InputFileError(f"{where} is not an image (PNG, JPEG, GIF or WebP)")
    return f"data:{kind};base64," + base64.b64encode(data).decode("ascii")


def moderation_inputs(text: str) -> list[tuple[str, list[str]]]:
    """(the text, its images) of each line of the moderation tool: a line
    `image: PATH_OR_URL` adds an image to the line before it (or stands alone)."""
    found: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.lower().startswith("image:"):
            url = image_url(line.split(":", 1)[1].strip())
            if found:
                found[-1][1].append(url)
            else:
                found.append(("", [url]))
            continue
        found.append((line, []))
    return found


def read_named(where: str) -> tuple[str, list[str]]:
    """(the file, its texts) of `PATH` or `PATH:COLUMN` as typed (see `read_texts`)."""
    path, column = where, None
    if ":" in where and not Path(where).expanduser().exists():
        path, _, column = where.rpartition(":")
    return path, read_texts(Path(path).expanduser(), column or None)
