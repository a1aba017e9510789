"""The model lists servers gave, kept per server: the browser shows the last one at once and
asks again in the background (and a server that fails to list still leaves it usable).
Also how often each model was used here, from the conversations."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CachedModels:
    """A server's model list as it came, and when."""

    server: str
    fetched_at: float
    models: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ModelUse:
    """How often a model replied here, and when last."""

    model: str
    replies: int
    last_used: float


class ModelCache:
    """Reads and writes cached model lists on an open connection (see `db.open_store`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def get(self, server: str) -> CachedModels | None:
        """The last list `server` gave, if any."""
        row = self.db.execute(
            "SELECT fetched_at, models FROM model_cache WHERE server = ?", (server,)
        ).fetchone()
        if row is None:
            return None
        try:
            models = json.loads(row[1])
        except ValueError:
            return None
        return CachedModels(server, row[0], models if isinstance(models, list) else [])

    def put(self, server: str, models: list[dict[str, Any]]) -> None:
        """Keep the list `server` just gave."""
        self.db.execute(
            "INSERT INTO model_cache (server, fetched_at, models) VALUES (?, ?, ?) "
            "ON CONFLICT(server) DO UPDATE SET fetched_at = excluded.fetched_at, "
            "models = excluded.models",
            (server, time.time(), json.dumps(models)),
        )

    def uses(self) -> dict[str, ModelUse]:
        """Replies per model in every stored conversation."""
        rows = self.db.execute(
            "SELECT model, COUNT(*), MAX(created) FROM message "
            "WHERE role = 'assistant' AND model IS NOT NULL AND model != '' GROUP BY model"
        ).fetchall()
        return {row[0]: ModelUse(row[0], row[1], row[2]) for row in rows}
