"""Background work that outlives a screen — a job followed, the ledger's writes, a
conversation saved while it streams — runs here, never as a bare task: each piece has a
name, one of a name runs at a time, closing cancels them all, and a failure is told (the
app shows it) instead of being lost with its task. No Textual: the CLI uses it too."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from tui.core.topic import Topic

Work = Callable[[], Coroutine[Any, Any, Any]]


@dataclass(frozen=True, slots=True)
class Failure:
    """A piece of background work that ended with an error it did not handle."""

    name: str
    """What it was (`following ftjob-…`, `writing the ledger`)."""
    error: BaseException


class Supervisor:
    """Named background tasks and what became of them."""

    def __init__(self) -> None:
        self.tasks: dict[str, asyncio.Task[Any]] = {}
        self.failures: Topic[Failure] = Topic("failures")
        """Told of every piece of work that failed (and of every listener that raised)."""
        self._closed = False

    def start(self, name: str, work: Work, *, replace: bool = True) -> asyncio.Task[Any] | None:
        """Run `work()` in the background as `name`; with `replace`, work already running
        under that name is cancelled first, else it is left and nothing starts. None when
        there is no running loop (closing) or the supervisor is closed."""
        if self._closed:
            return None
        old = self.tasks.get(name)
        if old is not None and not old.done():
            if not replace:
                return old
            old.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        task = loop.create_task(self._guarded(name, work), name=f"loom:{name}")
        self.tasks[name] = task
        task.add_done_callback(lambda done: self._forget(name, done))
        return task

    async def _guarded(self, name: str, work: Work) -> Any:
        try:
            return await work()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.report(name, error)
            return None

    def report(self, name: str, error: BaseException) -> None:
        """Say that something failed (a task, a listener of a topic)."""
        self.failures.publish(Failure(name, error))

    def running(self, name: str) -> bool:
        """Whether work of that name is under way."""
        task = self.tasks.get(name)
        return task is not None and not task.done()

    def cancel(self, name: str) -> None:
        """Stop the work of that name, if any."""
        task = self.tasks.pop(name, None)
        if task is not None:
            task.cancel()

    def _forget(self, name: str, task: asyncio.Task[Any]) -> None:
        if self.tasks.get(name) is task:
            del self.tasks[name]

    def topic(self, name: str) -> Topic[Any]:
        """A topic whose listeners' failures are told here."""
        return Topic(name, failed=lambda topic, error: self.report(f"telling {topic}", error))

    async def aclose(self) -> None:
        """Cancel everything still running and wait for it to stop."""
        self._closed = True
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        self.tasks.clear()
