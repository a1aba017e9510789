"""Files Loom writes under a folder of its own (downloads, exports): a name a server or a
user sent is never a path. Names are made into safe slugs, and a target that would
resolve outside its folder (through `..`, an absolute name or a symbolic link) is refused.
Every download and export goes through `write_inside`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 120
"""Characters kept of a name (file systems take 255 bytes; room is left for suffixes)."""


class UnsafePath(OSError):
    """A file would be written outside the folder it belongs in."""


def slug(text: str, fallback: str = "file") -> str:
    """`text` as a file name: letters, digits, `.`, `-` and `_` only, never `.` or `..`,
    never starting with a dot, at most MAX_NAME characters; `fallback` if nothing is left."""
    name = re.sub(r"[.-]{2,}", "-", _UNSAFE.sub("-", text)).strip("-.")
    name = name[:MAX_NAME].strip("-.")
    return name or fallback


def inside(folder: Path, name: str) -> Path:
    """`folder / name`, checked: UnsafePath if it resolves anywhere but directly inside
    `folder` (the name is a slug already; this also catches a symbolic link planted there)."""
    if not name or name != Path(name).name or name in (".", ".."):
        raise UnsafePath(f"{name!r} is not a plain file name")
    base = folder.resolve()
    target = (base / name).resolve()
    if target.parent != base:
        raise UnsafePath(f"{name!r} would be written outside {base}")
    return target


def write_inside(folder: Path, name: str, data: bytes | str) -> Path:
    """Write `data` as `name` directly in `folder` (made if missing), through a temporary
    file and a rename, so a reader never sees half a file; the path written."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with writing_inside(folder, name) as (out, target):
        out.write(raw)
    return target


@contextmanager
def writing_inside(folder: Path, name: str) -> Iterator[tuple[BinaryIO, Path]]:
    """(a file to write, its final path) for `name` directly in `folder`, for what is
    written piece by piece (a download): a temporary file renamed into place when the
    block ends, removed if it fails — a reader never sees half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    target = inside(folder, name)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with open(temporary, "xb") as out:
            yield out, target
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
