"""Watched fine-tuning jobs: which jobs on which server the user follows, and the status
last seen, so that following resumes after a restart (and a change meanwhile is told)."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WatchedJob:
    """One job being watched."""

    server: str
    job_id: str
    status: str
    added: float


class WatchedJobs:
    """Reads and writes the watched jobs on an open connection (see `db.open_store`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def jobs(self, server: str) -> list[WatchedJob]:
        """The jobs watched on `server`, oldest first."""
        rows = self.db.execute(
            "SELECT server, job_id, status, added FROM watched_job WHERE server = ? "
            "ORDER BY added, job_id",
            (server,),
        ).fetchall()
        return [WatchedJob(*row) for row in rows]

    def keep(self, server: str, job_id: str, status: str) -> None:
        """Watch a job (or note its new status)."""
        self.db.execute(
            "INSERT INTO watched_job (server, job_id, status, added) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(server, job_id) DO UPDATE SET status = excluded.status",
            (server, job_id, status, time.time()),
        )

    def forget(self, server: str, job_id: str) -> None:
        """Stop watching a job."""
        self.db.execute("DELETE FROM watched_job WHERE server = ? AND job_id = ?", (server, job_id))
