"""The jobs being followed, whichever screen is on: one follower each, run as the
services' background watchers, remembered in the store so that following resumes after a
restart. The app listens here to notify the user when a job's status changes."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from tui.core.fine_tuning import JobFollower, JobUpdate, Listener
from tui.core.polling import PollPolicy

if TYPE_CHECKING:
    from tui.core.services import Services
    from tui.store.watched import WatchedJob


class JobBoard:
    """Followers of fine-tuning jobs on the current server, by job id."""

    def __init__(self, services: Services, *, policy: PollPolicy | None = None) -> None:
        self.services = services
        self.policy = policy or PollPolicy()
        self.followers: dict[str, JobFollower] = {}
        self.listeners: list[Listener] = []
        """Told of every update of every followed job (the app: notifications)."""
        self.watched: set[str] = set()
        """Jobs the user asked to watch (kept for the next start); others are followed
        only while a screen shows them."""
        self._writes: set[asyncio.Task[None]] = set()

    @property
    def server(self) -> str:
        """Whose jobs these are: the base URL they live on."""
        return self.services.settings.base_url

    def follower(self, job_id: str) -> JobFollower | None:
        """The follower of a job, if it has one."""
        return self.followers.get(job_id)

    def follow(
        self, job_id: str, *, watch: bool = False, known_status: str | None = None
    ) -> JobFollower:
        """Follow a job (again, if its follower stopped); with `watch`, keep watching it
        after a restart too."""
        follower = self.followers.get(job_id)
        if follower is None:
            follower = JobFollower(
                self.services.client, job_id, policy=self.policy, known_status=known_status
            )
            follower.listeners.append(self._updated)
            self.followers[job_id] = follower
        if watch and job_id not in self.watched:
            self.watched.add(job_id)
            self._keep(job_id, follower.state.status or known_status or "")
        name = f"job:{job_id}"
        if name not in self.services.watchers and not _ended(follower):
            self.services.watch(name, follower.run)
        return follower

    def unwatch(self, job_id: str) -> None:
        """Stop watching a job in the background (a screen may still follow it)."""
        self.watched.discard(job_id)
        self._forget(job_id)

    def is_watched(self, job_id: str) -> bool:
        """Whether the user asked to watch this job."""
        return job_id in self.watched

    def stop_all(self) -> None:
        """Stop every follower (the server changed: these jobs are not its)."""
        for job_id in list(self.followers):
            task = self.services.watchers.get(f"job:{job_id}")
            if task is not None:
                task.cancel()
        self.followers.clear()
        self.watched.clear()

    async def restore(self) -> list[str]:
        """Follow again the jobs watched on this server before; their ids."""
        from tui.store.errors import StoreError

        server = self.server
        try:
            kept: list[WatchedJob] = await self.services.store.run(
                "reading the watched jobs", lambda r: r.watched.jobs(server)
            )
        except StoreError:
            return []  # the store said so already; nothing to resume
        for entry in kept:
            self.follow(entry.job_id, watch=True, known_status=entry.status or None)
        return [entry.job_id for entry in kept]

    def _updated(self, update: JobUpdate) -> None:
        job_id = update.state.job_id
        if update.status_change is not None and job_id in self.watched:
            if update.state.job is not None and update.state.job.finished:
                self.watched.discard(job_id)
                self._forget(job_id)
            else:
                self._keep(job_id, update.status_change[1])
        for listener in list(self.listeners):
            with contextlib.suppress(Exception):
                listener(update)

    def _keep(self, job_id: str, status: str) -> None:
        server = self.server
        self._store_later(
            "keeping the watched jobs", lambda r: r.watched.keep(server, job_id, status)
        )

    def _forget(self, job_id: str) -> None:
        server = self.server
        self._store_later("keeping the watched jobs", lambda r: r.watched.forget(server, job_id))

    def _store_later(self, what: str, job: object) -> None:
        from tui.store.errors import StoreError

        async def write() -> None:
            with contextlib.suppress(StoreError):
                await self.services.store.run(what, job)  # type: ignore[arg-type]

        with contextlib.suppress(RuntimeError):  # no loop (closing): nothing to keep
            task = asyncio.get_running_loop().create_task(write())
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)


def _ended(follower: JobFollower) -> bool:
    state = follower.state
    return state.stopped is not None or (state.job is not None and state.job.finished)
