"""What the cockpit's keys do to the highlighted job: watch it, chat with its model, pause,
resume or cancel it (each shown before → after and asked, through the one confirmation
dialog; cancelling asks for the job's name typed back), copy its ids, download its result
files, start a new job. A mixin of the cockpit (tui/areas/fine_tuning/screens/cockpit.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding
from textual.widgets import TabbedContent

from tui.areas.fine_tuning.core.text import job_name, status_words
from tui.areas.fine_tuning.screens.job_views import CheckpointTable
from tui.screens.base import HELP_BINDING, LoomScreen
from tui.screens.confirm import Change, ConfirmEdit, Edit

if TYPE_CHECKING:
    from tui.areas.fine_tuning.api.schemas import FineTuningJob
    from tui.areas.fine_tuning.core.service import FineTuningService
    from tui.areas.fine_tuning.screens.draft import Draft

BINDINGS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding("n", "new_job", "New", id="ft.new", tooltip="Start a job: check, upload, create"),
    Binding("w", "watch", "Watch", id="ft.watch", tooltip="Watch this job from every screen"),
    Binding("t", "chat", "Chat", id="ft.chat", tooltip="Chat with the fine-tuned model"),
    Binding("p", "pause", "Pause", id="ft.pause", tooltip="Pause the running job (asks)"),
    Binding("u", "resume", "Resume", show=False, id="ft.resume", tooltip="Resume (asks)"),
    Binding(
        "x", "cancel_job", "Cancel", show=False, id="ft.cancel", tooltip="Cancel the job (asks)"
    ),
    Binding(
        "c", "copy", "Copy", show=False, id="ft.copy", tooltip="Copy the job's id, model, files"
    ),
    Binding("d", "download", "Get", show=False, id="ft.download", tooltip="Download result files"),
    Binding(
        "f",
        "filter",
        "Filter",
        show=False,
        id="ft.filter",
        tooltip="Show all, active, succeeded, failed or cancelled jobs",
    ),
    Binding(
        "s", "sort", "Sort", show=False, id="ft.sort", tooltip="Sort by newest, status or name"
    ),
    Binding(
        "z", "zoom", "Zoom", id="ft.zoom", tooltip="Hide/show the job list (room for the chart)"
    ),
    Binding("l", "log_scale", "Log", show=False, id="ft.log", tooltip="Chart: log scale on/off"),
    Binding("m", "smooth", "Smooth", show=False, id="ft.smooth", tooltip="Chart: smoothing"),
    Binding(
        "v",
        "series",
        "Series",
        show=False,
        id="ft.series",
        tooltip="Chart: losses, accuracy, train loss, all",
    ),
    Binding("r", "refresh", "Refresh", show=False, id="ft.refresh", tooltip="Ask the server now"),
    Binding("1", "tab('chart')", "Chart", show=False, id="ft.tab_chart"),
    Binding("2", "tab('events')", "Events", show=False, id="ft.tab_events"),
    Binding("3", "tab('checkpoints')", "Checkpoints", show=False, id="ft.tab_checkpoints"),
    Binding("4", "tab('results')", "Results", show=False, id="ft.tab_results"),
    Binding("5", "tab('details')", "Details", show=False, id="ft.tab_details"),
    Binding("escape", "focus_jobs", "Jobs", show=False, id="ft.jobs"),
    HELP_BINDING,
]
"""The cockpit's keys (their actions are here and in the cockpit)."""


EDITS = {
    "pause": ("Pause the job", "paused", "It keeps its progress; u resumes it.", False),
    "resume": ("Resume the job", "running", "", False),
    "cancel": (
        "Cancel the job",
        "cancelled",
        "This cannot be undone: the job stops for good; the checkpoints it saved stay.",
        True,
    ),
}
"""Each action: its words, the status it leads to, what follows, whether it is for good."""


def edit_for(job: FineTuningJob, action: str) -> Edit:
    """What pausing, resuming or cancelling `job` changes, for the confirmation dialog."""
    words, after, consequence, destructive = EDITS[action]
    return Edit(
        words,
        job_name(job),
        (Change("status", status_words(job.status), status_words(after)),),
        consequence,
        destructive,
    )


class JobActions(LoomScreen):
    """The keys that act on the highlighted job (the cockpit's base)."""

    jobs: dict[str, FineTuningJob]
    selected: str | None
    draft: Draft
    _opening: str | None

    @property
    def service(self) -> FineTuningService:
        """The fine-tuning area's service."""
        found: FineTuningService = self.services.area("fine_tuning")
        return found

    def _job_changed_here(self, job: FineTuningJob) -> None:
        """A key changed the job: the cockpit shows it (its row, status, keys)."""
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        job = self.jobs.get(self.selected or "")
        if action == "pause":
            return job is not None and job.status == "running"
        if action == "resume":
            return job is not None and job.status == "paused"
        if action == "cancel_job":
            return job is not None and not job.finished
        if action == "chat":
            return job is not None and (
                bool(job.fine_tuned_model) or self._checkpoint_model() is not None
            )
        if action in ("log_scale", "smooth", "series"):
            return self.query_one(TabbedContent).active == "chart"
        return True

    def _checkpoint_model(self) -> str | None:
        """The checkpoint under the cursor, if the checkpoints are shown."""
        if not self.is_mounted or self.query_one(TabbedContent).active != "checkpoints":
            return None
        return self.query_one(CheckpointTable).current_model()

    def _fill(self) -> None:
        """Show the jobs again."""
        raise NotImplementedError

    def _job(self) -> FineTuningJob | None:
        return self.jobs.get(self.selected or "")

    def action_watch(self) -> None:
        """Watch the job from every screen (or stop watching it)."""
        job = self._job()
        if job is None:
            return
        if self.service.is_watched(job.id):
            self.service.unwatch(job.id)
            self.notify(f"No longer watching {job_name(job)}.", title="Fine-tuning", timeout=3)
        elif job.finished:
            self.notify(
                f"{job_name(job)} has {job.status}: nothing more to watch.",
                title="Fine-tuning",
                timeout=4,
            )
            return
        else:
            self.service.follow(job.id, keep=True, known_status=job.status)
            self.notify(
                f"Watching {job_name(job)}: Loom says when its status changes, on any screen.",
                title="Fine-tuning",
                timeout=4,
            )
        self._job_changed_here(job)

    async def action_chat(self) -> None:
        """Chat with the fine-tuned model (or the checkpoint highlighted)."""
        model = self._checkpoint_model()
        job = self._job()
        if model is None and job is not None:
            model = job.fine_tuned_model
        if not model:
            self.notify("This job has made no model yet.", title="Fine-tuning", timeout=3)
            return
        await self.app.deliver("chat", "chat_with", model)  # type: ignore[attr-defined]

    def action_copy(self) -> None:
        """Copy an id of the job: its id, its model, a checkpoint, its files."""
        from tui.screens.dialogs import Choose

        job = self._job()
        if job is None:
            return
        ids = [("job id", job.id)]
        if job.fine_tuned_model:
            ids.append(("fine-tuned model", job.fine_tuned_model))
        checkpoint = self._checkpoint_model()
        if checkpoint:
            ids.append(("checkpoint", checkpoint))
        ids.append(("training file", job.training_file))
        if job.validation_file:
            ids.append(("validation file", job.validation_file))

        def chosen(index: int | None) -> None:
            if index is not None:
                name, value = ids[index]
                self.app.copy_and_say(value, f"the {name} {value}")  # type: ignore[attr-defined]

        self.app.push_screen(
            Choose("Copy which id?", [f"{name}: {value}" for name, value in ids]), chosen
        )

    def action_pause(self) -> None:
        """Pause the running job (shown, then asked)."""
        self._ask_and_act("pause")

    def action_resume(self) -> None:
        """Resume the paused job (shown, then asked)."""
        self._ask_and_act("resume")

    def action_cancel_job(self) -> None:
        """Cancel the job (shown, then asked with its name typed back)."""
        self._ask_and_act("cancel")

    def _ask_and_act(self, action: str) -> None:
        job = self._job()
        if job is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._act(job.id, action)

        self.app.push_screen(ConfirmEdit(edit_for(job, action)), answered)

    @work(group="ft-act", exit_on_error=False)
    async def _act(self, job_id: str, action: str) -> None:
        from tui.areas.fine_tuning.core.service import ACTIONS
        from tui.core.failures import APIError

        try:
            job = await self.service.act(job_id, action)
        except APIError as error:
            said = self.service.said(error, f"{ACTIONS[action]} the job")
            self.notify(said, title="Fine-tuning", severity="error", timeout=12)
            return
        self.jobs[job.id] = job
        self._job_changed_here(job)
        self.notify(f"{job_name(job)}: {status_words(job.status)}.", title="Fine-tuning", timeout=4)

    @work(group="ft-download", exit_on_error=False)
    async def action_download(self) -> None:
        """Save the job's result files in the data folder's downloads/."""
        job = self._job()
        if job is None or not job.result_files:
            self.notify(
                "This job has no result files yet (they come when it succeeds).",
                title="Fine-tuning",
                timeout=4,
            )
            return
        try:
            saved = await self.service.save_results(job)
        except Exception as error:
            said = self.service.said(error, "downloading the result files")
            self.notify(said, title="Fine-tuning", severity="error", timeout=12)
            return
        self.notify("Saved " + ", ".join(str(p) for p in saved), title="Fine-tuning", timeout=10)

    def action_new_job(self) -> None:
        """Check a training file, upload it, create a job."""
        from tui.areas.fine_tuning.screens.create import CreateJobScreen
        from tui.areas.fine_tuning.screens.draft import Draft

        def made(job: FineTuningJob | None) -> None:
            if job is None:
                return
            self.draft = Draft()
            self.jobs[job.id] = job
            self._opening = job.id
            self._fill()
            self.notify(f"Job {job.id} created; watching it.", title="Fine-tuning", timeout=6)

        self.app.push_screen(CreateJobScreen(self.draft), made)
