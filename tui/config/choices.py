"""What the user picks in the app (theme, model, profile), kept between sessions.

Written by Loom with tomli-w to `choices.toml` in the state folder, apart from the user's
own config file (whose comments a rewrite would lose). A pick in the app is the newest word
on the matter, so it wins over `config.toml`; `loom config show` says where each value
comes from.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

FILE = "choices.toml"


@dataclass(slots=True)
class Choices:
    """The picks: a theme, the profile last used, a default model per profile, low-bandwidth
    mode."""

    theme: str | None = None
    profile: str | None = None
    models: dict[str, str] = field(default_factory=dict)
    """Profile name ("" without a profile) to the model picked last."""
    low_bandwidth: bool | None = None
    """Low-bandwidth mode, as last turned on or off in the app."""
    offered_low_bandwidth: bool = False
    """Whether Loom has offered low-bandwidth mode (over SSH: once)."""


def read_choices(path: Path) -> Choices:
    """The saved picks; none when the file is missing or unreadable (it is only a memory)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return Choices()
    models = data.get("models")
    low_bandwidth = data.get("low_bandwidth")
    return Choices(
        theme=data["theme"] if isinstance(data.get("theme"), str) else None,
        profile=data["profile"] if isinstance(data.get("profile"), str) else None,
        models={str(k): str(v) for k, v in models.items()} if isinstance(models, dict) else {},
        low_bandwidth=low_bandwidth if isinstance(low_bandwidth, bool) else None,
        offered_low_bandwidth=data.get("offered_low_bandwidth") is True,
    )


def write_choices(path: Path, choices: Choices) -> None:
    """Save the picks (atomically: a crash mid-write leaves the old file). OSError if the
    folder cannot be written."""
    data: dict[str, object] = {}
    if choices.theme:
        data["theme"] = choices.theme
    if choices.profile:
        data["profile"] = choices.profile
    if choices.models:
        data["models"] = dict(choices.models)
    if choices.low_bandwidth is not None:
        data["low_bandwidth"] = choices.low_bandwidth
    if choices.offered_low_bandwidth:
        data["offered_low_bandwidth"] = True
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    try:
        temporary.write_text(
            "# Written by Loom: what you picked in the app. Edit config.toml instead.\n"
            + tomli_w.dumps(data),
            encoding="utf-8",
        )
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()
