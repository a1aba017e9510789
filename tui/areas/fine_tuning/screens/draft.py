"""What the new-job form keeps between visits: the fields as last typed, and what was
uploaded for them (a file uploaded once is not uploaded again while it is unchanged)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tui.areas.fine_tuning.core.job_request import JobForm

if TYPE_CHECKING:
    from tui.api.uploads import LargeUpload

BASES = (
    "gpt-4o-mini-2024-07-18",
    "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano-2025-04-14",
    "gpt-4.1-2025-04-14",
    "gpt-4o-2024-08-06",
    "o4-mini-2025-04-16",
)
"""Base models OpenAI fine-tunes (any other id may be typed: servers differ)."""


@dataclass
class Draft:
    """The form as last typed, and what was uploaded for it."""

    form: JobForm = field(default_factory=JobForm)
    uploaded: dict[tuple[str, int, int], str] = field(default_factory=dict)
    """(path, size, mtime) of a local file -> the id of its upload."""
    partial: dict[str, LargeUpload] = field(default_factory=dict)
    """A large upload on its way, by path: sent again, it goes on where it stopped."""


def local_file(text: str) -> tuple[Path, tuple[str, int, int]]:
    """A local file named in a field, and its stamp."""
    path = Path(text).expanduser()
    return path, stamp(path)


def stamp(path: Path) -> tuple[str, int, int]:
    """A file's path, size and time of change: unchanged, its upload is reused."""
    stat = path.stat()
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
