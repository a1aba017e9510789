"""Base URLs as Loom accepts them, checked before anything starts."""

from __future__ import annotations

from urllib.parse import urlsplit


class BadSetting(ValueError):
    """A setting that cannot be used; the message names it and says what to write."""


def check_base_url(text: str, *, name: str = "--base-url") -> str:
    """A base URL as Loom uses it (no trailing slash), or BadSetting saying what is wrong."""
    value = text.strip()
    example = "write it like http://localhost:11434/v1 or https://api.openai.com/v1"
    try:
        parts = urlsplit(value)
        port = parts.port  # raises for a port out of range or not a number
    except ValueError as error:
        raise BadSetting(f"{name}: {text!r} is not a valid URL ({error}); {example}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadSetting(f"{name}: {text!r} is not an http(s) URL with a host; {example}")
    if port == 0 or any(c.isspace() for c in value):
        raise BadSetting(f"{name}: {text!r} is not a usable URL; {example}")
    if parts.query or parts.fragment:
        raise BadSetting(f"{name}: {text!r} has a query or fragment; {example}")
    return value.rstrip("/")
