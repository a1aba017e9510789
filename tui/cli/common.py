"""What every command family of `loom` shares: the parser that says a bad argument in one
line, the checks of values (ports, rates, counts, URLs, names), the options that work
before or after a command, writing outside text safely, the settings, and the one rule
from what went wrong to an exit status."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from tui.config import Settings

BAD_USE = 2
"""Exit status for a bad argument, an unreadable file: what the user typed is at fault."""
FAILED = 1
"""Exit status for what failed on the way (the server, the store)."""

Run = Callable[[argparse.Namespace], int]
Options = Callable[[argparse.ArgumentParser], None]
"""Adds the global options to a command's parser (see `global_options`)."""


class Parser(argparse.ArgumentParser):
    """argparse, with one line for a bad argument instead of a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(BAD_USE, f"{self.prog}: {message} (see {self.prog} --help)\n")


# --- values ----------------------------------------------------------------------------


def port(text: str) -> int:
    """A TCP port, 0 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0-65535)")
    return value


def at_least_zero(kind: type[int] | type[float], what: str) -> Callable[[str], float]:
    """A checker for a count or a rate: a finite number, 0 or more."""

    def check(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not math.isfinite(value) or value < 0:
            raise argparse.ArgumentTypeError(f"{text!r} should be 0 or more")
        return value

    return check


rate = at_least_zero(float, "a number")
count = at_least_zero(int, "a whole number")


def integer(text: str) -> int:
    """Any whole number."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def url(text: str) -> str:
    """An API base URL, checked as settings check it."""
    from tui.config import BadSetting, check_base_url

    try:
        return check_base_url(text, name="URL")
    except BadSetting as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("URL: ")) from None


def name(text: str) -> str:
    """A name (a profile, a model): something, and no control characters."""
    from tui.core.text import strip_controls

    if not text.strip() or strip_controls(text) != text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a usable name")
    return text.strip()


# --- the options of every command ------------------------------------------------------


def global_options(parser: argparse.ArgumentParser, *, suppress: bool = True) -> None:
    """Options that work before or after a command (`loom --data-dir X export 1` and
    `loom export 1 --data-dir X`). On a command's parser they default to SUPPRESS, so a
    value given before the command is not reset."""
    default: dict[str, object] = {"default": argparse.SUPPRESS} if suppress else {}
    flag: dict[str, object] = {"default": argparse.SUPPRESS} if suppress else {"default": False}
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the built-in simulator on 127.0.0.1 (no key, no network) and keep its "
        "conversations apart from yours",
        **flag,  # type: ignore[arg-type]
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where conversations are kept (default: $LOOM_DATA_DIR or the XDG data folder)",
        **default,  # type: ignore[arg-type]
    )
    parser.add_argument(
        "--profile",
        type=name,
        metavar="NAME",
        help="a profile of the config file (default: $LOOM_PROFILE, the last one picked, "
        "or the config's default_profile)",
        **default,  # type: ignore[arg-type]
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="the config file (default: $LOOM_CONFIG or config.toml in the XDG config folder)",
        **default,  # type: ignore[arg-type]
    )


# --- writing ---------------------------------------------------------------------------


def out(text: str) -> None:
    """Write outside text to stdout, with no terminal control sequences."""
    from tui.core.text import safe

    sys.stdout.write(safe(text))


def err(text: str) -> None:
    """Write a line to stderr, with no terminal control sequences."""
    from tui.core.text import safe

    sys.stderr.write(safe(text) + "\n")


def settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment and the flags; their secrets are masked from then on."""
    from tui.config import Settings
    from tui.core.text import SECRETS

    loaded = Settings.load(
        base_url=getattr(args, "base_url", None),
        model=getattr(args, "model", None),
        demo=args.demo,
        data_dir=args.data_dir,
        profile=args.profile,
        config=args.config,
    )
    for secret in loaded.secrets():
        SECRETS.add(secret)
    if loaded.config_problem and args.command not in (None, "config"):
        err(f"loom: {loaded.config_problem} (going on with the defaults)")
    return loaded


def exit_status(error: BaseException, command: str) -> int:
    """The one rule from what went wrong to what `loom` says and its exit status: a bad
    setting is the user's to fix (2); the API or the store failing is said in one line
    (1); anything else is a crash report (1), never a traceback."""
    import sqlite3

    from tui.config import BadSetting

    if isinstance(error, BadSetting):
        err(f"loom: {error}")
        return BAD_USE
    from tui.api.errors import APIError
    from tui.store.errors import StoreError

    if isinstance(error, APIError | StoreError):
        err(f"loom {command}: {error}")
        return FAILED
    if isinstance(error, sqlite3.Error):
        from pathlib import Path

        from tui.store.db import explain

        err(f"loom: {explain(error, Path('the database'))}")
        return FAILED
    import traceback

    from tui.core.crash import report

    err(report(error, "".join(traceback.format_exception(error))))
    return FAILED
