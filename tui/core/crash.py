"""The last line of defence: an unexpected error becomes one line and a crash report.

The report holds the traceback (secrets masked, control sequences removed) in Loom's
state folder; the line names the error and the report, so a user can send it on.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tui.core.text import safe


def crash_dir() -> Path:
    """Where crash reports go: Loom's state folder (see tui.config.paths)."""
    from tui.config.paths import state_dir

    return state_dir()


def report(error: BaseException | str, details: str) -> str:
    """Write a crash report; return the one line to print about it."""
    from tui import __version__

    summary = error if isinstance(error, str) else _summary(error)
    summary = " ".join(safe(summary).split())[:300]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = crash_dir() / f"crash-{stamp}-{os.getpid()}.txt"
    body = (
        f"Loom {__version__} stopped on an unexpected error at {time.ctime()}.\n"
        f"Please report it with the steps that led here.\n\n{summary}\n\n{details}"
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(safe(body), encoding="utf-8")
    except OSError as problem:
        return (
            f"loom: unexpected error: {summary} (the crash report could not be written to "
            f"{path}: {problem.strerror or problem})"
        )
    return f"loom: unexpected error: {summary} — details in {path}"


def _summary(error: BaseException) -> str:
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
