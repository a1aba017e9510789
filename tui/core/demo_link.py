"""The simulator of a running `loom --demo` app, found by the demo's commands for scripts:
`loom --demo fine-tuning watch ID` follows the very jobs the app shows (a simulator of its
own would hold jobs of the same names at other moments, and none the user made). The app
writes where its simulator listens into the demo's state folder and removes it when it
stops; a file left by an app that died names a process that is gone, and is ignored."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from tui.config import Settings

FILE = "simulator.json"


def _path(settings: Settings) -> Path | None:
    return None if settings.choices_path is None else settings.choices_path.parent / FILE


def publish(settings: Settings, base_url: str) -> None:
    """Say where this app's simulator listens (best effort: a demo that cannot write it
    still runs)."""
    path = _path(settings)
    if path is None:
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"base_url": base_url, "pid": os.getpid()}), "utf-8")


def withdraw(settings: Settings) -> None:
    """The app's simulator stops: forget where it was (if this app wrote it)."""
    path = _path(settings)
    if path is None or running(settings) is None:
        return
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text("utf-8")).get("pid") == os.getpid():
            path.unlink()


def running(settings: Settings) -> str | None:
    """The base URL of a running demo app's simulator on this machine, if there is one."""
    path = _path(settings)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
        pid, base_url = int(data["pid"]), str(data["base_url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not base_url.startswith(("http://127.", "http://[::1]", "http://localhost")):
        return None  # the simulator listens on loopback only; anything else is not ours
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's: its loopback server is still reachable
    return base_url
