"""The last inputs of each playground tool (a prompt, a set of texts), newest first, so
that what was tried comes back after a restart (alt+up/down in the tool, or `history`)."""

from __future__ import annotations

import sqlite3
import time

KEEP = 50
"""Inputs kept per tool."""
MIGRATIONS: list[str] = [
    """
    CREATE TABLE playground_history (
        id INTEGER PRIMARY KEY,
        tool TEXT NOT NULL,
        text TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX playground_history_tool ON playground_history (tool, id);
    """
]
"""The playground's own tables, in order."""


class History:
    """Reads and writes the tools' inputs on an open connection (see `db.open_store`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def add(self, tool: str, text: str) -> None:
        """Keep an input (the same one again moves to the front); the oldest past KEEP go."""
        self.db.execute("DELETE FROM playground_history WHERE tool = ? AND text = ?", (tool, text))
        self.db.execute(
            "INSERT INTO playground_history (tool, text, at) VALUES (?, ?, ?)",
            (tool, text, time.time()),
        )
        self.db.execute(
            "DELETE FROM playground_history WHERE tool = ? AND id NOT IN "
            "(SELECT id FROM playground_history WHERE tool = ? ORDER BY id DESC LIMIT ?)",
            (tool, tool, KEEP),
        )

    def recent(self, tool: str, limit: int = KEEP) -> list[str]:
        """The tool's inputs, newest first."""
        rows = self.db.execute(
            "SELECT text FROM playground_history WHERE tool = ? ORDER BY id DESC LIMIT ?",
            (tool, limit),
        ).fetchall()
        return [row[0] for row in rows]
