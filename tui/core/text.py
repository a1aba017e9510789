"""Text from outside made safe: terminal control sequences removed, secrets redacted.

Anything Loom did not write — server text, model ids, titles, file contents, exception
messages, imported data — passes through `strip_controls` before it reaches a terminal or
a file, and through `redact` before it is shown, stored, exported or logged.
"""

from __future__ import annotations

import re
import threading

_CONTROLS = re.compile(
    r"""
      \x1b\[[0-?]*[ -/]*[@-~]                    # CSI: colours, cursor moves, 2J
    | \x9b[0-?]*[ -/]*[@-~]                      # the same, as one C1 character
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])    # OSC (52 clipboard, 0 title, 8 links),
      [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)       #   DCS, SOS, PM, APC: up to BEL or ST
    | \x1b[ -/]*[0-~]                            # any other escape sequence; an unended
                                                 #   OSC or DCS loses its introducer
    | [\x00-\x08\x0b-\x1f\x7f-\x9f]              # other C0 (tab and newline stay), DEL, C1
    """,
    re.VERBOSE,
)
_ANY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """`text` with every terminal control sequence and control character removed, except
    newline and tab: safe to print, to write to a file, or to show in a widget."""
    if _ANY_CONTROL.search(text) is None:
        return text
    return _CONTROLS.sub("", text)


MIN_SECRET = 6
"""Shorter values are not redacted: a one-letter test key would otherwise blank every
"k" in every text."""


def mask(secret: str | None) -> str:
    """A secret as it may be shown: its `sk-` style prefix and last four characters."""
    if not secret:
        return "(none)"
    if len(secret) <= 8:
        return "…" + secret[-2:]
    head = secret.split("-", 1)[0] + "-" if "-" in secret[:12] else ""
    return f"{head}…{secret[-4:]}"


class Secrets:
    """The secrets this process knows (API keys, admin keys); `redact` hides each one."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        """Remember a secret so that every later `redact` hides it."""
        if not secret or len(secret) < MIN_SECRET or secret in self._values:
            return
        with self._lock:
            self._values[secret] = mask(secret)
            # Longest first, so a key that contains another is hidden whole.
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(value) for value in ordered))

    def redact(self, text: str) -> str:
        """`text` with every known secret replaced by its masked form, and every value that
        looks like a key (`sk-…`, a bearer token) masked too, known or not: servers echo
        keys Loom was never told about (a proxy's, an admin key in a header)."""
        if not text:
            return text
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(lambda match: self._values[match.group(0)], text)
        if "sk-" in text or "earer " in text:
            text = LOOKS_LIKE_A_KEY.sub(_mask_match, text)
        return text

    def __contains__(self, secret: object) -> bool:
        return secret in self._values


LOOKS_LIKE_A_KEY = re.compile(
    r"(?<![A-Za-z0-9_-])(sk-[A-Za-z0-9_-]{16,})|((?<=[Bb]earer )[A-Za-z0-9._~+/=-]{16,})"
)
"""An OpenAI-style key (`sk-`, `sk-proj-`, `sk-admin-`, OpenRouter's `sk-or-v1-`, …) or a
bearer token, as a server may echo it."""


def _mask_match(match: re.Match[str]) -> str:
    value = match.group(0)
    return value if value.startswith("…") else mask(value)


SECRETS = Secrets()
"""The process's secrets: config and the services add keys as they learn them."""


def redact(text: str) -> str:
    """`text` with every secret this process knows masked."""
    return SECRETS.redact(text)


def safe(text: str) -> str:
    """Outside text made ready to show or write: secrets masked, controls removed."""
    return strip_controls(SECRETS.redact(text))


def size_words(size: int | float) -> str:
    """A number of bytes as people read it: 812 bytes, 56.8 KB, 1.2 GB."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size):,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"


def moment(timestamp: float | None, fmt: str = "%Y-%m-%d %H:%M", *, utc: bool = False) -> str:
    """A Unix time as text in local time (or UTC): a dash for none, "?" for a time no clock
    can show (a server's date in the year 3 million: never an OverflowError or EOVERFLOW)."""
    import time

    if not timestamp:
        return "–"
    try:
        return time.strftime(fmt, time.gmtime(timestamp) if utc else time.localtime(timestamp))
    except (OverflowError, OSError, ValueError):
        return "?"
