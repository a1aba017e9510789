"""The fine-tuning cockpit: the jobs of the server, and the one highlighted followed live —
its loss curve drawing itself, its events, checkpoints, metrics file and details.

The screen composes its parts (job_list, job_views, event_log, details) and routes what
happens between them; what its keys do to a job is in job_actions. The list is asked for
again every few seconds while the screen is shown; the highlighted job is followed by the
shared watcher at the fast rate with its whole history; jobs marked with `w` are watched
from any screen and again after a restart. Everything goes through the area's service.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from tui.areas.fine_tuning.core.follower import JobUpdate
from tui.areas.fine_tuning.screens.details import details_text
from tui.areas.fine_tuning.screens.event_log import EventLog
from tui.areas.fine_tuning.screens.job_actions import BINDINGS, JobActions
from tui.areas.fine_tuning.screens.job_list import JobList
from tui.areas.fine_tuning.screens.job_views import ChartPanel, CheckpointTable, ResultsTable
from tui.areas.fine_tuning.screens.status import status_line
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.areas.fine_tuning.api.schemas import FineTuningJob
    from tui.areas.fine_tuning.core.follower import JobFollower, JobState
    from tui.areas.fine_tuning.core.results import FileFacts

LIST_EVERY = 5.0
"""Seconds between asking for the newest jobs while the screen is shown."""
TABS = {
    "chart": "#curve",
    "events": "#log",
    "checkpoints": "#checkpoint-table",
    "results": "#results-table",
    "details": "#details-scroll",
}
"""The job's views, and what takes the keys in each."""


class JobChanged(Message):
    """A followed job changed (relayed from the area's topic)."""

    def __init__(self, update: JobUpdate) -> None:
        super().__init__()
        self.update = update


class FineTuningScreen(JobActions):
    """Fine-tuning jobs, followed live."""

    MODE = "fine-tuning"
    AREA = "fine_tuning"
    HELP_TITLE = "fine-tuning"
    HELP_INTRO = (
        "The jobs of this server, newest first. The highlighted job is followed live: its "
        "chart draws itself as metrics arrive, its events and checkpoints fill in. w watches "
        "a job from every screen (Loom says when its status changes, with the bell and a "
        "desktop notification where the terminal takes one) and again after a restart. n "
        "starts a new job from a local JSONL file, checked before it is uploaded. Pausing "
        "and cancelling show what will change and ask first."
    )
    CSS_PATH = "fine_tuning.tcss"

    BINDINGS = BINDINGS

    def __init__(self) -> None:
        super().__init__()
        from tui.areas.fine_tuning.screens.draft import Draft

        self.jobs: dict[str, FineTuningJob] = {}
        self.selected: str | None = None
        self.problem: str | None = None
        self.listed_at: float | None = None
        self.files: dict[str, FileFacts] = {}
        """What is known of training and validation files, by id."""
        self.draft = Draft()
        """The create form as last typed (kept when it fails or is left)."""
        self._opening: str | None = None
        """A job to select once the list has it (`loom fine-tuning JOB_ID`)."""
        self._results: dict[str, list[list[str]]] = {}
        self._stale = False
        self._status_shown: tuple[str, str] = ("", "")

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        bar = self.mode_bar()
        if bar is not None:
            yield bar
        yield JobList(self._row_facts, id="jobs")
        with TabbedContent(id="job", initial="chart"):
            with TabPane("1 Chart", id="chart"):
                yield ChartPanel(plain_glyphs=getattr(self.app, "plain_glyphs", False))
            with TabPane("2 Events", id="events"):
                yield EventLog(id="log")
            with TabPane("3 Checkpoints", id="checkpoints"):
                yield CheckpointTable(id="checkpoint-table")
            with TabPane("4 Results", id="results"):
                yield ResultsTable(id="results-table")
            with TabPane("5 Details", id="details"), VerticalScroll(id="details-scroll"):
                yield Static("", id="details-text")
        yield Static("", id="ft-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.listen(self.service.updates, JobChanged)
        self._list().focus()
        self._show_status()
        self.set_interval(LIST_EVERY, self._list_if_shown)
        self.set_interval(1.0, self._tick)
        self.list_jobs()

    def on_resize(self) -> None:
        if self._list().columns_shown() != self._list().columns_wanted():
            self._fill()

    def _list(self) -> JobList:
        return self.query_one(JobList)

    def _panel(self) -> ChartPanel:
        return self.query_one(ChartPanel)

    def _row_facts(self, job_id: str) -> tuple[tuple[int, int] | None, bool]:
        follower = self.service.follower(job_id)
        return (follower.state.step if follower else None), self.service.is_watched(job_id)

    # --- the list -------------------------------------------------------------------------

    def _list_if_shown(self) -> None:
        if self.is_current:
            self.list_jobs(newest_only=bool(self.jobs))

    @work(group="ft-list", exclusive=True, exit_on_error=False)
    async def list_jobs(self, newest_only: bool = False) -> None:
        """Ask the server for the jobs and show them, the first page as soon as it is there;
        `newest_only`: only the first page, the rest kept from before (a refresh every few
        seconds must not page through an organisation's whole history)."""
        from tui.core.failures import APIError

        first = None if self.jobs else (lambda page: self._take(page, newest_only=False))
        try:
            found, note = await self.service.list_jobs(newest_only=newest_only, first=first)
        except APIError as error:
            self.problem = self.said(error, "listing the fine-tuning jobs", "fine-tuning")
            self._show_status()
            if not self.jobs:
                self._show_empty(self.problem)
            return
        self._take(found, newest_only=newest_only)
        self.problem = note
        self._show_status()

    def _take(self, found: dict[str, FineTuningJob], *, newest_only: bool) -> None:
        self.listed_at = time.time()
        self.jobs = {**self.jobs, **found} if newest_only else found
        self._fill()
        if self._opening and self._opening not in self.jobs:
            wanted, self._opening = self._opening, None
            self.notify(
                f"There is no job {wanted} on this server (see the list).",
                title="Fine-tuning",
                severity="warning",
            )
        self.problem = None
        self._show_status()

    def open_job(self, job_id: str) -> None:
        """Select a job once it is listed (`loom fine-tuning JOB_ID`)."""
        self._opening = job_id
        if job_id in self.jobs:
            self._fill()

    def _fill(self) -> None:
        job_list = self._list()
        if self._opening in self.jobs and self._opening not in [
            j.id for j in job_list.shown_jobs(self.jobs)
        ]:
            job_list.status_filter = "all"  # the job asked for is hidden by the filter
        keep = self._opening or self.selected
        if keep is None:
            # First sight: a job that trains now, so its chart draws itself at once (not a
            # validating one with no metrics yet).
            shown = job_list.shown_jobs(self.jobs)
            keep = next((job.id for job in shown if job.status == "running"), None)
        at = job_list.fill(self.jobs, keep)
        if self._opening is not None and at == self._opening:
            self._opening = None
        if at is None:
            self._show_empty(
                "No jobs here yet: n starts one."
                if job_list.status_filter == "all"
                else f"No {job_list.status_filter} jobs (f shows others)."
            )
            return
        self._select(at)

    @on(DataTable.RowHighlighted, "#jobs")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key is not None:
            self._select(str(key))

    @on(DataTable.RowSelected, "#jobs")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self._focus_tab()

    # --- the job followed -----------------------------------------------------------------

    def _select(self, job_id: str | None) -> None:
        if job_id is None or job_id == self.selected:
            return
        if self.selected is not None:
            self.service.hide(self.selected)
        self.selected = job_id
        self.query_one("#details-scroll", VerticalScroll).scroll_home(animate=False)
        follower = self.service.show(job_id)
        self.service.wake(job_id)
        self._show_job(follower)
        self.refresh_bindings()  # pause, resume, chat: for this job

    @on(JobChanged)
    def _job_update(self, message: JobChanged) -> None:
        if not self.is_current:
            # Under a dialog or another screen: shown when the screen is back (each change
            # below a dialog would repaint the dialog too).
            self._stale = True
            return
        state = message.update.state
        if state.job is not None:
            self.jobs[state.job_id] = state.job
            self._list().update_row(state.job)
        if state.job_id != self.selected:
            return
        follower = self.service.follower(state.job_id)
        if follower is not None:
            self._show_job(follower)
        if message.update.status_change is not None:
            self.refresh_bindings()

    def _show_job(self, follower: JobFollower) -> None:
        state = follower.state
        self._panel().show(state)
        self.query_one(EventLog).show(state.lines)
        self.query_one(CheckpointTable).show(state)
        self._show_details(state)
        self._show_status()
        if self.query_one(TabbedContent).active == "results":
            self._load_results()

    def _job_changed_here(self, job: FineTuningJob) -> None:
        """A key changed the job (watched, paused…): its row, the status, the keys."""
        self._list().update_row(job)
        self._show_status()
        self.refresh_bindings()

    def _show_details(self, state: JobState) -> None:
        watched = self.service.is_watched(state.job_id)
        self.query_one("#details-text", Static).update(details_text(state, watched, self.files))
        job = state.job
        if job is not None:
            wanted = [
                f for f in (job.training_file, job.validation_file) if f and f not in self.files
            ]
            if wanted:
                self._load_files(wanted)

    @work(group="ft-files", exit_on_error=False)
    async def _load_files(self, file_ids: list[str]) -> None:
        """Learn the names, sizes and lines of a job's files (once each)."""
        from tui.areas.fine_tuning.core.results import FileFacts

        for file_id in file_ids:
            if file_id in self.files:
                continue
            self.files[file_id] = FileFacts(file_id, "…", 0, None)
            self.files[file_id] = await self.service.file_facts(file_id)
        follower = self.service.follower(self.selected or "")
        if follower is not None:
            self._show_details(follower.state)

    @work(group="ft-results", exclusive=True, exit_on_error=False)
    async def _load_results(self) -> None:
        """Show the metrics file of the job as a table (fetched once per job)."""
        job = self.jobs.get(self.selected or "")
        table = self.query_one(ResultsTable)
        if job is None:
            return
        rows = self._results.get(job.id)
        if rows is None:
            if not job.result_files:
                table.say("None yet: they come when the job succeeds.")
                return
            try:
                rows = await self.service.metrics_table(job.result_files[0])
            except Exception as error:
                table.say(self.said(error, "reading the result file"))
                return
            self._results[job.id] = rows
        if self.selected == job.id:
            table.show_rows(rows)

    def _show_empty(self, text: str) -> None:
        self.query_one("#details-text", Static).update(plain(text))
        self.query_one(EventLog).show([])
        self._panel().empty(text)

    # --- the status line -----------------------------------------------------------------

    def _tick(self) -> None:
        """Once a second: the ETA and "updated … ago" move on."""
        if self.is_current:
            self._show_status()

    def _show_status(self) -> None:
        follower = self.service.follower(self.selected) if self.selected else None
        line = status_line(
            self.jobs,
            watched=len(self.service.watched()),
            state=follower.state if follower is not None else None,
            problem=self.problem,
            checkpoints=self.is_mounted and self.query_one(TabbedContent).active == "checkpoints",
            width=self.app.size.width - 2,
        )
        readout = self._panel().readout() if self.is_mounted else ""
        if (line.plain, readout) == self._status_shown:
            return  # the same words: nothing to send to the terminal
        self._status_shown = (line.plain, readout)
        self._panel().show_readout(readout)
        self.query_one("#ft-status", Static).update(line)

    # --- keys -----------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#checkpoint-table")
    async def _checkpoint_chosen(self, event: DataTable.RowSelected) -> None:
        await self.action_chat()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # The job's views say they have the keys: their active tab is drawn reversed
        # (Textual's :focus-within does not restyle the tabs when focus moves).
        views = self.query_one(TabbedContent)
        views.set_class(views in event.widget.ancestors_with_self, "-focused")

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        self._show_status()
        if event.pane.id == "results":
            self._load_results()

    def action_tab(self, tab: str) -> None:
        """Show one of the job's views."""
        self.query_one(TabbedContent).active = tab
        self._focus_tab()

    def _focus_tab(self) -> None:
        target = TABS.get(str(self.query_one(TabbedContent).active))
        if target:
            self.query_one(target).focus()

    def action_focus_jobs(self) -> None:
        """Back to the job list."""
        self._list().focus()

    def action_zoom(self) -> None:
        """Hide or show the job list: the job's views take the room."""
        job_list = self._list()
        job_list.display = not job_list.display
        if not job_list.display:
            self._focus_tab()
        else:
            job_list.focus()

    def action_filter(self) -> None:
        """Show all jobs, or only those of one kind."""
        self._list().next_filter()
        self._fill()

    def action_sort(self) -> None:
        """Sort the list another way."""
        self._list().next_sort()
        self._fill()

    def action_log_scale(self) -> None:
        """Chart: a log scale, or not."""
        on_now = self._panel().toggle_log()
        self.notify(f"Log scale {'on' if on_now else 'off'}.", timeout=2)

    def action_smooth(self) -> None:
        """Chart: smoothing off, 0.6, 0.9."""
        weight = self._panel().next_smoothing()
        self.notify(f"Smoothing {weight:g}." if weight else "Smoothing off.", timeout=2)

    def action_series(self) -> None:
        """Chart: another set of series."""
        follower = self.service.follower(self.selected or "")
        name = self._panel().next_series(follower.state if follower else None)
        self.notify(f"Chart: {name}.", timeout=2)

    def action_refresh(self) -> None:
        """Ask the server now."""
        self.list_jobs()
        if self.selected:
            self.service.wake(self.selected)

    def mode_shown(self) -> None:
        """Back from another screen (its key, or the palette): ↑/↓ move the job list again,
        whichever part had the keys before (a dialog closing leaves the focus where it was)."""
        if self._list().display:
            self._list().focus()

    def on_screen_resume(self) -> None:
        self.list_jobs(newest_only=bool(self.jobs))
        if self._stale:
            self._stale = False
            follower = self.service.follower(self.selected or "")
            if follower is not None:
                if follower.state.job is not None:
                    self._list().update_row(follower.state.job)
                self._show_job(follower)

    def palette_entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        """The palette's entries for this screen: each job listed, to follow it."""
        from tui.areas.fine_tuning.core.text import job_name, status_words

        return [
            (
                f"Job: {job_name(job)} ({status_words(job.status)})",
                f"{job.id} · follow it on the fine-tuning screen",
                partial(self.open_job, job.id),
            )
            for job in self.jobs.values()
        ]

    def said(self, error: BaseException, doing: str, area: str | None = None) -> str:
        """A failure in one line (see AreaService.said)."""
        return self.service.said(error, doing, area)

    def on_unmount(self) -> None:
        if self.selected is not None:
            self.service.hide(self.selected)
