"""The failures the UI may meet, named for it: screens and widgets reach the API and the
store only through core (an import contract says so), and catch what core's calls raise
from here. Each is the API's or the store's own class, so nothing is converted."""

from __future__ import annotations

from tui.api.errors import (
    APIError,
    AuthenticationError,
    NotFoundError,
    PagingStopped,
    PermissionDeniedError,
    RateLimitError,
)
from tui.store.errors import StoreError, cause_of
from tui.store.presets import PresetExists

__all__ = [
    "APIError",
    "AuthenticationError",
    "NotFoundError",
    "PagingStopped",
    "PermissionDeniedError",
    "PresetExists",
    "RateLimitError",
    "StoreError",
    "cause_of",
]
