"""The fine-tuning area's service: everything the cockpit, the create form, the model
details and `loom fine-tuning` ask of the server and of the watcher goes through here —
the screens never hold the client (an import contract says so).

Jobs highlighted on a screen are followed while shown; jobs marked with `w` are watched
on every screen and again after a restart (the shared watcher keeps them); in demo mode
the job training is watched from the start, so a newcomer hears when one ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.areas.fine_tuning.core.follower import KIND, JobFollower, JobUpdate
from tui.core.context import AreaContext, AreaService

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.api.multipart import Progress
    from tui.api.schemas import FileObject
    from tui.areas.fine_tuning.api.resource import FineTuningResource
    from tui.areas.fine_tuning.api.schemas import FineTuningCheckpoint, FineTuningJob
    from tui.areas.fine_tuning.core.results import FileFacts
    from tui.core.topic import Topic
    from tui.core.watcher import Watch

LIST_PAGE = 100
"""Jobs asked for a page (and in each refresh)."""
JOB_PAGES = 50
"""The most pages of jobs listed (the newest 5,000): a list that goes on past them is
shown that far, and said so."""
ACTIONS = {"pause": "pausing", "resume": "resuming", "cancel": "cancelling"}


class FineTuningService(AreaService):
    """Jobs of the server in use: listed, followed, watched, acted on, created."""

    def __init__(self, context: AreaContext) -> None:
        super().__init__(context)
        self.updates: Topic[JobUpdate] = context.topic("fine-tuning jobs")
        """Told after every poll of every job followed (the cockpit listens)."""
        self.followers: dict[str, JobFollower] = {}
        self._resource: tuple[OpenAIClient, FineTuningResource] | None = None

    # --- the API --------------------------------------------------------------------------

    async def resource(self) -> FineTuningResource:
        """The fine-tuning resource on the client in use (a new one after the server
        changed)."""
        from tui.areas.fine_tuning.api.resource import FineTuningResource

        client = await self.context.client()
        if self._resource is None or self._resource[0] is not client:
            self._resource = (client, FineTuningResource(client))
        return self._resource[1]

    async def list_jobs(
        self, *, newest_only: bool = False, first: Any = None
    ) -> tuple[dict[str, FineTuningJob], str | None]:
        """The server's jobs by id, newest first (only the first page with `newest_only`),
        and what stopped a list that never ended (what came is kept). `first(jobs)` is
        told the first page as soon as it is there. Raises the API's errors otherwise."""
        from tui.api.errors import PagingStopped

        resource = await self.resource()
        found: dict[str, FineTuningJob] = {}
        note = None
        try:
            async for job in resource.list(page_size=LIST_PAGE, max_pages=JOB_PAGES):
                found[job.id] = job
                if len(found) >= LIST_PAGE:
                    if newest_only:
                        break
                    if len(found) == LIST_PAGE and first is not None:
                        first(dict(found))
        except PagingStopped as stopped:
            note = f"showing the {len(found):,} jobs that came: {stopped}"
        # A followed job may be newer than the list's copy.
        for job_id, job in list(found.items()):
            follower = self.followers.get(job_id)
            mine = follower.state.job if follower is not None else None
            if mine is not None and mine.status != job.status and not job.finished:
                found[job_id] = mine
        return found, note

    async def act(self, job_id: str, action: str) -> FineTuningJob:
        """Pause, resume or cancel a job (the API's errors propagate); the job as it is
        now, and its follower asks again at once."""
        resource = await self.resource()
        call = {"pause": resource.pause, "resume": resource.resume, "cancel": resource.cancel}
        job = await call[action](job_id)
        follower = self.followers.get(job_id)
        if follower is not None:
            follower.state.job = job
            watch = self._watch(job_id)
            if watch is not None:
                self.context.watcher.wake(watch)
        return job

    async def save_results(self, job: FineTuningJob) -> list[Path]:
        """The job's result files, written into downloads/ of the data folder."""
        from tui.areas.fine_tuning.core.results import save_result_files

        client = await self.context.client()
        return await save_result_files(client, job, self.settings.store_dir / "downloads")

    async def metrics_table(self, file_id: str) -> list[list[str]]:
        """The rows of a job's metrics file."""
        from tui.areas.fine_tuning.core.results import metrics_table

        return await metrics_table(await self.context.client(), file_id)

    async def file_facts(self, file_id: str) -> FileFacts:
        """Name, size and lines of a training or validation file."""
        from tui.areas.fine_tuning.core.results import file_facts

        return await file_facts(await self.context.client(), file_id)

    async def uploaded_files(self) -> list[FileObject]:
        """Files uploaded for fine-tuning before (the newest 60)."""
        client = await self.context.client()
        files = []
        async for file in client.files.list(purpose="fine-tune"):
            files.append(file)
            if len(files) >= 60:
                break
        return files

    async def upload(
        self, path: Path, *, size: int, progress: Progress, partial: dict[str, Any]
    ) -> str:
        """Upload a local training or validation file; its id. Files over 64 MB go in
        parts, and `partial` keeps an upload on its way so that a retry goes on from the
        parts that arrived."""
        from tui.areas.fine_tuning.core.job_request import SINGLE_REQUEST

        client = await self.context.client()
        if size <= SINGLE_REQUEST:
            made = await client.files.upload("fine-tune", path=path, progress=progress)
            return made.id
        from tui.api.uploads import LargeUpload

        upload = partial.setdefault(str(path), LargeUpload(path, "fine-tune"))
        sent = await upload.send(client, progress)
        partial.pop(str(path), None)
        return str(sent.id)

    async def create(self, body: dict[str, Any]) -> FineTuningJob:
        """Start a job (`CreateFineTuningJobRequest`); it is watched from then on."""
        resource = await self.resource()
        job = await resource.create(body)
        self.follow(job.id, keep=True, known_status=job.status).state.job = job
        return job

    async def made_model(
        self, model_id: str
    ) -> tuple[FineTuningJob | None, list[FineTuningCheckpoint]]:
        """The job that made a fine-tuned model (or checkpoint), and its checkpoints."""
        resource = await self.resource()
        made = None
        async for job in resource.list(page_size=100, max_pages=JOB_PAGES):
            model = job.fine_tuned_model or ""
            if model_id == model or (model and model_id.startswith(model + ":")):
                made = job
                break
            if job.id.removeprefix("ftjob-")[:8] in model_id.split(":"):
                made = job
                break
        if made is None:
            return None, []
        checkpoints = [c async for c in resource.checkpoints(made.id)]
        return made, sorted(checkpoints, key=lambda c: c.step_number)

    # --- following --------------------------------------------------------------------------

    def _make(self, job_id: str) -> JobFollower:
        follower = self.followers.get(job_id)
        if follower is None:
            follower = JobFollower(self.resource, job_id, publish=self.updates.publish)
            self.followers[job_id] = follower
        return follower

    def _watch(self, job_id: str) -> Watch | None:
        return self.context.watcher.get(KIND, job_id)

    def follower(self, job_id: str) -> JobFollower | None:
        """The follower of a job, if it has one."""
        return self.followers.get(job_id)

    def follow(self, job_id: str, *, keep: bool = False, known_status: str = "") -> JobFollower:
        """Follow a job (again, if its polls had stopped); with `keep`, watch it on every
        screen and after a restart too."""
        follower = self._make(job_id)
        self.context.watcher.follow(follower, keep=keep, known_status=known_status)
        return follower

    def show(self, job_id: str) -> JobFollower:
        """A screen shows this job now: followed at the fast rate, its whole history
        fetched."""
        follower = self.follow(job_id)
        follower.wants_history = True
        watch = self._watch(job_id)
        if watch is not None:
            self.context.watcher.focus(watch, True)
        return follower

    def hide(self, job_id: str) -> None:
        """No screen shows this job any more."""
        follower = self.followers.get(job_id)
        if follower is not None:
            follower.wants_history = False
        watch = self._watch(job_id)
        if watch is not None:
            self.context.watcher.focus(watch, False)

    def wake(self, job_id: str) -> None:
        """Ask for the job now."""
        watch = self._watch(job_id)
        if watch is not None:
            self.context.watcher.wake(watch)

    def is_watched(self, job_id: str) -> bool:
        """Whether the user asked to watch this job."""
        watch = self._watch(job_id)
        return watch is not None and watch.kept

    def watched(self) -> set[str]:
        """The jobs the user asked to watch."""
        return self.context.watcher.kept(KIND)

    def unwatch(self, job_id: str) -> None:
        """Stop watching a job on every screen (a screen may still follow it)."""
        self.context.watcher.unkeep(KIND, job_id)

    async def started(self) -> None:
        """After the first frame: follow again the jobs watched before; in demo mode, the
        jobs training, so that a newcomer hears when one ends."""
        from tui.api.errors import APIError

        restored = await self.context.watcher.restore(KIND, self._make)
        if not self.settings.demo or restored:
            return
        try:
            resource = await self.resource()
            async for job in resource.list():
                if job.status == "running":
                    self.follow(job.id, keep=True, known_status=job.status)
        except APIError:
            return

    def server_changed(self) -> None:
        """Job ids belong to the server they were made on: forget them all."""
        self.followers.clear()
        self._resource = None
