"""The threads Loom knows, per server: the API cannot list threads, so every thread Loom
makes or is given (`loom assistants show THREAD_ID`) is kept here with its assistant and a
title, newest first."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

MIGRATIONS: list[str] = [
    """
    CREATE TABLE assistant_thread (
        server TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        assistant_id TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        seen REAL NOT NULL,
        PRIMARY KEY (server, thread_id)
    );
    """
]
"""The area's own tables, in order."""


@dataclass(frozen=True, slots=True)
class KnownThread:
    """A thread Loom knows of."""

    thread_id: str
    assistant_id: str
    title: str
    seen: float


class KnownThreads:
    """Reads and writes the known threads on an open connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def keep(self, server: str, thread_id: str, assistant_id: str = "", title: str = "") -> None:
        """Remember a thread (again: its assistant and title updated when given)."""
        self.db.execute(
            "INSERT INTO assistant_thread (server, thread_id, assistant_id, title, seen) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (server, thread_id) DO UPDATE SET "
            "assistant_id = CASE WHEN excluded.assistant_id != '' THEN excluded.assistant_id "
            "ELSE assistant_id END, title = CASE WHEN excluded.title != '' THEN excluded.title "
            "ELSE title END, seen = excluded.seen",
            (server, thread_id, assistant_id, title, time.time()),
        )

    def forget(self, server: str, thread_id: str) -> None:
        self.db.execute(
            "DELETE FROM assistant_thread WHERE server = ? AND thread_id = ?", (server, thread_id)
        )

    def known(self, server: str) -> list[KnownThread]:
        """This server's threads, the last seen first."""
        rows = self.db.execute(
            "SELECT thread_id, assistant_id, title, seen FROM assistant_thread "
            "WHERE server = ? ORDER BY seen DESC",
            (server,),
        ).fetchall()
        return [KnownThread(*row) for row in rows]
