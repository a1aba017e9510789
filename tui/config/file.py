"""The config file: `config.toml`, read with tomllib and checked with pydantic.

A file that cannot be used is never a reason not to start: `read_config` returns what is
wrong as one message naming the file, the line, the field and what to write instead, and
the caller goes on with the defaults.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
import re
import shlex
import stat
import subprocess
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


CACHE = "config-checked.json"
"""The last config file found valid, as plain data, by its SHA-256 (in the state folder)."""


@dataclass(slots=True)
class Loaded:
    """The config as read: the file's content (checked, every default filled in, as plain
    data), or the defaults and what was wrong."""

    path: Path
    data: dict[str, Any]
    exists: bool
    problem: str | None = None


class ConfigProblem(ValueError):
    """Something in the config cannot be used; the message names where and what to do."""


def read_config(path: Path, cache: Path | None = None) -> Loaded:
    """The config file at `path` (the defaults when there is none, or it is broken).

    A file checked before and unchanged since (same bytes) is taken from `cache` without
    loading pydantic."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Loaded(path, defaults(), exists=False)
    except OSError as error:
        return Loaded(path, defaults(), True, f"{path}: cannot be read ({error.strerror})")
    digest = hashlib.sha256(raw).hexdigest()
    cached = _from_cache(cache, digest)
    if cached is not None:
        return Loaded(path, cached, True)
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        return Loaded(path, defaults(), True, f"{path}: not UTF-8 text; save it as UTF-8")
    except tomllib.TOMLDecodeError as error:
        return Loaded(
            path,
            defaults(),
            True,
            f"{path}: not valid TOML: {error}. Check the quotes and brackets on that line.",
        )
    from pydantic import ValidationError

    from tui.config.schema import ConfigFile

    try:
        checked = ConfigFile.model_validate(data).model_dump()
    except ValidationError as error:
        return Loaded(path, defaults(), True, explain_validation(error, text, path))
    _to_cache(cache, digest, checked)
    return Loaded(path, checked, True)


def defaults() -> dict[str, Any]:
    """The config of an empty file, as plain data."""
    return {
        "default_profile": None,
        "theme": None,
        "profiles": {},
        "chat": {"model": None, "system_prompt": "", "params": {}},
        "prices": {},
        "models": {},
        "ui": {
            "cursor_blink": False,
            "low_bandwidth": None,
            "terminal_erase": "auto",
            "glyphs": "auto",
        },
        "ledger": {"enabled": True, "keep_bodies": False},
        "keymap": {},
    }


def _from_cache(cache: Path | None, digest: str) -> dict[str, Any] | None:
    if cache is None:
        return None
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("sha256") != digest:
        return None
    data = stored.get("config")
    return data if isinstance(data, dict) else None


def _to_cache(cache: Path | None, digest: str, data: dict[str, Any]) -> None:
    if cache is None:
        return
    with contextlib.suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"sha256": digest, "config": data}), encoding="utf-8")
        cache.chmod(0o600)  # it may hold a key written in the config


def explain_validation(error: ValidationError, text: str, path: Path) -> str:
    """The first problem of a config, as `file:line: field: what is wrong; what to write`."""
    first = error.errors()[0]
    where = [str(part) for part in first["loc"]]
    line = _line_of(text, where)
    field = ".".join(where)
    place = f"{path}:{line}" if line else str(path)
    return f"{place}: {field}: {_advice(first, where)}"


def _advice(error: Mapping[str, Any], where: list[str]) -> str:
    from pydantic import BaseModel

    from tui.config.schema import (
        ChatDefaults,
        ConfigFile,
        LedgerSettings,
        ModelFact,
        Price,
        Profile,
        Ui,
    )

    kind = error["type"]
    if kind == "extra_forbidden":
        known: dict[str, type[BaseModel]] = {
            "profiles": Profile,
            "chat": ChatDefaults,
            "prices": Price,
            "models": ModelFact,
            "ledger": LedgerSettings,
            "ui": Ui,
        }
        model = known.get(where[0], ConfigFile) if len(where) > 1 else ConfigFile
        options = list(model.model_fields)
        close = difflib.get_close_matches(where[-1], options, n=1)
        hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(options)}"
        return f"not a setting Loom knows; {hint}"
    examples = {
        "string_type": 'write text in quotes, like "value"',
        "float_parsing": "write a number, like 30",
        "float_type": "write a number, like 30",
        "int_parsing": "write a whole number, like 2",
        "int_type": "write a whole number, like 2",
        "bool_type": "write true or false",
        "bool_parsing": "write true or false",
        "dict_type": "write a table ([section] or { key = value })",
        "missing": "this is required here",
    }
    message = str(error["msg"]).removeprefix("Value error, ")
    example = examples.get(kind)
    return f"{message}; {example}" if example else message


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


def _split(dotted: str) -> list[str]:
    """`profiles."my.server".base_url` as its parts (dots inside quotes stay)."""
    parts, current, quote = [], "", ""
    for char in dotted:
        if quote:
            if char == quote:
                quote = ""
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def _line_of(text: str, where: list[str]) -> int | None:
    """The line (1-based) that sets the field at `where`, or the table holding it."""
    table: list[str] = []
    best: tuple[int, int] | None = None  # (matched parts, line)
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            table = _split(header.group(1))
            if table == where[: len(table)] and (best is None or len(table) > best[0]):
                best = (len(table), number)
            continue
        key = _KEY.match(line)
        if key:
            full = table + _split(key.group(1))
            if full == where[: len(full)] and (best is None or len(full) > best[0]):
                best = (len(full), number)
    return best[1] if best else None


# --- secrets ---------------------------------------------------------------------------


class MissingKey(ConfigProblem):
    """A profile's key variable is not set: the profile is fine until it sends a request."""


def resolve_secret(
    profile_name: str,
    what: str,
    *,
    env_name: str | None,
    command: str | None,
    inline: str | None,
    path: Path,
    environ: Mapping[str, str],
) -> str | None:
    """A key given one of three ways; ConfigProblem says what is wrong and what to do."""
    ways = {f"{what}_env": env_name, f"{what}_command": command, what: inline}
    chosen = [name for name, value in ways.items() if value]
    field = f"profiles.{profile_name}.{what}"
    if len(chosen) > 1:
        raise ConfigProblem(f"{path}: {field}: give the key one way only ({', '.join(chosen)})")
    if env_name:
        value = environ.get(env_name)
        if not value:
            raise MissingKey(
                f"{path}: {field}_env names {env_name}, which is not set: export "
                f"{env_name}=… or choose another way to give the key"
            )
        return value
    if command:
        return _run_key_command(command, f"{path}: {field}_command")
    if inline:
        _check_private(path, field)
        return inline
    return None


def _check_private(path: Path, field: str) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigProblem(
            f"{path}: {field}: a key written in the file needs the file to be private; run "
            f"`chmod 600 {shlex.quote(str(path))}`, or use {field}_env / {field}_command"
        )


def _run_key_command(command: str, where: str) -> str:
    try:
        done = subprocess.run(
            command,
            shell=True,
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
            env=dict(os.environ),
        )
    except subprocess.TimeoutExpired:
        raise ConfigProblem(f"{where}: `{command}` did not finish within 15 s") from None
    except OSError as error:
        raise ConfigProblem(f"{where}: `{command}` could not run: {error.strerror}") from None
    if done.returncode != 0:
        said = " ".join(done.stderr.split())[:120]
        raise ConfigProblem(
            f"{where}: `{command}` failed (exit {done.returncode}{': ' + said if said else ''})"
        )
    key = done.stdout.strip().splitlines()[0].strip() if done.stdout.strip() else ""
    if not key:
        raise ConfigProblem(f"{where}: `{command}` printed nothing")
    return key
