"""The fine-tuning cockpit: the jobs of the server, and the one highlighted followed live —
its loss curve drawing itself, its events, checkpoints, metrics file and details.

The list is asked for again every few seconds while the screen is shown; the highlighted
job has a follower (tui.core.fine_tuning) that polls it quickly and fetches its whole
history for the chart; jobs marked with `w` are watched from any screen (the app says when
their status changes) and again after a restart.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from tui.core.fine_tuning import METRICS, JobUpdate
from tui.core.job_text import (
    ACTIVE,
    duration,
    eta,
    job_name,
    method_short,
    progress,
    short_model,
    status_mark,
    status_words,
    when,
)
from tui.core.text import moment, safe
from tui.screens.base import HELP_BINDING, LoomScreen
from tui.screens.fine_tuning.details import details_text
from tui.widgets.event_log import EventLog
from tui.widgets.key_footer import KeyFooter
from tui.widgets.line_chart import Line, LineChart
from tui.widgets.plain import plain
from tui.widgets.theme_styles import theme_style

if TYPE_CHECKING:
    from tui.api.schemas import FineTuningJob
    from tui.core.fine_tuning import JobFollower, JobState

LIST_EVERY = 5.0
"""Seconds between asking for the newest jobs while the screen is shown."""
LIST_PAGE = 100
"""Jobs asked for a page (and in each refresh)."""
JOB_PAGES = 50
"""The most pages of jobs listed (the newest 5,000): a list that goes on past them is
shown that far, and the status line says so."""
FILTERS = ("all", "active", "succeeded", "failed", "cancelled")
SORTS = ("newest", "status", "name")
SMOOTHING = (0.0, 0.6, 0.9)
SERIES_SETS = (
    ("losses", ("train_loss", "valid_loss", "full_valid_loss")),
    (
        "accuracy",
        (
            "train_mean_token_accuracy",
            "valid_mean_token_accuracy",
            "full_valid_mean_token_accuracy",
        ),
    ),
    ("train loss", ("train_loss",)),
    ("all", tuple(name for name, _ in METRICS)),
)
MARKS = {
    "train_loss": "T",
    "valid_loss": "V",
    "full_valid_loss": "F",
    "train_mean_token_accuracy": "t",
    "valid_mean_token_accuracy": "v",
    "full_valid_mean_token_accuracy": "f",
}
TABS = ("chart", "events", "checkpoints", "results", "details")
COLUMNS = {
    "watch": " ",
    "status": "status",
    "name": "name",
    "progress": "progress",
    "eta": "ETA",
    "model": "model",
    "method": "how",
    "created": "created",
    "tokens": "tokens",
}
"""The job list's columns, by key; the last two only from WIDE columns."""
WIDE = 100


class JobChanged(Message):
    """A followed job changed (posted from its follower's listener)."""

    def __init__(self, update: JobUpdate) -> None:
        super().__init__()
        self.update = update


class FineTuningScreen(LoomScreen):
    """Fine-tuning jobs, followed live."""

    MODE = "fine-tuning"
    HELP_TITLE = "fine-tuning"
    HELP_INTRO = (
        "The jobs of this server, newest first. The highlighted job is followed live: its "
        "chart draws itself as metrics arrive, its events and checkpoints fill in. w watches "
        "a job from every screen (Loom says when its status changes, with the bell and a "
        "desktop notification where the terminal takes one) and again after a restart. n "
        "starts a new job from a local JSONL file, checked before it is uploaded."
    )
    CSS_PATH = "fine_tuning.tcss"

    BINDINGS = [
        Binding("n", "new_job", "New", id="ft.new", tooltip="Start a job: check, upload, create"),
        Binding("w", "watch", "Watch", id="ft.watch", tooltip="Watch this job from every screen"),
        Binding("t", "chat", "Chat", id="ft.chat", tooltip="Chat with the fine-tuned model"),
        Binding("p", "pause", "Pause", id="ft.pause", tooltip="Pause the running job (asks)"),
        Binding(
            "u",
            "resume",
            "Resume",
            show=False,
            id="ft.resume",
            tooltip="Resume a paused job (asks)",
        ),
        Binding(
            "x", "cancel_job", "Cancel", show=False, id="ft.cancel", tooltip="Cancel the job (asks)"
        ),
        Binding(
            "c",
            "copy",
            "Copy",
            show=False,
            id="ft.copy",
            tooltip="Copy the job's id, model or files",
        ),
        Binding(
            "d",
            "download",
            "Get",
            show=False,
            id="ft.download",
            tooltip="Download the result files",
        ),
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
            "z",
            "zoom",
            "Zoom",
            id="ft.zoom",
            tooltip="Hide/show the job list (more room for the chart)",
        ),
        Binding(
            "l", "log_scale", "Log", show=False, id="ft.log", tooltip="Chart: log scale on/off"
        ),
        Binding(
            "m",
            "smooth",
            "Smooth",
            show=False,
            id="ft.smooth",
            tooltip="Chart: smoothing off / 0.6 / 0.9",
        ),
        Binding(
            "v",
            "series",
            "Series",
            show=False,
            id="ft.series",
            tooltip="Chart: losses, accuracy, train loss, all",
        ),
        Binding(
            "r", "refresh", "Refresh", show=False, id="ft.refresh", tooltip="Ask the server now"
        ),
        Binding("1", "tab('chart')", "Chart", show=False, id="ft.tab_chart"),
        Binding("2", "tab('events')", "Events", show=False, id="ft.tab_events"),
        Binding("3", "tab('checkpoints')", "Checkpoints", show=False, id="ft.tab_checkpoints"),
        Binding("4", "tab('results')", "Results", show=False, id="ft.tab_results"),
        Binding("5", "tab('details')", "Details", show=False, id="ft.tab_details"),
        Binding("escape", "focus_jobs", "Jobs", show=False, id="ft.jobs"),
        HELP_BINDING,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.jobs: dict[str, FineTuningJob] = {}
        self.selected: str | None = None
        self.status_filter = "all"
        self.sort = "newest"
        self.series_set = 0
        self.problem: str | None = None
        self.listed_at: float | None = None
        self._results: dict[str, list[list[str]]] = {}
        self._stale = False
        self._status_shown: tuple[str, str] = ("", "")
        self.files: dict[str, Any] = {}
        """What is known of training and validation files, by id."""
        from tui.screens.fine_tuning.create import Draft

        self.draft = Draft()
        """The create form as last typed (kept when it fails or is left)."""
        self._opening: str | None = None
        """A job to select once the list has it (`loom fine-tuning JOB_ID`)."""

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        bar = self.mode_bar()
        if bar is not None:
            yield bar
        table: DataTable[Text] = DataTable(id="jobs", cursor_type="row", zebra_stripes=False)
        table.border_title = "Jobs"
        yield table
        with TabbedContent(id="job", initial="chart"):
            with TabPane("1 Chart", id="chart"):
                yield LineChart(
                    plain=getattr(self.app, "plain_glyphs", False),
                    empty="No metrics yet.",
                    id="curve",
                )
                yield Static("", id="readout")
            with TabPane("2 Events", id="events"):
                yield EventLog(id="log")
            with TabPane("3 Checkpoints", id="checkpoints"):
                yield DataTable(id="checkpoint-table", cursor_type="row")
            with TabPane("4 Results", id="results"):
                yield DataTable(id="results-table", cursor_type="row")
            with TabPane("5 Details", id="details"), VerticalScroll(id="details-scroll"):
                yield Static("", id="details-text")
        yield Static("", id="ft-status")
        yield KeyFooter()

    def _columns(self) -> tuple[str, ...]:
        """The list's columns: all of them from WIDE columns, the ones that matter below."""
        keys = tuple(COLUMNS)
        return keys if self.app.size.width >= WIDE else keys[:-2]

    def _set_columns(self) -> None:
        table = self._table()
        wanted = self._columns()
        if tuple(str(key.value) for key in table.columns) == wanted:
            return
        table.clear(columns=True)
        for key in wanted:
            table.add_column(COLUMNS[key], key=key)

    def on_resize(self) -> None:
        if tuple(str(key.value) for key in self._table().columns) != self._columns():
            self._fill_table()

    def on_mount(self) -> None:
        table = self._table()
        self._set_columns()
        checkpoints: DataTable[Text] = self.query_one("#checkpoint-table", DataTable)
        for key, label in (
            ("best", " "),
            ("step", "step"),
            ("train", "train loss"),
            ("valid", "valid loss"),
            ("full", "full valid"),
            ("acc", "accuracy"),
            ("model", "model"),
        ):
            checkpoints.add_column(label, key=key)
        table.focus()
        self._show_status()
        self.set_interval(LIST_EVERY, self._list_if_shown)
        self.set_interval(1.0, self._tick)
        self.list_jobs()

    def _table(self) -> DataTable[Text]:
        return self.query_one("#jobs", DataTable)

    def _chart(self) -> LineChart:
        return self.query_one("#curve", LineChart)

    # --- the list -------------------------------------------------------------------------

    def _list_if_shown(self) -> None:
        if self.is_current:
            self.list_jobs(newest_only=bool(self.jobs))

    @work(group="ft-list", exclusive=True, exit_on_error=False)
    async def list_jobs(self, newest_only: bool = False) -> None:
        """Ask the server for every job (page by page) and show them, the first page as
        soon as it is there; `newest_only`: only the first page, the rest kept from before
        (a refresh every few seconds must not page through an organisation's whole
        history). A list that never ends is shown as far as it came, and said so."""
        from tui.api.errors import APIError, PagingStopped

        client = await self.services.client()
        found: dict[str, FineTuningJob] = {}
        note = None
        try:
            async for job in client.fine_tuning.list(page_size=LIST_PAGE, max_pages=JOB_PAGES):
                found[job.id] = job
                if len(found) >= LIST_PAGE:
                    if newest_only:
                        break
                    if len(found) == LIST_PAGE and not self.jobs:
                        self._take(dict(found), newest_only=False)  # the first page, at once
        except PagingStopped as stopped:
            note = f"showing the {len(found):,} jobs that came: {stopped}"
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
        """Show the jobs listed (a followed job's own copy where it is newer)."""
        self.listed_at = time.time()
        for job_id, job in list(found.items()):
            follower = self.services.jobs.follower(job_id)
            if follower is not None and follower.state.job is not None:
                mine = follower.state.job
                if mine.status != job.status and not job.finished:
                    found[job_id] = mine
        if newest_only:
            found = {**self.jobs, **found}  # older jobs as listed before
        self.jobs = found
        self._fill_table()
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
            self._fill_table()

    def _shown_jobs(self) -> list[FineTuningJob]:
        jobs = list(self.jobs.values())
        f = self.status_filter
        if f == "active":
            jobs = [j for j in jobs if j.status in ACTIVE]
        elif f != "all":
            jobs = [j for j in jobs if j.status == f]
        if self.sort == "newest":
            jobs.sort(key=lambda j: (j.created_at, j.id), reverse=True)
        elif self.sort == "status":
            order = {
                s: n
                for n, s in enumerate(
                    (
                        "running",
                        "paused",
                        "queued",
                        "validating_files",
                        "failed",
                        "succeeded",
                        "cancelled",
                    )
                )
            }
            jobs.sort(key=lambda j: (order.get(j.status, 9), -j.created_at))
        else:
            jobs.sort(key=lambda j: job_name(j).lower())
        return jobs

    def _row(self, job: FineTuningJob) -> list[Text]:
        _, colour = status_mark(job.status)
        style = theme_style(self.app, colour)
        follower = self.services.jobs.follower(job.id)
        step = follower.state.step if follower is not None else None
        watched = "◉" if self.services.jobs.is_watched(job.id) else ""
        cells = [
            Text(watched),
            Text(status_words(job.status), style=style),
            plain(job_name(job)),
            Text(progress(step, job)),
            Text(eta(job)),
            plain(short_model(job.model)),
            Text(method_short(job)),
            Text(when(job.created_at)),
            Text(f"{job.trained_tokens:,}" if job.trained_tokens else "–"),
        ]
        return cells[: len(self._columns())]

    def _fill_table(self) -> None:
        table = self._table()
        if self._opening in self.jobs and self._opening not in [j.id for j in self._shown_jobs()]:
            self.status_filter = "all"  # the job asked for is hidden by the filter
        keep = self._opening or self.selected
        if keep is None and table.row_count:
            keep = self._row_key_at(table.cursor_row)
        shown = self._shown_jobs()
        if keep is None:
            # First sight: a job that trains now, so its chart draws itself at once (not a
            # validating one with no metrics yet).
            keep = next((job.id for job in shown if job.status == "running"), None)
        if [job.id for job in shown] == [str(key.value) for key in table.rows] and (
            tuple(str(key.value) for key in table.columns) == self._columns()
        ):
            for job in shown:  # the same rows: only their cells change
                self._update_row(job)
            if self._opening in self.jobs:
                wanted, self._opening = self._opening, None
                table.move_cursor(row=table.get_row_index(wanted))
                self._select(wanted)
            return
        self._set_columns()
        table.clear()
        for job in shown:
            table.add_row(*self._row(job), key=job.id)
        table.border_title = plain(f"Jobs · {self.status_filter} · by {self.sort}")
        if not table.row_count:
            self._show_empty(
                "No jobs here yet: n starts one."
                if self.status_filter == "all"
                else f"No {self.status_filter} jobs (f shows others)."
            )
            return
        index = 0
        if keep is not None:
            try:
                index = table.get_row_index(keep)
            except Exception:
                index = 0
            if keep == self._opening and keep in self.jobs:
                self._opening = None
        table.move_cursor(row=index)
        self._select(self._row_key_at(index))

    def _row_key_at(self, index: int) -> str | None:
        table = self._table()
        if not 0 <= index < table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(Coordinate(index, 0)).row_key.value
        except Exception:
            return None
        return str(key) if key is not None else None

    def _update_row(self, job: FineTuningJob) -> None:
        table = self._table()
        try:
            table.get_row_index(job.id)
        except Exception:
            return
        for key, value in zip(self._columns(), self._row(job), strict=True):
            table.update_cell(job.id, key, value, update_width=True)

    @on(DataTable.RowHighlighted, "#jobs")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key is not None:
            self._select(str(key))

    @on(DataTable.RowSelected, "#jobs")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.query_one(TabbedContent).focus()
        self._focus_tab()

    # --- the job followed -----------------------------------------------------------------

    def _select(self, job_id: str | None) -> None:
        if job_id is None or job_id == self.selected:
            return
        board = self.services.jobs
        old = board.follower(self.selected) if self.selected else None
        if old is not None:
            old.focused = False
            old.wants_history = False
            old.listeners = [f for f in old.listeners if getattr(f, "__self__", None) is not self]
        self.selected = job_id
        self.query_one("#details-scroll", VerticalScroll).scroll_home(animate=False)
        follower = board.follow(job_id)
        follower.focused = True
        follower.wants_history = True
        follower.listeners.append(self._job_update)
        follower.wake()
        self._show_job(follower, history=True)
        self.refresh_bindings()  # pause, resume, chat: for this job

    def _job_update(self, update: JobUpdate) -> None:
        """From the follower (on the event loop): hand it to the screen as a message."""
        self.post_message(JobChanged(update))

    @on(JobChanged)
    def _job_changed(self, message: JobChanged) -> None:
        update = message.update
        if not self.is_current:
            # Under a dialog or another screen: show it when the screen is back (each
            # change below a dialog would repaint the dialog too).
            self._stale = True
            return
        state = update.state
        if state.job is not None:
            self.jobs[state.job_id] = state.job
            self._update_row(state.job)
        if state.job_id != self.selected:
            return
        follower = self.services.jobs.follower(state.job_id)
        if follower is not None:
            self._show_job(follower, history=update.history or update.status_change is not None)

    def _show_job(self, follower: JobFollower, *, history: bool = False) -> None:
        state = follower.state
        chart = self._chart()
        if not chart.lines or chart.lines[0].series is not state.metrics["train_loss"]:
            self._set_series(state)
        if state.step is not None:
            chart.x_end = float(state.step[1])
        chart.data_changed()
        self.query_one(EventLog).show(state.lines)
        self._show_checkpoints(state)
        self._show_details(state)
        self._show_status()
        if self.query_one(TabbedContent).active == "results":
            self._load_results()

    def _set_series(self, state: JobState) -> None:
        names = SERIES_SETS[self.series_set][1]
        labels = dict(METRICS)
        lines = [
            Line(name, labels[name], state.metrics[name], MARKS[name])
            for name in names
            if name in state.metrics
        ]
        chart = self._chart()
        chart.set_lines(lines)
        chart.x_end = float(state.step[1]) if state.step is not None else None

    def _show_checkpoints(self, state: JobState) -> None:
        table: DataTable[Text] = self.query_one("#checkpoint-table", DataTable)
        best = state.best_checkpoint()
        rows = sorted(state.checkpoints, key=lambda c: c.step_number)
        if table.row_count == len(rows) and (not rows or rows[-1].id in table.rows):
            return
        table.clear()
        for c in rows:
            m = c.metrics
            table.add_row(
                Text("★" if best is not None and c.id == best.id else ""),
                Text(f"{c.step_number:,}"),
                Text(_figure(m.train_loss)),
                Text(_figure(m.valid_loss)),
                Text(_figure(m.full_valid_loss)),
                Text(_figure(m.full_valid_mean_token_accuracy or m.train_mean_token_accuracy)),
                plain(c.fine_tuned_model_checkpoint.rsplit(":", 1)[-1]),
                key=c.id,
            )

    def _show_details(self, state: JobState) -> None:
        watched = self.services.jobs.is_watched(state.job_id)
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
        from tui.core.results import FileFacts, file_facts

        client = await self.services.client()
        for file_id in file_ids:
            if file_id in self.files:
                continue
            self.files[file_id] = FileFacts(file_id, "…", 0, None)
            self.files[file_id] = await file_facts(client, file_id)
        follower = self.services.jobs.follower(self.selected or "")
        if follower is not None:
            self._show_details(follower.state)

    def _show_empty(self, text: str) -> None:
        self.query_one("#details-text", Static).update(plain(text))
        self.query_one(EventLog).show([])
        self._chart().set_lines([])
        self._chart().empty = text

    def _tick(self) -> None:
        """Once a second: the ETA and "updated … ago" move on."""
        if self.is_current:
            self._show_status()

    def _show_status(self) -> None:
        counts: dict[str, int] = {}
        for job in self.jobs.values():
            key = "waiting" if job.status in ("queued", "validating_files") else job.status
            counts[key] = counts.get(key, 0) + 1
        watched = len(self.services.jobs.watched)
        marks = {"running": "▶", "paused": "‖", "waiting": "…", "failed": "✗"}
        words = [f"{counts[k]} {k}" for k in marks if k in counts]
        short = [f"{marks[k]}{counts[k]}" for k in marks if k in counts]
        if watched:
            words.append(f"watching {watched}")
            short.append(f"◉{watched}")
        tail, tail_style = self._status_tail()
        room = self.app.size.width - 2
        head = " · ".join([f"{len(self.jobs)} jobs", *words])
        if len(head) + len(tail) > room:
            head = " ".join([f"{len(self.jobs)} jobs", *short])  # the marks read in 16 colours
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(head, style="bold")
        line.append(tail, style=tail_style)
        readout = self._chart().readout() if self.is_mounted else ""
        if (line.plain, readout) == self._status_shown:
            return  # the same words: nothing to send to the terminal
        self._status_shown = (line.plain, readout)
        self.query_one("#readout", Static).update(Text(readout, style="dim", no_wrap=True))
        self.query_one("#ft-status", Static).update(line)

    def _status_tail(self) -> tuple[str, str]:
        """What the status line says after the counts: a problem, the server's note, when
        the job was last heard of (or when it ended), and a hint on the checkpoints."""
        follower = self.services.jobs.follower(self.selected) if self.selected else None
        state = follower.state if follower is not None else None
        if state is not None and state.stopped:
            return f" │ {safe(state.stopped)}", "bold"
        if state is not None and state.failing_since is not None:
            since = moment(state.failing_since, "%H:%M:%S")
            return f" │ reconnecting (since {since}): {safe(state.problem or '')}", "bold"
        if self.problem:
            return f" │ {safe(self.problem)}", "bold"
        if state is not None and state.note:
            return f" │ {safe(state.note)}", "bold"
        hint = ""
        if self.is_mounted and self.query_one(TabbedContent).active == "checkpoints":
            hint = " │ Enter chats with a checkpoint, c copies"
        job = state.job if state is not None else None
        if job is not None and job.finished:
            return f" │ {job.status} {when(job.finished_at)}{hint}", "dim"
        if state is not None and state.updated_at is not None:
            ago = duration(time.time() - state.updated_at).split(" ", 1)[0]
            return f" │ updated {ago} ago{hint}", "dim"
        return hint, "dim"

    # --- keys -----------------------------------------------------------------------------

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
                bool(job.fine_tuned_model) or self._checkpoint_row() is not None
            )
        if action in ("log_scale", "smooth", "series"):
            return self.query_one(TabbedContent).active == "chart"
        return True

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
        active = self.query_one(TabbedContent).active
        target = {
            "chart": "#curve",
            "events": "#log",
            "checkpoints": "#checkpoint-table",
            "results": "#results-table",
            "details": "#details-scroll",
        }.get(active)
        if target:
            self.query_one(target).focus()

    def action_focus_jobs(self) -> None:
        """Back to the job list."""
        self._table().focus()

    def action_zoom(self) -> None:
        """Hide or show the job list: the job's views take the room."""
        table = self._table()
        table.display = not table.display
        if not table.display:
            self._focus_tab()
        else:
            table.focus()

    def action_filter(self) -> None:
        """Show all jobs, or only those of one kind."""
        self.status_filter = FILTERS[(FILTERS.index(self.status_filter) + 1) % len(FILTERS)]
        self._fill_table()

    def action_sort(self) -> None:
        """Sort the list another way."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._fill_table()

    def action_log_scale(self) -> None:
        """Chart: a log scale, or not."""
        chart = self._chart()
        chart.log_scale = not chart.log_scale
        self.notify(f"Log scale {'on' if chart.log_scale else 'off'}.", timeout=2)

    def action_smooth(self) -> None:
        """Chart: smoothing off, 0.6, 0.9."""
        chart = self._chart()
        weight = (
            SMOOTHING[(SMOOTHING.index(chart.smoothing) + 1) % len(SMOOTHING)]
            if chart.smoothing in SMOOTHING
            else 0.0
        )
        chart.smoothing = weight
        self.notify(f"Smoothing {weight:g}." if weight else "Smoothing off.", timeout=2)

    def action_series(self) -> None:
        """Chart: another set of series."""
        self.series_set = (self.series_set + 1) % len(SERIES_SETS)
        follower = self.services.jobs.follower(self.selected) if self.selected else None
        if follower is not None:
            self._set_series(follower.state)
        self.notify(f"Chart: {SERIES_SETS[self.series_set][0]}.", timeout=2)

    def action_refresh(self) -> None:
        """Ask the server now."""
        self.list_jobs()
        follower = self.services.jobs.follower(self.selected) if self.selected else None
        if follower is not None:
            follower.wake()

    def action_watch(self) -> None:
        """Watch the job from every screen (or stop watching it)."""
        job = self.jobs.get(self.selected or "")
        if job is None:
            return
        board = self.services.jobs
        if board.is_watched(job.id):
            board.unwatch(job.id)
            self.notify(f"No longer watching {job_name(job)}.", title="Fine-tuning", timeout=3)
        elif job.finished:
            self.notify(
                f"{job_name(job)} has {job.status}: nothing more to watch.",
                title="Fine-tuning",
                timeout=4,
            )
            return
        else:
            board.follow(job.id, watch=True, known_status=job.status)
            self.notify(
                f"Watching {job_name(job)}: Loom says when its status changes, on any screen.",
                title="Fine-tuning",
                timeout=4,
            )
        self._update_row(job)
        self._show_status()

    def _checkpoint_row(self) -> str | None:
        if self.query_one(TabbedContent).active != "checkpoints":
            return None
        table: DataTable[Text] = self.query_one("#checkpoint-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        follower = self.services.jobs.follower(self.selected or "")
        if follower is None:
            return None
        for c in follower.state.checkpoints:
            if c.id == key:
                return c.fine_tuned_model_checkpoint
        return None

    @on(DataTable.RowSelected, "#checkpoint-table")
    async def _checkpoint_chosen(self, event: DataTable.RowSelected) -> None:
        await self.action_chat()

    async def action_chat(self) -> None:
        """Chat with the fine-tuned model (or the checkpoint highlighted)."""
        model = self._checkpoint_row()
        job = self.jobs.get(self.selected or "")
        if model is None and job is not None:
            model = job.fine_tuned_model
        if not model:
            self.notify("This job has made no model yet.", title="Fine-tuning", timeout=3)
            return
        use = getattr(self.app, "use_model", None)
        if callable(use):
            await use(model, new_chat=True)

    def action_copy(self) -> None:
        """Copy an id of the job: its id, its model, its files."""
        from tui.screens.dialogs import Choose

        job = self.jobs.get(self.selected or "")
        if job is None:
            return
        ids = [("job id", job.id)]
        if job.fine_tuned_model:
            ids.append(("fine-tuned model", job.fine_tuned_model))
        checkpoint = self._checkpoint_row()
        if checkpoint:
            ids.append(("checkpoint", checkpoint))
        ids.append(("training file", job.training_file))
        if job.validation_file:
            ids.append(("validation file", job.validation_file))

        def chosen(index: int | None) -> None:
            if index is None:
                return
            name, value = ids[index]
            self.app.copy_and_say(value, f"the {name} {value}")  # type: ignore[attr-defined]

        self.app.push_screen(
            Choose("Copy which id?", [f"{name}: {value}" for name, value in ids]), chosen
        )

    def action_pause(self) -> None:
        """Pause the running job (asks first)."""
        self._ask_and_act("pause", "Pause {name}? It keeps its progress; u resumes it.")

    def action_resume(self) -> None:
        """Resume the paused job (asks first)."""
        self._ask_and_act("resume", "Resume {name}?")

    def action_cancel_job(self) -> None:
        """Cancel the job (asks first)."""
        self._ask_and_act("cancel", "Cancel {name}? This cannot be undone; its checkpoints stay.")

    def _ask_and_act(self, action: str, question: str) -> None:
        from tui.screens.dialogs import Confirm

        job = self.jobs.get(self.selected or "")
        if job is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._act(job.id, action)

        self.app.push_screen(Confirm(question.format(name=job_name(job))), answered)

    @work(group="ft-act", exit_on_error=False)
    async def _act(self, job_id: str, action: str) -> None:
        from tui.api.errors import APIError

        client = await self.services.client()
        call = {
            "pause": client.fine_tuning.pause,
            "resume": client.fine_tuning.resume,
            "cancel": client.fine_tuning.cancel,
        }[action]
        doing = {"pause": "pausing", "resume": "resuming", "cancel": "cancelling"}[
            action
        ] + " the job"
        try:
            job = await call(job_id)
        except APIError as error:
            self.notify(self.said(error, doing), title="Fine-tuning", severity="error", timeout=12)
            return
        self.jobs[job.id] = job
        self._update_row(job)
        follower = self.services.jobs.follower(job_id)
        if follower is not None:
            follower.wake()
        self.refresh_bindings()
        self.notify(f"{job_name(job)}: {status_words(job.status)}.", title="Fine-tuning", timeout=4)

    @work(group="ft-download", exit_on_error=False)
    async def action_download(self) -> None:
        """Save the job's result files in the data folder's downloads/."""
        from tui.core.results import save_result_files

        job = self.jobs.get(self.selected or "")
        if job is None or not job.result_files:
            self.notify(
                "This job has no result files yet (they come when it succeeds).",
                title="Fine-tuning",
                timeout=4,
            )
            return
        client = await self.services.client()
        try:
            saved = await save_result_files(
                client, job, self.services.settings.store_dir / "downloads"
            )
        except Exception as error:
            self.notify(
                self.said(error, "downloading the result files"),
                title="Fine-tuning",
                severity="error",
                timeout=12,
            )
            return
        self.notify("Saved " + ", ".join(str(p) for p in saved), title="Fine-tuning", timeout=10)

    @work(group="ft-results", exclusive=True, exit_on_error=False)
    async def _load_results(self) -> None:
        """Show the metrics file of the job as a table (fetched once per job)."""
        from tui.core.results import metrics_table

        job = self.jobs.get(self.selected or "")
        table: DataTable[Text] = self.query_one("#results-table", DataTable)
        if job is None:
            return
        rows = self._results.get(job.id)
        if rows is None:
            if not job.result_files:
                table.clear(columns=True)
                table.add_column("result files")
                table.add_row(Text("None yet: they come when the job succeeds."))
                return
            client = await self.services.client()
            try:
                rows = await metrics_table(client, job.result_files[0])
            except Exception as error:
                table.clear(columns=True)
                table.add_column("result files")
                table.add_row(plain(self.said(error, "reading the result file")))
                return
            self._results[job.id] = rows
        if self.selected != job.id:
            return
        table.clear(columns=True)
        if not rows:
            return
        for name in rows[0]:
            table.add_column(plain(name))
        for row in rows[1:]:
            table.add_row(*[plain(cell) for cell in row])

    def action_new_job(self) -> None:
        """Check a training file, upload it, create a job."""
        from tui.screens.fine_tuning.create import CreateJobScreen, Draft

        def made(job: FineTuningJob | None) -> None:
            if job is None:
                return
            self.draft = Draft()
            self.jobs[job.id] = job
            self.services.jobs.follow(job.id, watch=True, known_status=job.status)
            self._opening = job.id
            self._fill_table()
            self.notify(f"Job {job.id} created; watching it.", title="Fine-tuning", timeout=6)

        self.app.push_screen(CreateJobScreen(self.draft), made)

    def mode_shown(self) -> None:
        """Back from another screen (its key, or the palette): ↑/↓ move the job list again,
        whichever part had the keys before (a dialog closing leaves the focus where it was)."""
        table = self._table()
        if table.display:
            table.focus()

    def on_screen_resume(self) -> None:
        self.list_jobs(newest_only=bool(self.jobs))
        if self._stale:
            self._stale = False
            follower = self.services.jobs.follower(self.selected or "")
            if follower is not None:
                if follower.state.job is not None:
                    self._update_row(follower.state.job)
                self._show_job(follower, history=True)


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"

    from textual.color import Color

    try:
        return str(Color.parse(value).rich_color.name if value.startswith("ansi_") else value)
    except Exception:
        return ""
