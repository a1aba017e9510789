"""Conversations and their messages: plain dataclasses in, plain dataclasses out."""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
from collections.abc import Callable
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


@dataclass(slots=True)
class SearchHit:
    """A message matching a search, with the matching words marked in `snippet`."""

    conversation_id: int
    message_id: int
    title: str
    snippet: str


_CONVERSATION_COLUMNS = (
    "id, title, model, system_prompt, params, created, updated, pinned, archived"
)
_MESSAGE_COLUMNS = (
    "id, conversation_id, role, content, parent_id, model, finish_reason, prompt_tokens, "
    "completion_tokens, ttft, duration, request_id, incomplete, created"
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
    def update(self, conversation_id: int, **fields: Any) -> Conversation:
        """Change title, model, system_prompt, params, pinned or archived."""
        allowed = {"title", "model", "system_prompt", "params", "pinned", "archived"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot update {', '.join(sorted(unknown))}")
        if "params" in fields:
            fields["params"] = json.dumps(fields["params"])
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.db.execute(
            f"UPDATE conversation SET {assignments}, updated = ? WHERE id = ?",
            (*fields.values(), time.time(), conversation_id),
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
    ) -> Message:
        """Store a message now (before any request leaves, for a user's message)."""
        now = time.time()
        cursor = self.db.execute(
            "INSERT INTO message (conversation_id, role, content, parent_id, model, "
            "incomplete, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, role, content, parent_id, model, int(incomplete), now),
        )
        self.db.execute("UPDATE conversation SET updated = ? WHERE id = ?", (now, conversation_id))
        return self.get_message(int(cursor.lastrowid or 0))

    @_locked
    def save_reply(self, message_id: int, content: str, **fields: Any) -> None:
        """Save a streaming reply's text so far, and any of its figures."""
        allowed = {
            "finish_reason",
            "prompt_tokens",
            "completion_tokens",
            "ttft",
            "duration",
            "request_id",
            "incomplete",
            "model",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot save {', '.join(sorted(unknown))}")
        if "incomplete" in fields:
            fields["incomplete"] = int(bool(fields["incomplete"]))
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
            "snippet(message_fts, 0, '[', ']', '…', 12) "
            "FROM message_fts JOIN message m ON m.id = message_fts.rowid "
            "JOIN conversation c ON c.id = m.conversation_id "
            "WHERE message_fts MATCH ? ORDER BY rank LIMIT ?",
            (match, limit),
        ).fetchall()
        return [SearchHit(*row) for row in rows]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
