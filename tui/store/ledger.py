"""Loom's own ledger: one row per request Loom made (any server, any key), and an hourly
roll-up kept as rows are added, so that a chart over months sums hours, not requests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GROUPS = ("model", "endpoint", "profile", "server")
"""What the ledger can be grouped by."""
FIGURES = ("requests", "errors", "prompt_tokens", "cached_tokens", "completion_tokens", "cost")


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One request, as the ledger keeps it."""

    at: float
    server: str
    profile: str
    method: str
    endpoint: str
    model: str
    status: int | None
    request_id: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cached_tokens: int | None
    latency: float
    ttft: float | None
    cost: float | None
    conversation_id: int | None
    error: str | None
    attempt: int
    stream: bool
    request_body: str | None = None
    response_body: str | None = None
    """Kept only when the config asks for it ([ledger] keep_bodies)."""


class Ledger:
    """Reads and writes the ledger on an open connection (see `db.open_store`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def add(self, rows: Iterable[LedgerRow], *, once: str | None = None) -> int:
        """Keep these requests (and fold them into the hourly roll-up); how many. With
        `once`, a key naming what the rows account for (a batch's results), they are kept
        only if nothing was kept under that key before, in the same transaction: rows
        offered again are never counted twice."""
        count = 0
        db = self.db
        db.execute("BEGIN")
        try:
            if once is not None:
                key = f"ledger.once.{once}"
                if db.execute("SELECT 1 FROM setting WHERE key = ?", (key,)).fetchone():
                    db.execute("COMMIT")
                    return 0
                db.execute("INSERT INTO setting (key, value) VALUES (?, '1')", (key,))
            for row in rows:
                cursor = db.execute(
                    "INSERT INTO ledger (at, server, profile, method, endpoint, model, status, "
                    "request_id, prompt_tokens, completion_tokens, cached_tokens, latency, ttft, "
                    "cost, conversation_id, error, attempt, stream) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        row.at,
                        row.server,
                        row.profile,
                        row.method,
                        row.endpoint,
                        row.model,
                        row.status,
                        row.request_id,
                        row.prompt_tokens,
                        row.completion_tokens,
                        row.cached_tokens,
                        row.latency,
                        row.ttft,
                        row.cost,
                        row.conversation_id,
                        row.error,
                        row.attempt,
                        int(row.stream),
                    ),
                )
                if row.request_body is not None or row.response_body is not None:
                    db.execute(
                        "INSERT INTO request_body (ledger_id, request, response) VALUES (?, ?, ?)",
                        (cursor.lastrowid, row.request_body, row.response_body),
                    )
                failed = row.error is not None or (row.status or 0) >= 400
                db.execute(
                    "INSERT INTO ledger_hourly (hour, server, profile, model, endpoint, requests, "
                    "errors, prompt_tokens, cached_tokens, completion_tokens, cost, latency) "
                    "VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(hour, server, profile, model, endpoint) DO UPDATE SET "
                    "requests = requests + 1, errors = errors + excluded.errors, "
                    "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
                    "cached_tokens = cached_tokens + excluded.cached_tokens, "
                    "completion_tokens = completion_tokens + excluded.completion_tokens, "
                    "cost = cost + excluded.cost, latency = latency + excluded.latency",
                    (
                        int(row.at // 3600 * 3600),
                        row.server,
                        row.profile,
                        row.model,
                        row.endpoint,
                        int(failed),
                        row.prompt_tokens or 0,
                        row.cached_tokens or 0,
                        row.completion_tokens or 0,
                        row.cost or 0.0,
                        row.latency,
                    ),
                )
                count += 1
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return count

    def totals(
        self, start: float, end: float, width: int, group: str | None
    ) -> list[tuple[int, str, dict[str, float]]]:
        """(bucket start, group value, figures) for every bucket of `width` seconds from
        `start` to `end` that has requests. Hours and days come from the roll-up; minutes
        from the rows themselves (a short range)."""
        if group is not None and group not in GROUPS:
            raise ValueError(f"group by one of {', '.join(GROUPS)}")
        column = group or "''"
        sums = ", ".join(f"SUM({f})" for f in FIGURES)
        if width >= 3600:
            rows = self.db.execute(
                f"SELECT (hour - ?) / ? AS slot, {column}, {sums} FROM ledger_hourly "
                "WHERE hour >= ? AND hour < ? GROUP BY slot, 2 ORDER BY slot",
                (int(start), int(width), int(start // 3600 * 3600), int(end)),
            ).fetchall()
        else:
            figures = (
                "COUNT(*), SUM(error IS NOT NULL OR status >= 400), SUM(prompt_tokens), "
                "SUM(cached_tokens), SUM(completion_tokens), SUM(cost)"
            )
            rows = self.db.execute(
                f"SELECT CAST((at - ?) / ? AS INTEGER) AS slot, {column}, {figures} "
                "FROM ledger WHERE at >= ? AND at < ? GROUP BY slot, 2 ORDER BY slot",
                (start, width, start, end),
            ).fetchall()
        return [
            (
                int(start) + int(row[0]) * width,
                str(row[1] or ""),
                dict(zip(FIGURES, (v or 0 for v in row[2:]), strict=True)),
            )
            for row in rows
        ]

    def rows(self, start: float, end: float, limit: int = 100_000) -> list[dict[str, Any]]:
        """The requests from `start` to `end`, oldest first (for `loom usage --csv`)."""
        cursor = self.db.execute(
            "SELECT at, server, profile, method, endpoint, model, status, request_id, "
            "prompt_tokens, completion_tokens, cached_tokens, latency, ttft, cost, "
            "conversation_id, error, attempt, stream FROM ledger WHERE at >= ? AND at < ? "
            "ORDER BY at LIMIT ?",
            (start, end, limit),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
