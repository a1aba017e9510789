"""Organisation usage as the server gave it, per query: switching views, or coming back to
the screen, shows it again without asking (for ten minutes; then it is asked again)."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

FRESH_SECONDS = 600.0
MIGRATIONS: list[str] = []
"""The usage area's own migrations: none yet (its table came with schema 7 of the
store, before areas had theirs)."""


class UsageCache:
    """Reads and writes kept usage pages on an open connection (see `db.open_store`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def get(self, key: str, fresh: float = FRESH_SECONDS) -> list[dict[str, Any]] | None:
        """The buckets kept for `key`, if fetched less than `fresh` seconds ago."""
        row = self.db.execute(
            "SELECT pages FROM usage_cache WHERE key = ? AND fetched_at > ?",
            (key, time.time() - fresh),
        ).fetchone()
        if row is None:
            return None
        try:
            found = json.loads(row[0])
        except ValueError:
            return None
        return found if isinstance(found, list) else None

    def put(self, key: str, buckets: list[dict[str, Any]]) -> None:
        """Keep the buckets fetched for `key`."""
        self.db.execute(
            "INSERT OR REPLACE INTO usage_cache (key, fetched_at, pages) VALUES (?, ?, ?)",
            (key, time.time(), json.dumps(buckets)),
        )
