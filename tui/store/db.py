"""Opening the database: WAL, schema version in `PRAGMA user_version`, ordered migrations,
and clear errors for a database that is corrupt, locked or from a newer Loom."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui.config import data_dir
from tui.store.errors import StoreCorrupt, StoreError, StoreLocked, StoreTooNew

__all__ = [
    "DB_NAME",
    "StoreCorrupt",
    "StoreError",
    "StoreLocked",
    "StoreTooNew",
    "data_dir",
    "explain",
    "open_store",
]

DB_NAME = "loom.sqlite3"
BUSY_TIMEOUT = 1.5
"""Seconds a write waits for another program's lock before it fails (in the store's
thread: the app goes on meanwhile)."""


V1 = """
        CREATE TABLE conversation (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL DEFAULT '',
            system_prompt TEXT NOT NULL DEFAULT '',
            params TEXT NOT NULL DEFAULT '{}',
            created REAL NOT NULL,
            updated REAL NOT NULL,
            pinned INTEGER NOT NULL DEFAULT 0,
            archived INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE message (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
            parent_id INTEGER REFERENCES message(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            content TEXT NOT NULL DEFAULT '',
            model TEXT,
            finish_reason TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            ttft REAL,
            duration REAL,
            request_id TEXT,
            incomplete INTEGER NOT NULL DEFAULT 0,
            created REAL NOT NULL
        );
        CREATE INDEX message_by_conversation ON message(conversation_id, id);
        CREATE INDEX conversation_by_updated ON conversation(archived, pinned, updated);
        CREATE VIRTUAL TABLE message_fts USING fts5(
            content, content='message', content_rowid='id'
        );
        -- A reply is indexed once it has ended (finished, stopped or failed), not on each
        -- save while it streams: re-indexing a long reply every second would stall.
        CREATE TRIGGER message_ai AFTER INSERT ON message
        WHEN new.incomplete = 0 OR new.finish_reason IS NOT NULL BEGIN
            INSERT INTO message_fts(rowid, content) VALUES (new.id, new.content);
        END;
        CREATE TRIGGER message_ad AFTER DELETE ON message
        WHEN old.incomplete = 0 OR old.finish_reason IS NOT NULL BEGIN
            INSERT INTO message_fts(message_fts, rowid, content)
            VALUES ('delete', old.id, old.content);
        END;
        CREATE TRIGGER message_au AFTER UPDATE OF content, incomplete, finish_reason ON message
        BEGIN
            INSERT INTO message_fts(message_fts, rowid, content)
            SELECT 'delete', old.id, old.content
            WHERE old.incomplete = 0 OR old.finish_reason IS NOT NULL;
            INSERT INTO message_fts(rowid, content)
            SELECT new.id, new.content
            WHERE new.incomplete = 0 OR new.finish_reason IS NOT NULL;
        END;
"""

V2 = """
        -- The branch on screen: the last message of the path shown (NULL: the newest one).
        ALTER TABLE conversation ADD COLUMN leaf_id INTEGER;
        CREATE INDEX message_by_parent ON message(parent_id);
        CREATE TABLE preset (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            system_prompt TEXT NOT NULL DEFAULT '',
            params TEXT NOT NULL DEFAULT '{}'
        );
"""

V3 = """
        -- Images sent with a user message (a JSON list of data URLs), so that they go
        -- again with every later turn of the conversation, as the API expects.
        ALTER TABLE message ADD COLUMN images TEXT NOT NULL DEFAULT '[]';
"""

V4 = """
        -- The tools a reply asked to call (a JSON list of {id, name, arguments}), and the
        -- error that ended a reply (JSON: headline, detail, fix), shown again on reopening.
        ALTER TABLE message ADD COLUMN tool_calls TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE message ADD COLUMN error TEXT;
        -- Small facts about the session: the conversation last shown, for one.
        CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

V5 = """
        -- Fine-tuning jobs being watched, per server, with the status last seen.
        CREATE TABLE watched_job (
            server TEXT NOT NULL,
            job_id TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT '',
            added REAL NOT NULL,
            PRIMARY KEY (server, job_id)
        );
"""

V6 = """
        -- The model list each server gave last (shown at once, refreshed in the background).
        CREATE TABLE model_cache (
            server TEXT PRIMARY KEY,
            fetched_at REAL NOT NULL,
            models TEXT NOT NULL
        );
"""

V7 = """
        -- Loom's ledger: every request it made, and the same folded into hours.
        CREATE TABLE ledger (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            server TEXT NOT NULL,
            profile TEXT NOT NULL DEFAULT '',
            method TEXT NOT NULL DEFAULT '',
            endpoint TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL DEFAULT '',
            status INTEGER,
            request_id TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cached_tokens INTEGER,
            latency REAL NOT NULL DEFAULT 0,
            ttft REAL,
            cost REAL,
            conversation_id INTEGER,
            error TEXT,
            attempt INTEGER NOT NULL DEFAULT 0,
            stream INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX ledger_by_time ON ledger(at);
        CREATE TABLE ledger_hourly (
            hour INTEGER NOT NULL,
            server TEXT NOT NULL,
            profile TEXT NOT NULL,
            model TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            requests INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            cached_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            cost REAL NOT NULL DEFAULT 0,
            latency REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (hour, server, profile, model, endpoint)
        );
        -- Bodies, only when the config asks to keep them ([ledger] keep_bodies).
        CREATE TABLE request_body (
            ledger_id INTEGER PRIMARY KEY REFERENCES ledger(id) ON DELETE CASCADE,
            request TEXT,
            response TEXT
        );
        -- Organisation usage pages as the server gave them, per query.
        CREATE TABLE usage_cache (
            key TEXT PRIMARY KEY,
            fetched_at REAL NOT NULL,
            pages TEXT NOT NULL
        );
"""

V8 = """
        -- Watched objects of every kind (batches, runs), not only fine-tuning jobs: the
        -- table is made again with the kind in its key (SQLite cannot change a key).
        CREATE TABLE watched (
            server TEXT NOT NULL,
            kind TEXT NOT NULL,
            job_id TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT '',
            added REAL NOT NULL,
            PRIMARY KEY (server, kind, job_id)
        );
        INSERT INTO watched (server, kind, job_id, status, added)
            SELECT server, 'fine-tuning job', job_id, status, added FROM watched_job;
        DROP TABLE watched_job;
        ALTER TABLE watched RENAME TO watched_job;
"""

V9 = """
        -- Each area's own tables are made by its own migrations (tui/areas: Area.store);
        -- this keeps how far each area's have gone.
        CREATE TABLE area_schema (area TEXT PRIMARY KEY, version INTEGER NOT NULL);
"""

MIGRATIONS: list[str] = [V1, V2, V3, V4, V5, V6, V7, V8, V9]
"""Migration N (1-based) brings a database from version N-1 to N. Append, never edit."""


def open_store(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=check_same_thread
        )
        # Read the version before changing anything: a newer Loom's file stays untouched.
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise _explain(exc, path) from exc
    latest = len(MIGRATIONS)
    if version > 0:
        # A damaged page anywhere is found before anything is written: a file reported as
        # left untouched must be untouched (no ledger row, no model list, no migration).
        try:
            verdict = [row[0] for row in db.execute("PRAGMA quick_check(3)").fetchall()]
        except sqlite3.DatabaseError as exc:
            db.close()
            raise _explain(exc, path) from exc
        if verdict != ["ok"]:
            db.close()
            found = " ".join(verdict[0].replace("*** in database main ***", "").split())
            raise StoreCorrupt(explain(sqlite3.DatabaseError(f"malformed: {found}"), path))
    if version > latest:
        db.close()
        raise StoreTooNew(
            f"{path} was written by a newer Loom (schema {version}, this one knows {latest}). "
            "It is left untouched: upgrade Loom, or start with another --data-dir."
        )
    try:
        db.execute("PRAGMA foreign_keys = ON")
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        db.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        db.close()
        raise _explain(exc, path) from exc
    if mode.lower() != "wal":
        db.close()
        raise StoreError(f"{path}: could not switch to WAL journaling (got {mode}).")
    try:
        for number in range(version + 1, latest + 1):
            # One transaction per step: a failed migration leaves the previous version.
            try:
                db.executescript(
                    f"BEGIN IMMEDIATE;\n{MIGRATIONS[number - 1]}\n"
                    f"PRAGMA user_version = {number};\nCOMMIT;"
                )
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
    except sqlite3.DatabaseError as exc:
        db.close()
        raise _explain(exc, path) from exc
    try:
        _migrate_areas(db, path)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise _explain(exc, path) from exc
    return db


def _migrate_areas(db: sqlite3.Connection, path: Path) -> None:
    """Each area's own migrations (`MIGRATIONS` of the module its `Area.store` names),
    in order, each in a transaction; an area whose tables a newer Loom made is refused
    whole, as a newer file is."""
    from tui.registry import areas, load

    done = dict(db.execute("SELECT area, version FROM area_schema").fetchall())
    for each in areas():
        if each.store is None:
            continue
        module = each.store.partition(":")[0]
        steps: list[str] = load(f"{module}:MIGRATIONS")
        have = int(done.get(each.name, 0))
        if have > len(steps):
            db.close()
            raise StoreTooNew(
                f"{path}: the {each.name} tables were written by a newer Loom (schema {have}, "
                f"this one knows {len(steps)}). It is left untouched: upgrade Loom, or "
                "start with another --data-dir."
            )
        for number in range(have + 1, len(steps) + 1):
            try:
                db.executescript(
                    f"BEGIN IMMEDIATE;\n{steps[number - 1]}\n"
                    f"INSERT OR REPLACE INTO area_schema (area, version) "
                    f"VALUES ('{each.name}', {number});\nCOMMIT;"
                )
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise


def _explain(exc: sqlite3.Error, path: Path) -> StoreError:
    text = str(exc).lower()
    kind = StoreError
    if "locked" in text or "busy" in text:
        kind = StoreLocked
    elif "not a database" in text or "malformed" in text or "corrupt" in text:
        kind = StoreCorrupt
    return kind(explain(exc, path))


def explain(exc: sqlite3.Error, path: Path) -> str:
    """What an SQLite error means for the user, with the file and what to do."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return (
            f"{path} is locked by another program (is another Loom running?). "
            "Close it; Loom tries again."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            f"{path} is not a readable Loom database ({exc}). It is left untouched: move it "
            "aside to start afresh, or start with another --data-dir."
        )
    if "readonly" in text or "read-only" in text:
        return f"{path} cannot be written ({exc}): check the permissions of the file and folder."
    if "full" in text:
        return f"the disk holding {path} is full: free some space; Loom tries again."
    if "unable to open" in text or "i/o" in text:
        return (
            f"{path}: {exc}. The file or its folder may have been moved, removed or made read-only."
        )
    return f"{path}: {exc}"
