"""The store as the app uses it: every read and write after start-up runs in one thread.

The event loop never waits on SQLite: a database locked by another program (up to the busy
timeout), a slow disk or a damaged file holds only this thread. Every failure becomes a
`StoreFailure` that says what failed, on which file, and what to do; the caller carries on
without the store and tries again later (`retry_due`). A database that cannot be opened,
or whose file was removed while open, is opened again on a later call: then `generation`
changes, and ids from before mean nothing in the new file.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tui.store.conversations import ConversationStore
from tui.store.db import DB_NAME, explain, open_store
from tui.store.errors import StoreError, StoreFailure, cause_of
from tui.store.ledger import Ledger
from tui.store.model_cache import ModelCache
from tui.store.presets import PresetStore
from tui.store.watched import WatchedJobs

T = TypeVar("T")

ABANDONED: list[sqlite3.Connection] = []
"""Connections whose shared memory can no longer be written: never used or closed again
(closing would write to it). The process ends without closing them (see `abandoned`)."""


def abandoned() -> bool:
    """Whether a connection had to be abandoned: then the process must end with
    `os._exit`, after flushing, since the interpreter's own exit would close it."""
    return bool(ABANDONED)


RETRY_SECONDS = 5.0
"""After a failure, a new attempt to open the store waits at least this long."""


@dataclass(slots=True)
class Repositories:
    """The shared repositories on the thread's connection, and each area's own (`area`)."""

    conversations: ConversationStore
    presets: PresetStore
    watched: WatchedJobs
    models: ModelCache
    ledger: Ledger
    generation: int
    """Which opening of the database these belong to (see StoreThread.generation)."""
    _areas: dict[str, Any] = field(default_factory=dict)

    def area(self, name: str) -> Any:
        """The repository of an area (`Area.store` in tui/areas), on this connection."""
        found = self._areas.get(name)
        if found is None:
            from tui.registry import area, load

            reference = area(name).store
            if reference is None:
                raise KeyError(f"the area {name} keeps nothing in the store")
            found = self._areas[name] = load(reference)(self.conversations.db)
        return found


Listener = Callable[[StoreError | None], None]
"""Told on the event loop when the store starts failing (the error) or works again (None)."""


class StoreThread:
    """The conversation store in `folder`, reached only through `run`."""

    def __init__(self, folder: Path, *, on_change: Listener | None = None) -> None:
        self.folder = folder
        self.path = folder / DB_NAME
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loom-store")
        self._repos: Repositories | None = None
        self._generation = 0
        self._lock = threading.Lock()
        self._last_attempt = 0.0
        self.problem: StoreError | None = None
        """Why the store is not working now, if it is not."""
        self.on_change = on_change
        """Told on the event loop when the store starts failing (the error) or works again
        (None); the services publish it on their `store_changed` topic."""

    @property
    def generation(self) -> int:
        """How many times the database has been opened: ids are valid within one."""
        return self._generation

    @property
    def is_open(self) -> bool:
        """Whether a database is open now (it may still fail on the next call)."""
        return self._repos is not None

    async def run(self, what: str, job: Callable[[Repositories], T]) -> T:
        """Run `job` in the store's thread; StoreFailure (a StoreError) if it cannot.

        `what` names the work for the message ("saving the reply")."""
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor, self._run, what, job)
        except StoreError as error:
            self._report(error)
            raise
        self._report(None)
        return result

    def run_now(self, what: str, job: Callable[[Repositories], T]) -> T:
        """`run` from a thread that may block (the CLI, tests); same errors."""
        return self._executor.submit(self._run, what, job).result()

    def run_waiting(self, what: str, job: Callable[[Repositories], object], wait: float) -> bool:
        """Run `job` in the store's thread and wait for it here, on the event loop, at most
        `wait` seconds: True if it was done by then. StoreFailure as `run`; a job that
        finishes later still reports its outcome (`on_change`).

        For the few writes that must land before the screen shows what they keep (a
        streaming reply): an UPDATE takes well under a millisecond."""
        future = self._executor.submit(self._run, what, job)
        try:
            future.result(wait)
        except concurrent.futures.TimeoutError:
            loop = asyncio.get_running_loop()
            future.add_done_callback(lambda done: loop.call_soon_threadsafe(self._settled, done))
            return False
        except StoreError as error:
            self._report(error)
            raise
        self._report(None)
        return True

    def _settled(self, done: concurrent.futures.Future[object]) -> None:
        error = done.exception()
        self._report(error if isinstance(error, StoreError) else None)

    def _report(self, problem: StoreError | None) -> None:
        # One cause found by many kinds of work (the watched objects, the model list, the
        # ledger, the conversation) is one change: the user hears of it once.
        changed = (problem is None) != (self.problem is None) or (
            problem is not None
            and self.problem is not None
            and cause_of(problem) != cause_of(self.problem)
        )
        self.problem = problem
        if changed and self.on_change is not None:
            self.on_change(problem)

    def retry_due(self) -> bool:
        """Whether a failing store is worth trying again now."""
        return time.monotonic() - self._last_attempt >= RETRY_SECONDS

    def _run(self, what: str, job: Callable[[Repositories], T]) -> T:
        repos = self._open(what)
        if self._shared_memory_unwritable():
            self._abandon()
            raise StoreFailure(what, self._shm_words())
        try:
            if not self.path.exists():
                # Removed while open: writes would go to a file nobody will ever read.
                self._close()
                raise StoreFailure(
                    what,
                    f"{self.path} was removed (or its folder was). Loom keeps what is on "
                    "screen and saves it again into a new file.",
                )
            return job(repos)
        except sqlite3.Error as error:
            if isinstance(error, sqlite3.DatabaseError) and _damaged(error):
                # Nothing more is written to a damaged file, by any repository: the next
                # call opens it again, and opening checks every page first (open_store).
                self._close()
            raise StoreFailure(what, explain(error, self.path)) from error
        except OSError as error:
            raise StoreFailure(
                what,
                f"{self.path}: {error.strerror or error}. Check the disk and the folder's "
                "permissions.",
            ) from error

    def _open(self, what: str) -> Repositories:
        if self._repos is not None:
            return self._repos
        self._last_attempt = time.monotonic()
        if self._shared_memory_unwritable():
            raise StoreFailure(what, self._shm_words())
        try:
            db = open_store(self.path, check_same_thread=False)
        except StoreError as error:
            raise StoreFailure(what, str(error)) from error
        except OSError as error:
            raise StoreFailure(
                what,
                f"{self.path}: {error.strerror or error}. Check that the folder exists and "
                "can be written.",
            ) from error
        self._generation += 1
        self._repos = Repositories(
            ConversationStore(db),
            PresetStore(db),
            WatchedJobs(db),
            ModelCache(db),
            Ledger(db),
            self._generation,
        )
        return self._repos

    def _close(self) -> None:
        repos, self._repos = self._repos, None
        if repos is not None:
            repos.conversations.db.close()

    # --- the shared-memory file ------------------------------------------------------------
    # SQLite maps the WAL's `-shm` file into memory. Made unwritable under a running program
    # (chattr +i, a read-only remount), the kernel answers the next write to that memory —
    # the next transaction, or even closing the connection — with SIGBUS, which ends the
    # process and cannot be caught. So the file is checked before every call (a syscall);
    # once it cannot be written, the connection is never touched again, not even closed
    # (see `abandoned`), and the store says so and tries again later.

    def _shm(self) -> Path:
        return self.path.with_name(self.path.name + "-shm")

    def _shared_memory_unwritable(self) -> bool:
        shm = self._shm()
        return shm.exists() and not os.access(shm, os.W_OK)

    def _shm_words(self) -> str:
        return (
            f"{self._shm()} (the database's shared memory) cannot be written: it was made "
            "read-only or immutable. Loom stops using the database so as not to be killed "
            "by the system (SIGBUS) and keeps what is on screen; make the file writable "
            "again (chattr -i, chmod u+w) and Loom saves it then."
        )

    def _abandon(self) -> None:
        repos, self._repos = self._repos, None
        if repos is not None:
            ABANDONED.append(repos.conversations.db)

    async def aclose(self) -> None:
        """Close the database and stop the thread (after the work already asked for)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=False)


def _damaged(error: sqlite3.DatabaseError) -> bool:
    text = str(error).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text
