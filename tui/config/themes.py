"""Theme files: TOML, shipped in `themes/` and the user's own in the config folder.

Read and checked here without Textual (plain data); the app turns them into Textual
themes. A bad file is named with its field and skipped, never a reason not to start.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_THEME = "loom-dark"
SIXTEEN_COLOURS = "loom-ansi"
"""Chosen when the terminal has only 16 colours (and no theme was asked for)."""

COLOURS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
KINDS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    **dict.fromkeys(COLOURS, str),
    "dark": bool,
    "ansi": bool,
    "luminosity_spread": (int, float),
    "text_alpha": (int, float),
    "variables": dict,
}


@dataclass(slots=True)
class ThemeFiles:
    """The themes found (each a dict of Textual Theme fields) and the files refused."""

    themes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def shipped_dirs() -> list[Path]:
    """Folders holding the shipped themes: the installed package's, or the source tree's."""
    here = Path(__file__).resolve().parent.parent
    return [d for d in (here / "themes", here.parent / "themes") if d.is_dir()]


def read_theme(path: Path) -> dict[str, Any]:
    """One theme file, checked; ValueError names the file, the field and what to write."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from None
    for key, value in data.items():
        kind = KINDS.get(key)
        if kind is None:
            known = ", ".join(KINDS)
            raise ValueError(f"{path}: {key}: not a theme setting (known: {known})")
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            wanted = {str: "text in quotes", bool: "true or false", dict: "a [variables] table"}
            what = wanted.get(kind, "a number") if isinstance(kind, type) else "a number"
            raise ValueError(f"{path}: {key}: should be {what}, not {value!r}")
    variables = data.get("variables", {})
    bad = [k for k, v in variables.items() if not isinstance(v, str)]
    if bad:
        raise ValueError(f"{path}: variables.{bad[0]}: should be text in quotes")
    if "primary" not in data:
        raise ValueError(f'{path}: primary: every theme needs one, like primary = "#5FAFD7"')
    data.setdefault("name", path.stem)
    return data


def read_themes(folders: list[Path]) -> ThemeFiles:
    """Every theme of these folders (an earlier folder's theme wins by name)."""
    found = ThemeFiles()
    seen: set[str] = set()
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = read_theme(path)
            except ValueError as error:
                found.problems.append(str(error))
                continue
            if theme["name"] not in seen:
                seen.add(theme["name"])
                found.themes.append(theme)
    return found
