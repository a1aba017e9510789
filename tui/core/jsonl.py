"""Reading a JSONL file someone hands Loom (a training file, a batch's input) without
trusting it: only a regular file (a pipe or a device such as /dev/zero never ends), lines
read one at a time and never longer than MAX_LINE, nesting counted before Python's parser
meets it, and every way a line can be bad said in words with its number."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from tui.core.text import size_words

MAX_LINE = 32 * 1024 * 1024
"""The longest line read whole (32 MB: an example with several images in base64); a longer
one is reported and skipped, never held in memory."""
MAX_DEPTH = 200
"""JSON nested deeper than this is reported, not parsed (Python's parser would overflow)."""


def regular_size(path: Path) -> int:
    """The size of a regular file; OSError (with words) for anything else or none."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise OSError(f"{path} is {kind} (a pipe or a device is not read): name a .jsonl file")
    return info.st_size


def too_deep(text: str) -> bool:
    """Whether JSON text nests brackets deeper than MAX_DEPTH (a quick count, strings
    included: a false alarm needs 200 brackets inside strings in a row)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for char in text:
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def raw_lines(file: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(number, bytes or None) of each line; None for a line longer than MAX_LINE, whose
    rest is read past in pieces."""
    number = 0
    while True:
        raw = file.readline(MAX_LINE + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            while True:
                rest = file.readline(MAX_LINE)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, raw


def objects(file: IO[bytes]) -> Iterator[tuple[int, int, dict[str, Any] | None, str | None]]:
    """(number, bytes, object, problem) of each line that is not blank: the JSON object it
    holds, or the words for why it holds none (too long, not UTF-8, too deep, not JSON,
    not an object)."""
    for number, raw in raw_lines(file):
        if raw is None:
            yield number, MAX_LINE, None, f"is longer than {size_words(MAX_LINE)}; skipped"
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, len(raw), None, "is not UTF-8 text"
            continue
        if not text.strip():
            continue
        if too_deep(text):
            yield number, len(raw), None, f"nests more than {MAX_DEPTH} levels deep"
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            yield number, len(raw), None, f"is not JSON ({error.msg} at column {error.colno})"
            continue
        except (ValueError, RecursionError) as error:
            yield number, len(raw), None, f"cannot be read as JSON ({str(error)[:80]})"
            continue
        if not isinstance(value, dict):
            yield number, len(raw), None, "is not a JSON object"
            continue
        yield number, len(raw), value, None
