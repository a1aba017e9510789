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
    """A read or write failed after start-up; the message says what, where and what to do.

    `doing` is the work that failed ("saving the reply"), `cause` why, with the file and the
    fix: many kinds of work fail for one cause, and the user is told the cause once."""

    def __init__(self, doing: str, cause: str) -> None:
        super().__init__(f"{doing} failed: {cause}")
        self.doing = doing
        self.cause = cause


def cause_of(error: StoreError) -> str:
    """Why the store fails, without which piece of work found out."""
    return error.cause if isinstance(error, StoreFailure) else str(error)


class PresetExists(ValueError):
    """Another preset already has that name."""
