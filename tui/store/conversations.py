"""Conversations and their messages: plain dataclasses in, plain dataclasses out."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(slots=True)
class Conversation:
    """A conversation's metadata."""

    id: int
    title: str
    model: str
    system_prompt: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    created: float = 0.0
    updated: float = 0.0
    pinned: bool = False
    archived: bool = False
    leaf_id: int | None = None


@dataclass(slots=True)
class Message:
    """One message; `parent_id` links branches, `incomplete` marks a reply cut short."""

    id: int
    conversation_id: int
    role: str
    content: str
    parent_id: int | None = None
    model: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    ttft: float | None = None
    duration: float | None = None
    request_id: str | None = None
    incomplete: bool = False
    created: float = 0.0
    images: list[str] = field(default_factory=list)
    """Data URLs of images sent with a user message."""
    tool_calls: list[dict[str, str]] = field(default_factory=list)
    """Tools a reply asked to call: each {"id", "name", "arguments"}."""
    error: dict[str, str] | None = None
    """What ended a failed reply: {"headline", "detail", "fix"}."""


REPLY_FIELDS = (
    "model",
    "finish_reason",
    "prompt_tokens",
    "completion_tokens",
    "ttft",
    "duration",
    "request_id",
    "incomplete",
    "tool_calls",
    "error",
)
"""A reply's figures, saved with its text (`save_reply`)."""
_JSON_FIELDS = {"tool_calls", "error"}


@dataclass(slots=True)
class Overview:
    """A conversation and how many messages it holds (all branches), for `loom list`."""

    conversation: Conversation
    messages: int


@dataclass(slots=True)
class SearchHit:
    """A message matching a search; in `snippet` each matching word is between MARK_START
    and MARK_END (control characters: they cannot clash with the message's own text)."""

    conversation_id: int
    message_id: int
    title: str
    snippet: str


_CONVERSATION_COLUMNS = (
    "id, title, model, system_prompt, params, created, updated, pinned, archived, leaf_id"
)
_MESSAGE_COLUMNS = (
    "id, conversation_id, role, content, parent_id, model, finish_reason, prompt_tokens, "
    "completion_tokens, ttft, duration, request_id, incomplete, created, images, "
    "tool_calls, error"
)


def _conversation(row: tuple[Any, ...]) -> Conversation:
    # _CONVERSATION_COLUMNS lists the fields in the dataclass's order.
    conversation = Conversation(*row)
    conversation.params = json.loads(row[4] or "{}")
    conversation.pinned, conversation.archived = bool(row[7]), bool(row[8])
    return conversation


def _message(row: tuple[Any, ...]) -> Message:
    # _MESSAGE_COLUMNS lists the fields in the dataclass's order.
    message = Message(*row)
    message.incomplete = bool(row[12])
    message.images = json.loads(row[14] or "[]")
    message.tool_calls = json.loads(row[15] or "[]")
    message.error = json.loads(row[16]) if row[16] else None
    return message


def title_from(prompt: str, limit: int = 60) -> str:
    """A title from the first prompt: its first line, shortened at a word."""
    line = next((part.strip() for part in prompt.splitlines() if part.strip()), "")
    if len(line) <= limit:
        return line or "New conversation"
    cut = line[:limit].rsplit(" ", 1)[0]
    return (cut or line[:limit]) + "…"


def _locked(method: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with args[0]._lock:  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return wrapper


class ConversationStore:
    """Reads and writes conversations on an open connection (see `db.open_store`).

    Calls are serialised by a lock, so a long write may run in a worker thread while the
    event loop carries on."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside lands together, or not at all."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    @_locked
    def create(
        self,
        *,
        title: str,
        model: str,
        system_prompt: str = "",
        params: dict[str, Any] | None = None,
    ) -> Conversation:
        """A new, empty conversation."""
        now = time.time()
        cursor = self.db.execute(
            "INSERT INTO conversation (title, model, system_prompt, params, created, updated) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (title, model, system_prompt, json.dumps(params or {}), now, now),
        )
        return self.get(int(cursor.lastrowid or 0))

    def _row(self, table: str, columns: str, row_id: int) -> tuple[Any, ...]:
        row = self.db.execute(f"SELECT {columns} FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            raise KeyError(row_id)
        return tuple(row)

    @_locked
    def get(self, conversation_id: int) -> Conversation:
        """One conversation; KeyError if there is none with that id."""
        return _conversation(self._row("conversation", _CONVERSATION_COLUMNS, conversation_id))

    @_locked
    def conversations(self, *, archived: bool = False, filter: str = "") -> list[Conversation]:
        """Pinned first, then newest first; `filter` matches titles, case-insensitively."""
        rows = self.db.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversation "
            "WHERE archived = ? AND title LIKE ? ESCAPE '\\' "
            "ORDER BY pinned DESC, updated DESC, id DESC",
            (int(archived), "%" + _like_escape(filter) + "%"),
        ).fetchall()
        return [_conversation(row) for row in rows]

    @_locked
    def exists(self, conversation_id: int) -> bool:
        """Whether a conversation with this id is stored."""
        row = self.db.execute(
            "SELECT 1 FROM conversation WHERE id = ?", (conversation_id,)
        ).fetchone()
        return row is not None

    @_locked
    def most_recent(self) -> int | None:
        """The active conversation with the newest activity (pinned or not), if any."""
        row = self.db.execute(
            "SELECT id FROM conversation WHERE archived = 0 ORDER BY updated DESC, id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else int(row[0])

    @_locked
    def branches(self, conversation_id: int) -> dict[int, tuple[int, int]]:
        """For every message: which of its versions it is (1-based) and how many there are
        (versions share a parent and a role)."""
        rows = self.db.execute(
            "SELECT id, parent_id, role FROM message WHERE conversation_id = ? ORDER BY id",
            (conversation_id,),
        ).fetchall()
        groups: dict[tuple[int | None, str], list[int]] = {}
        for message_id, parent_id, role in rows:
            groups.setdefault((parent_id, role), []).append(message_id)
        return {
            message_id: (index, len(ids))
            for ids in groups.values()
            for index, message_id in enumerate(ids, 1)
        }

    @_locked
    def overview(self, *, archived: bool | None = False) -> list[Overview]:
        """Every conversation (or only active/archived ones) with its message count, newest
        activity first."""
        columns = ", ".join(f"c.{name.strip()}" for name in _CONVERSATION_COLUMNS.split(","))
        rows = self.db.execute(
            f"SELECT {columns}, (SELECT count(*) FROM message m WHERE m.conversation_id = c.id) "
            "FROM conversation c WHERE ? IS NULL OR c.archived = ? "
            "ORDER BY c.updated DESC, c.id DESC",
            (archived, None if archived is None else int(archived)),
        ).fetchall()
        return [Overview(_conversation(row[:-1]), int(row[-1])) for row in rows]

    @_locked
    def update(self, conversation_id: int, **fields: Any) -> Conversation:
        """Change title, model, system_prompt, params, pinned, archived or leaf_id."""
        allowed = {"title", "model", "system_prompt", "params", "pinned", "archived", "leaf_id"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot update {', '.join(sorted(unknown))}")
        if "params" in fields:
            fields["params"] = json.dumps(fields["params"])
        # `updated` is the last activity (a message added), not any edit: renaming or
        # pinning an old conversation does not move it to the top of the list.
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.db.execute(
            f"UPDATE conversation SET {assignments} WHERE id = ?",
            (*fields.values(), conversation_id),
        )
        return self.get(conversation_id)

    @_locked
    def delete(self, conversation_id: int) -> None:
        """Delete a conversation and all its messages."""
        self.db.execute("DELETE FROM conversation WHERE id = ?", (conversation_id,))

    @_locked
    def add_message(
        self,
        conversation_id: int,
        role: str,
        content: str,
        *,
        parent_id: int | None = None,
        model: str | None = None,
        incomplete: bool = False,
        images: list[str] | None = None,
    ) -> Message:
        """Store a message now (before any request leaves, for a user's message)."""
        now = time.time()
        cursor = self.db.execute(
            "INSERT INTO message (conversation_id, role, content, parent_id, model, "
            "incomplete, created, images) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                conversation_id,
                role,
                content,
                parent_id,
                model,
                int(incomplete),
                now,
                json.dumps(images or []),
            ),
        )
        self.db.execute("UPDATE conversation SET updated = ? WHERE id = ?", (now, conversation_id))
        return self.get_message(int(cursor.lastrowid or 0))

    @_locked
    def save_reply(self, message_id: int, content: str, **fields: Any) -> None:
        """Save a streaming reply's text so far, and any of its figures."""
        unknown = set(fields) - set(REPLY_FIELDS)
        if unknown:
            raise ValueError(f"cannot save {', '.join(sorted(unknown))}")
        if "incomplete" in fields:
            fields["incomplete"] = int(bool(fields["incomplete"]))
        for name in _JSON_FIELDS & set(fields):
            value = fields[name]
            fields[name] = None if value is None else json.dumps(value)
        assignments = "".join(f", {name} = ?" for name in fields)
        self.db.execute(
            f"UPDATE message SET content = ?{assignments} WHERE id = ?",
            (content, *fields.values(), message_id),
        )

    @_locked
    def get_message(self, message_id: int) -> Message:
        """One message; KeyError if there is none with that id."""
        return _message(self._row("message", _MESSAGE_COLUMNS, message_id))

    @_locked
    def messages(self, conversation_id: int) -> list[Message]:
        """Every message of a conversation, oldest first (all branches)."""
        rows = self.db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM message WHERE conversation_id = ? ORDER BY id",
            (conversation_id,),
        ).fetchall()
        return [_message(row) for row in rows]

    @_locked
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Messages whose text matches every word of `query`, best first."""
        words = [w for w in query.split() if w]
        if not words:
            return []
        match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = self.db.execute(
            "SELECT m.conversation_id, m.id, c.title, "
            "snippet(message_fts, 0, char(2), char(3), '…', 12) "
            "FROM message_fts JOIN message m ON m.id = message_fts.rowid "
            "JOIN conversation c ON c.id = m.conversation_id "
            "WHERE message_fts MATCH ? ORDER BY rank LIMIT ?",
            (match, limit),
        ).fetchall()
        return [SearchHit(*row) for row in rows]

    # --- branches ----------------------------------------------------------------------

    @_locked
    def path(self, conversation_id: int, leaf_id: int | None = None) -> list[Message]:
        """The messages from the first to `leaf_id` (default: the conversation's chosen
        leaf, else its newest message), oldest first."""
        if leaf_id is None:
            leaf_id = self.get(conversation_id).leaf_id
        if leaf_id is None:
            row = self.db.execute(
                "SELECT max(id) FROM message WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            leaf_id = row[0]
        if leaf_id is None:
            return []
        columns = ", ".join(f"m.{name.strip()}" for name in _MESSAGE_COLUMNS.split(","))
        rows = self.db.execute(
            "WITH RECURSIVE up(id) AS (SELECT ? UNION ALL "
            "SELECT m.parent_id FROM message m JOIN up ON m.id = up.id "
            "WHERE m.parent_id IS NOT NULL) "
            f"SELECT {columns} FROM message m JOIN up ON m.id = up.id "
            "WHERE m.conversation_id = ? ORDER BY m.id",
            (leaf_id, conversation_id),
        ).fetchall()
        return [_message(row) for row in rows]

    @_locked
    def siblings(self, message_id: int) -> list[int]:
        """The ids of a message and its alternatives (same parent, same role), oldest first."""
        message = self.get_message(message_id)
        rows = self.db.execute(
            "SELECT id FROM message WHERE conversation_id = ? AND role = ? "
            "AND parent_id IS ? ORDER BY id",
            (message.conversation_id, message.role, message.parent_id),
        ).fetchall()
        return [row[0] for row in rows]

    @_locked
    def newest_leaf(self, message_id: int) -> int:
        """The end of the newest branch that goes through `message_id`."""
        current = message_id
        while True:
            row = self.db.execute(
                "SELECT max(id) FROM message WHERE parent_id = ?", (current,)
            ).fetchone()
            if row[0] is None:
                return current
            current = row[0]

    @_locked
    def delete_message(self, message_id: int) -> int | None:
        """Delete a message and everything that followed it on its branches; returns the
        end of the branch to show now: the newest branch through the nearest other version
        of the message (the one before it, else after it), or its parent if it had none."""
        message = self.get_message(message_id)
        siblings = self.siblings(message_id)
        index = siblings.index(message_id)
        others = siblings[:index][::-1] + siblings[index + 1 :]
        self.db.execute("DELETE FROM message WHERE id = ?", (message_id,))
        shown = self.newest_leaf(others[0]) if others else message.parent_id
        conversation = self.get(message.conversation_id)
        if conversation.leaf_id is not None or shown is not None:
            exists = (
                conversation.leaf_id is not None
                and self.db.execute(
                    "SELECT 1 FROM message WHERE id = ?", (conversation.leaf_id,)
                ).fetchone()
            )
            if not exists:
                self.update(message.conversation_id, leaf_id=shown)
        return shown

    # --- settings ------------------------------------------------------------------------

    @_locked
    def setting(self, key: str) -> str | None:
        """A small fact kept between sessions (None if never set)."""
        row = self.db.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @_locked
    def set_setting(self, key: str, value: str) -> None:
        """Keep a small fact between sessions."""
        self.db.execute(
            "INSERT INTO setting (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @_locked
    def find(self, title_or_id: str) -> list[Conversation]:
        """Conversations by id (all digits) or by a case-insensitive substring of the title,
        archived ones included, newest first."""
        if title_or_id.isdigit():
            try:
                return [self.get(int(title_or_id))]
            except KeyError:
                pass
        rows = self.db.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversation "
            "WHERE title LIKE ? ESCAPE '\\' ORDER BY updated DESC, id DESC",
            ("%" + _like_escape(title_or_id) + "%",),
        ).fetchall()
        return [_conversation(row) for row in rows]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def open_conversations(
    data_dir: str | os.PathLike[str] | None, *, check_same_thread: bool = True
) -> ConversationStore:
    """The store in Loom's data folder (see `db.data_dir`); StoreError says why not."""
    from tui.store.db import DB_NAME, StoreError, open_store
    from tui.store.db import data_dir as resolve

    path = resolve(data_dir) / DB_NAME
    try:
        return ConversationStore(open_store(path, check_same_thread=check_same_thread))
    except OSError as error:
        raise StoreError(f"{path}: {error.strerror or error}") from error
