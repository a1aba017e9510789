"""What Loom can know about the terminal it runs in, for advice (no Textual here)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping

PLAIN_CONSOLES = ("linux", "vt", "cons", "ansi", "pcansi")
"""TERM values (or their starts) of consoles whose fonts hold a small set of characters."""


def erases_in_colour(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal fills erased cells with the background colour in effect
    (terminfo's `bce`), so blank runs may be erased instead of written (tui.core.wire).

    tmux does (since 2.3), whatever its terminfo entry says; GNU screen does not unless
    told to; elsewhere the terminfo entry of $TERM says, as it does for ncurses."""
    env = os.environ if environ is None else environ
    if env.get("TMUX"):
        return True
    if env.get("STY"):
        return False
    term = env.get("TERM", "")
    if not term or term == "dumb":
        return False
    try:
        import curses

        with open(os.devnull, "wb") as null:
            curses.setupterm(term, null.fileno())
        return curses.tigetflag("bce") > 0 and bool(curses.tigetstr("ech"))
    except Exception:  # no curses, no terminfo entry for $TERM: assume it does not
        return False


def plain_console(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal is a console that draws only a small set of characters (the
    Linux console): Loom's glyphs beyond it are then drawn with ones it has."""
    env = os.environ if environ is None else environ
    term = env.get("TERM", "")
    return term.startswith(PLAIN_CONSOLES)


def tmux_clipboard(environ: Mapping[str, str] | None = None) -> str | None:
    """Inside tmux, its `set-clipboard` option ("on", "external", "off"); None outside.

    Only "on" lets a program's OSC 52 reach the clipboard: tmux's default, "external",
    drops it."""
    env = os.environ if environ is None else environ
    if not env.get("TMUX") or shutil.which("tmux") is None:
        return None
    try:
        shown = subprocess.run(
            ["tmux", "show-options", "-gv", "set-clipboard"],
            capture_output=True,
            text=True,
            timeout=1,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return shown.stdout.strip() or "unknown"


def copy_advice(fallback: str = "", environ: Mapping[str, str] | None = None) -> tuple[str, bool]:
    """What to say after sending text to the clipboard with OSC 52, and whether it is a
    warning (the copy most likely did not arrive). `fallback` names what the screen offers
    instead ("w saves it to a file"), only keys that screen has."""
    setting = tmux_clipboard(environ)
    instead = f" If nothing arrived: {fallback}." if fallback else ""
    if setting is None:
        return (
            "Sent to the terminal's clipboard (OSC 52; most terminals take it, some ask "
            f"first).{instead}",
            False,
        )
    if setting == "on":
        return ("Sent to the clipboard through tmux (set-clipboard on).", False)
    meanwhile = f" Meanwhile {fallback}." if fallback else ""
    return (
        f"tmux drops the copy (set-clipboard is {setting}): add `set -g set-clipboard on` to "
        f"~/.tmux.conf and run `tmux source ~/.tmux.conf`.{meanwhile}",
        True,
    )


def pager_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """The command to show a file with: $PAGER, else less, else more."""
    import shlex

    env = os.environ if environ is None else environ
    chosen = env.get("PAGER") or ("less -R" if shutil.which("less") else "more")
    try:
        return shlex.split(chosen)
    except ValueError:
        return ["more"]


GRAPHICS_PROGRAMS = ("iTerm.app", "WezTerm", "ghostty")
"""$TERM_PROGRAM of terminals that draw images (the Kitty protocol, iTerm2's, or Sixel)."""


def draws_images(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal is one that draws images itself (Kitty, iTerm2, WezTerm,
    Ghostty, foot, mlterm), outside tmux and screen (which pass them on unreliably).
    `LOOM_IMAGES=blocks` says no and `LOOM_IMAGES=graphics` yes, whatever the rest says.
    Only then is the terminal asked which protocol it speaks, before the app starts: a
    terminal that never answers would cost every start the wait."""
    env = os.environ if environ is None else environ
    chosen = env.get("LOOM_IMAGES", "").lower()
    if chosen in ("blocks", "halfblock", "half-block", "no"):
        return False
    if chosen in ("graphics", "yes"):
        return True
    if env.get("TMUX") or env.get("STY") or env.get("TERM", "").startswith(("screen", "tmux")):
        return False
    term = env.get("TERM", "")
    return bool(
        env.get("KITTY_WINDOW_ID")
        or term in ("xterm-kitty", "foot", "foot-extra", "mlterm", "xterm-ghostty")
        or env.get("TERM_PROGRAM") in GRAPHICS_PROGRAMS
    )
