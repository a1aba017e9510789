"""Counting the tokens of text Loom has not sent yet (a training file, a batch's input)."""

from __future__ import annotations

from collections.abc import Callable


def token_counter() -> tuple[Callable[[str], int], bool]:
    """A function counting tokens, and whether it counts exactly (tiktoken's o200k_base
    encoding, when installed and loadable without waiting on the network) or estimates."""
    try:
        import tiktoken  # type: ignore[import-not-found,unused-ignore]

        encoding = tiktoken.get_encoding("o200k_base")
    except Exception:  # not installed, or its encoding file cannot be fetched here
        return (lambda text: (len(text) + 3) // 4), False
    return (lambda text: len(encoding.encode(text, disallowed_special=()))), True
