"""Every place Loom reads or writes, following the XDG base directories on Linux (and the
platform's own folders elsewhere); each can be moved with an environment variable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP = "loom"


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/loom` (themes, the config file)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False))


def config_path(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The config file: `--config`, then `LOOM_CONFIG`, then `config.toml` in the config
    folder."""
    chosen = explicit or _env(environ).get("LOOM_CONFIG")
    if chosen:
        return Path(chosen).expanduser()
    return config_dir(environ) / "config.toml"


def data_dir(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """Where Loom keeps its data: `--data-dir`, then `LOOM_DATA_DIR`, then the platform's
    data directory (`$XDG_DATA_HOME/loom` on Linux)."""
    chosen = explicit or _env(environ).get("LOOM_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`$LOOM_STATE_DIR`, else the platform's state folder (`$XDG_STATE_HOME/loom`): crash
    reports, and the choices made in the app (theme, model, profile)."""
    chosen = _env(environ).get("LOOM_STATE_DIR")
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir(APP, appauthor=False))


def themes_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The user's own theme files."""
    return config_dir(environ) / "themes"
