"""The audit log: a filter typed as words (`type:api_key.deleted project:proj_docs
actor:ana@… resource:key_1 since:7d`, and plain words matched in what is loaded), the
follower the shared watcher polls for new entries (the follow mode: the console's, and
`loom admin audit-log --follow`), and the log written as JSONL or CSV for a file."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tui.areas.admin.core.words import actor_of, entry_words, project_of
from tui.core.text import safe, strip_controls
from tui.core.watcher import Outcome, WatchState

if TYPE_CHECKING:
    from tui.areas.admin.api.resource import AdminResource
    from tui.areas.admin.api.schemas import AuditLog

KIND = "audit log"
"""What the watcher follows (one per organisation)."""
FILTERS = {
    "type": "event_types",
    "project": "project_ids",
    "actor": "actor_emails",
    "actor_id": "actor_ids",
    "resource": "resource_ids",
}
"""A filter word's prefix, and the spec's filter it asks the server for."""
UNITS = {"m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
FOLLOW_PAGES = 10
"""Pages read per poll while following (1,000 new entries); more waits for the next."""


class FilterProblem(ValueError):
    """A filter word that cannot be read (the message says which and how)."""


@dataclass(frozen=True)
class AuditQuery:
    """What of the log to show: the server's filters, a time from, and words."""

    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    since: int | None = None
    words: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str, now: float | None = None) -> AuditQuery:
        """`type:a,b project:p actor:e resource:r since:7d words` (FilterProblem)."""
        filters: dict[str, list[str]] = {}
        since = None
        words: list[str] = []
        for part in text.split():
            name, colon, value = part.partition(":")
            if not colon or name.lower() not in (*FILTERS, "since"):
                words.append(part.lower())
                continue
            if not value:
                raise FilterProblem(f"{name}: needs a value ({name}:…)")
            if name.lower() == "since":
                since = since_of(value, now)
                continue
            filters.setdefault(FILTERS[name.lower()], []).extend(v for v in value.split(",") if v)
        return cls({k: tuple(v) for k, v in filters.items()}, since, tuple(words))

    def shows(self, entry: AuditLog) -> bool:
        """Whether its words are in the entry (the server filtered the rest)."""
        if not self.words:
            return True
        text = " ".join((entry.type, entry_words(entry), actor_of(entry), project_of(entry)))
        lowered = text.lower()
        return all(word in lowered for word in self.words)

    def __str__(self) -> str:
        parts = [f"{k}:{','.join(v)}" for k, v in self.filters.items()]
        if self.since is not None:
            parts.append(f"since {datetime.fromtimestamp(self.since, UTC):%Y-%m-%d %H:%M}")
        return " ".join([*parts, *self.words])


def since_of(value: str, now: float | None = None) -> int:
    """`7d`, `12h`, `30m`, `2w` ago, or a date `2026-11-30` (UTC)."""
    now = now if now is not None else time.time()
    unit = value[-1:].lower()
    if unit in UNITS and value[:-1].isdigit():
        return int(now - int(value[:-1]) * UNITS[unit])
    try:
        return int(datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp())
    except ValueError:
        raise FilterProblem(
            f"since:{value}: a time ago (30m, 12h, 7d, 2w) or a date (2026-11-30)"
        ) from None


@dataclass
class AuditState(WatchState):
    """What the follower has seen: the newest entries first."""

    newest_at: int | None = None
    seen: set[str] = field(default_factory=set)
    """The ids of entries at `newest_at` (so one second's entries come once)."""


class AuditFollower:
    """The audit log's new entries, as the watcher follows them (`Followed`)."""

    kind = KIND

    def __init__(
        self,
        resource: Callable[[], Awaitable[AdminResource]],
        query: AuditQuery,
        *,
        publish: Callable[[list[AuditLog]], None],
        key: str = "organisation",
    ) -> None:
        self._resource = resource
        self.query = query
        self._publish = publish
        self._key = key
        self._state = AuditState()

    @property
    def key(self) -> str:
        return self._key

    @property
    def state(self) -> AuditState:
        return self._state

    @property
    def status(self) -> str:
        return "following"

    def phase(self) -> str:
        return "active"

    def outcome(self) -> Outcome | None:
        return None

    def start_from(self, entries: Iterable[AuditLog]) -> None:
        """What is on screen already (newest first): follow from there."""
        for entry in entries:
            self._note(entry)

    def _note(self, entry: AuditLog) -> bool:
        state = self._state
        if state.newest_at is None or entry.effective_at > state.newest_at:
            state.newest_at, state.seen = entry.effective_at, {entry.id}
            return True
        if entry.effective_at == state.newest_at and entry.id not in state.seen:
            state.seen.add(entry.id)
            return True
        return False

    async def poll(self) -> None:
        """Ask for entries from the newest seen on; publish those not seen (oldest first)."""
        resource = await self._resource()
        state = self._state
        since = state.newest_at if state.newest_at is not None else int(time.time()) - 60
        arrived: list[AuditLog] = []
        after = None
        for _ in range(FOLLOW_PAGES):
            page = await resource.audit_page(
                after=after, filters=self.query.filters, since=max(since, self.query.since or 0)
            )
            arrived += page.data
            if not page.has_more or not page.data:
                break
            after = page.data[-1].id
        fresh = [e for e in reversed(arrived) if self._note(e) and self.query.shows(e)]
        if fresh:
            self._publish(fresh)

    async def catch_up(self) -> None:
        """Nothing between polls."""

    def notice(self, before: str, now: str) -> str:
        return "the audit log: new entries"

    def words(self, status: str) -> str:
        return status


# --- files ----------------------------------------------------------------------------------

COLUMNS = ("id", "effective_at", "type", "actor", "project", "what")


def row_of(entry: AuditLog) -> dict[str, str]:
    """One entry as a file's row (outside text without control characters)."""
    return {
        "id": safe(entry.id),
        "effective_at": datetime.fromtimestamp(entry.effective_at, UTC).isoformat(),
        "type": safe(entry.type),
        "actor": actor_of(entry),
        "project": project_of(entry),
        "what": entry_words(entry),
    }


def to_jsonl(entries: Iterable[AuditLog]) -> str:
    """The entries as the API sent them, a line each (controls removed, secrets masked)."""
    return "".join(
        strip_controls(safe(json.dumps(e.model_dump(mode="json"), ensure_ascii=False))) + "\n"
        for e in entries
    )


def to_csv(entries: Iterable[AuditLog]) -> str:
    """The entries as a table: when, type, actor, project, and what happened in words."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        row = row_of(entry)
        # A cell a spreadsheet would run as a formula is written as text.
        writer.writerow({k: f"'{v}" if v[:1] in "=+-@" else v for k, v in row.items()})
    return buffer.getvalue()
