"""The failures the UI may meet, named for it: screens and widgets reach the API and the
store only through core (an import contract says so), and catch what core's calls raise
from here. Each is the API's or the store's own class, so nothing is converted; none of
them loads httpx or SQLite (the chat screen imports them before the first frame)."""

from __future__ import annotations

from tui.api.errors import (
    APIError,
    AuthenticationError,
    NotFoundError,
    PagingStopped,
    PermissionDeniedError,
    RateLimitError,
    StreamInterruptedError,
)
from tui.store.errors import PresetExists, StoreError, cause_of

__all__ = [
    "APIError",
    "AuthenticationError",
    "NotFoundError",
    "PagingStopped",
    "PermissionDeniedError",
    "PresetExists",
    "RateLimitError",
    "StoreError",
    "StreamInterruptedError",
    "cause_of",
]
