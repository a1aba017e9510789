"""Watched objects (fine-tuning jobs, batches, runs): which ones on which server the user
follows, of what kind, and the status last seen, so that following resumes after a
restart (and a change meanwhile is told)."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

FINE_TUNING_JOB = "fine-tuning job"
"""The kind of the objects watched before kinds were kept (schema 7)."""


@dataclass(frozen=True, slots=True)
class WatchedJob:
    """One object being watched."""

    server: str
    job_id: str
    status: str
    added: float
    kind: str = FINE_TUNING_JOB


class WatchedJobs:
    """Reads and writes the watched jobs on an open connection (see `db.open_store`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def jobs(self, server: str, kind: str = FINE_TUNING_JOB) -> list[WatchedJob]:
        """The objects of `kind` watched on `server`, oldest first."""
        rows = self.db.execute(
            "SELECT server, job_id, status, added, kind FROM watched_job "
            "WHERE server = ? AND kind = ? ORDER BY added, job_id",
            (server, kind),
        ).fetchall()
        return [WatchedJob(*row) for row in rows]

    def keep(self, server: str, job_id: str, status: str, kind: str = FINE_TUNING_JOB) -> None:
        """Watch an object (or note its new status)."""
        self.db.execute(
            "INSERT INTO watched_job (server, job_id, status, added, kind) "
            "VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(server, kind, job_id) DO UPDATE SET status = excluded.status",
            (server, job_id, status, time.time(), kind),
        )

    def forget(self, server: str, job_id: str, kind: str = FINE_TUNING_JOB) -> None:
        """Stop watching an object."""
        self.db.execute(
            "DELETE FROM watched_job WHERE server = ? AND kind = ? AND job_id = ?",
            (server, kind, job_id),
        )
