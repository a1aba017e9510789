"""What a fine-tuning job leaves and reads: its result files (a metrics CSV, which the API
serves base64-encoded) and the facts of its training and validation files."""

from __future__ import annotations

import base64
import binascii
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.text import safe

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.areas.fine_tuning.api.schemas import FineTuningJob

COUNT_LINES_UP_TO = 5 * 1024 * 1024
"""Files up to this size are fetched to count their lines."""


def decoded(raw: bytes) -> bytes:
    """A result file's content: base64 (as OpenAI serves it) decoded, else as it came."""
    compact = raw.strip()
    if compact[:5].lower() == b"step,":
        return raw
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return raw


def parse_metrics(raw: bytes) -> list[list[str]]:
    """A metrics CSV as rows (the first is the header); outside text made safe."""
    text = decoded(raw).decode("utf-8", "replace")
    return [[safe(cell) for cell in row] for row in csv.reader(io.StringIO(text)) if row]


async def metrics_table(client: OpenAIClient, file_id: str) -> list[list[str]]:
    """The rows of a job's result file."""
    return parse_metrics(await client.files.content(file_id))


async def save_result_files(client: OpenAIClient, job: FineTuningJob, folder: Path) -> list[Path]:
    """Write the job's result files into `folder` (decoded); the paths written. The names
    are made from the job's id and the file's name as slugs: a server chooses no path."""
    import asyncio

    from tui.core.safe_files import slug, write_inside

    saved = []
    for file_id in job.result_files:
        info = await client.files.retrieve(file_id)
        content = decoded(await client.files.content(file_id))
        name = slug(f"{job.id}-{info.filename or file_id}", fallback=slug(file_id, "result"))
        saved.append(await asyncio.to_thread(write_inside, folder, name, content))
    return saved


@dataclass(frozen=True, slots=True)
class FileFacts:
    """A training or validation file as the details show it."""

    id: str
    name: str
    size: int
    lines: int | None
    """Counted for files up to COUNT_LINES_UP_TO; None above."""
    problem: str | None = None


async def file_facts(client: OpenAIClient, file_id: str) -> FileFacts:
    """Name, size and lines of an uploaded file (the problem, if it cannot be read)."""
    from tui.api.errors import APIError

    try:
        info = await client.files.retrieve(file_id)
    except APIError as error:
        return FileFacts(file_id, "", 0, None, safe(str(error)))
    lines = None
    if 0 < info.bytes <= COUNT_LINES_UP_TO:
        try:
            content = await client.files.content(file_id)
        except APIError:
            content = None
        if content is not None:
            lines = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
    return FileFacts(file_id, safe(info.filename), info.bytes, lines)
