"""Themes from TOML files: the ones shipped in the package, then the user's own."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

from textual.theme import Theme

DEFAULT_THEME = "loom-dark"


def theme_dirs() -> list[Path]:
    """Folders holding theme files: the installed package's, or the source tree's."""
    here = Path(__file__).resolve().parent
    return [d for d in (here / "themes", here.parent / "themes") if d.is_dir()]


def load_theme(path: Path) -> Theme:
    """One theme file as a Textual theme; unknown keys are an error naming the file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    known = {f.name for f in fields(Theme)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{path}: unknown theme keys {', '.join(unknown)}")
    data.setdefault("name", path.stem)
    return Theme(**data)


def shipped_themes() -> list[Theme]:
    """The themes that come with Loom (first folder wins by name)."""
    seen: dict[str, Theme] = {}
    for folder in theme_dirs():
        for path in sorted(folder.glob("*.toml")):
            theme = load_theme(path)
            seen.setdefault(theme.name, theme)
    return list(seen.values())
