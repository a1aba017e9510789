"""The store's errors, importable without loading SQLite (the first frame does not need it)."""

from __future__ import annotations


class StoreError(Exception):
    """The database cannot be used; the message says why and what to do."""


class StoreCorrupt(StoreError):
    """The file is not a usable SQLite database."""


class StoreLocked(StoreError):
    """Another process holds the database."""


class StoreTooNew(StoreError):
    """The database was written by a newer Loom; it is left untouched."""


class StoreFailure(StoreError):
    """A read or write failed after start-up; the message says what, where and what to do."""
