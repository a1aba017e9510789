"""The fine-tuning resource: jobs (create, list, retrieve, cancel, pause, resume), their
events and checkpoints, and checkpoint permissions (which need an admin key)."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tui.api.schemas import CursorPage, Deleted
from tui.areas.fine_tuning.api.schemas import (
    CheckpointPermission,
    FineTuningCheckpoint,
    FineTuningEvent,
    FineTuningJob,
)

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient

JOBS = "/fine_tuning/jobs"
EVENTS_PAGE = 100
"""Events asked for at a time."""
NEW_EVENTS_PAGES = 50
"""The most pages of new events one poll follows (5,000 events since the last poll: far
more than a job logs in seconds)."""
CHECKPOINT_PAGES = 10
"""A job keeps a checkpoint per epoch (at most a few dozen): ten pages of 100 is plenty."""


def _job(job_id: str) -> str:
    return f"{JOBS}/{quote(job_id, safe='')}"


class FineTuningResource:
    """`/fine_tuning/...`."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    async def create(self, body: Mapping[str, Any]) -> FineTuningJob:
        """Start a job (`CreateFineTuningJobRequest`: model, training_file, method, …)."""
        made: FineTuningJob = await self._client.request(
            "POST", JOBS, json_body=dict(body), model=FineTuningJob
        )
        return made

    def list(
        self,
        *,
        metadata: Mapping[str, str] | None = None,
        page_size: int | None = None,
        max_pages: int | None = None,
    ) -> AsyncIterator[FineTuningJob]:
        """Every job, newest first, page by page as they arrive; `metadata` filters by
        key and value (sent as `metadata[key]=value`)."""
        params = {f"metadata[{key}]": value for key, value in (metadata or {}).items()}
        if max_pages is None:
            return self._client.paginate(JOBS, FineTuningJob, params=params, page_size=page_size)
        return self._client.paginate(
            JOBS, FineTuningJob, params=params, page_size=page_size, max_pages=max_pages
        )

    async def retrieve(self, job_id: str) -> FineTuningJob:
        """One job as it is now."""
        found: FineTuningJob = await self._client.request("GET", _job(job_id), model=FineTuningJob)
        return found

    async def _act(self, job_id: str, action: str) -> FineTuningJob:
        done: FineTuningJob = await self._client.request(
            "POST", f"{_job(job_id)}/{action}", model=FineTuningJob
        )
        return done

    async def cancel(self, job_id: str) -> FineTuningJob:
        """Stop a job for good."""
        return await self._act(job_id, "cancel")

    async def pause(self, job_id: str) -> FineTuningJob:
        """Pause a running job."""
        return await self._act(job_id, "pause")

    async def resume(self, job_id: str) -> FineTuningJob:
        """Resume a paused job."""
        return await self._act(job_id, "resume")

    async def events_page(
        self, job_id: str, *, after: str | None = None, limit: int = EVENTS_PAGE
    ) -> CursorPage[FineTuningEvent]:
        """One page of a job's events, newest first; `after` an event id to go on from
        (older than it)."""
        page: CursorPage[FineTuningEvent] = await self._client.request(
            "GET",
            f"{_job(job_id)}/events",
            params={"after": after, "limit": limit},
            model=CursorPage[FineTuningEvent],
        )
        return page

    async def new_events(
        self,
        job_id: str,
        known: set[str] | str | None,
        *,
        limit: int = EVENTS_PAGE,
        max_pages: int = NEW_EVENTS_PAGES,
    ) -> tuple[builtins.list[FineTuningEvent], bool]:
        """The events newer than those `known` (ids, or the newest known id), newest first,
        paging back until one is reached; and whether older ones are still unfetched (only
        when nothing was known: the first page is all a screen needs to start).
        PagingStopped when the server repeats a page or pages on past `max_pages`."""
        from tui.api.errors import PagingStopped

        seen = {known} if isinstance(known, str) else set(known or ())
        found: builtins.list[FineTuningEvent] = []
        ids: set[str] = set()
        after: str | None = None
        cursors: set[str] = set()
        for pages in range(1, max_pages + 1):
            page = await self.events_page(job_id, after=after, limit=limit)
            fresh = 0
            for event in page.data:
                if event.id in seen:
                    return found, False
                if event.id in ids:
                    continue
                ids.add(event.id)
                fresh += 1
                found.append(event)
            if not seen:
                return found, page.has_more
            after = page.next_cursor()
            if not page.has_more or after is None or not page.data:
                return found, False
            if after in cursors or not fresh:
                raise PagingStopped(
                    f"the events of {job_id}: the server sent the same page again (it "
                    f"ignores `after`); stopped after {pages:,} page(s)",
                    status=200,
                )
            cursors.add(after)
        raise PagingStopped(
            f"the events of {job_id}: more than {max_pages * limit:,} new events at once, "
            "and the server still said there were more; stopped there",
            status=200,
        )

    def events(
        self, job_id: str, *, page_size: int = EVENTS_PAGE
    ) -> AsyncIterator[FineTuningEvent]:
        """Every event of a job, newest first."""
        return self._client.paginate(f"{_job(job_id)}/events", FineTuningEvent, page_size=page_size)

    def checkpoints(
        self, job_id: str, *, page_size: int = 100
    ) -> AsyncIterator[FineTuningCheckpoint]:
        """A job's checkpoints, newest first."""
        return self._client.paginate(
            f"{_job(job_id)}/checkpoints",
            FineTuningCheckpoint,
            page_size=page_size,
            max_pages=CHECKPOINT_PAGES,
        )

    # Checkpoint permissions: an admin key's client (see Services.admin_client).

    def permissions(self, checkpoint: str) -> AsyncIterator[CheckpointPermission]:
        """The projects that may use a checkpoint."""
        path = f"/fine_tuning/checkpoints/{quote(checkpoint, safe='')}/permissions"
        return self._client.paginate(path, CheckpointPermission)

    async def grant(
        self, checkpoint: str, project_ids: builtins.list[str]
    ) -> builtins.list[CheckpointPermission]:
        """Let these projects use a checkpoint."""
        path = f"/fine_tuning/checkpoints/{quote(checkpoint, safe='')}/permissions"
        page: CursorPage[CheckpointPermission] = await self._client.request(
            "POST",
            path,
            json_body={"project_ids": project_ids},
            model=CursorPage[CheckpointPermission],
        )
        return page.data

    async def revoke(self, checkpoint: str, permission_id: str) -> Deleted:
        """Take a project's permission away."""
        path = (
            f"/fine_tuning/checkpoints/{quote(checkpoint, safe='')}/permissions/"
            f"{quote(permission_id, safe='')}"
        )
        gone: Deleted = await self._client.request("DELETE", path, model=Deleted)
        return gone
