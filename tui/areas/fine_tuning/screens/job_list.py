"""The cockpit's list of jobs: status as a word and a mark (readable in 16 colours), name,
progress, time left, base model, method; from 100 columns also created and trained
tokens. Filtered and sorted here; rows updated in place when only their cells change."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from tui.areas.fine_tuning.core.text import (
    ACTIVE,
    eta,
    job_name,
    method_short,
    progress,
    status_mark,
    status_words,
)
from tui.core.words import short_model, when
from tui.widgets.plain import plain
from tui.widgets.theme_styles import theme_style

if TYPE_CHECKING:
    from tui.areas.fine_tuning.api.schemas import FineTuningJob

FILTERS = ("all", "active", "succeeded", "failed", "cancelled")
SORTS = ("newest", "status", "name")
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
"""The list's columns, by key; the last two only from WIDE columns."""
WIDE = 100
STATUS_ORDER = {
    s: n
    for n, s in enumerate(
        ("running", "paused", "queued", "validating_files", "failed", "succeeded", "cancelled")
    )
}

RowFacts = Callable[[str], tuple[tuple[int, int] | None, bool]]
"""A job id -> (its step, whether it is watched)."""


class JobList(DataTable[Text]):
    """The jobs of the server."""

    def __init__(self, facts: RowFacts, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.facts = facts
        self.status_filter = "all"
        self.order = "newest"
        self.border_title = "Jobs"

    def columns_wanted(self) -> tuple[str, ...]:
        """All the columns from WIDE columns, the ones that matter below."""
        keys = tuple(COLUMNS)
        return keys if self.app.size.width >= WIDE else keys[:-2]

    def columns_shown(self) -> tuple[str, ...]:
        """The columns on the table now."""
        return tuple(str(key.value) for key in self.columns)

    def _set_columns(self) -> None:
        wanted = self.columns_wanted()
        if self.columns_shown() == wanted:
            return
        self.clear(columns=True)
        for key in wanted:
            self.add_column(COLUMNS[key], key=key)

    def shown_jobs(self, jobs: dict[str, FineTuningJob]) -> list[FineTuningJob]:
        """The jobs the filter lets through, in the chosen order."""
        shown = list(jobs.values())
        f = self.status_filter
        if f == "active":
            shown = [j for j in shown if j.status in ACTIVE]
        elif f != "all":
            shown = [j for j in shown if j.status == f]
        if self.order == "newest":
            shown.sort(key=lambda j: (j.created_at, j.id), reverse=True)
        elif self.order == "status":
            shown.sort(key=lambda j: (STATUS_ORDER.get(j.status, 9), -j.created_at))
        else:
            shown.sort(key=lambda j: job_name(j).lower())
        return shown

    def row(self, job: FineTuningJob) -> list[Text]:
        """The cells of one job's row."""
        _, colour = status_mark(job.status)
        step, watched = self.facts(job.id)
        cells = [
            Text("◉" if watched else ""),
            Text(status_words(job.status), style=theme_style(self.app, colour)),
            plain(job_name(job)),
            Text(progress(step, job)),
            Text(eta(job)),
            plain(short_model(job.model)),
            Text(method_short(job)),
            Text(when(job.created_at)),
            Text(f"{job.trained_tokens:,}" if job.trained_tokens else "–"),
        ]
        return cells[: len(self.columns_wanted())]

    def fill(self, jobs: dict[str, FineTuningJob], keep: str | None) -> str | None:
        """Show `jobs`, the cursor on `keep` if it is shown (else the first row); the job
        the cursor is on, or None when no job is shown."""
        shown = self.shown_jobs(jobs)
        if [job.id for job in shown] == [str(key.value) for key in self.rows] and (
            self.columns_shown() == self.columns_wanted()
        ):
            for job in shown:  # the same rows: only their cells change
                self.update_row(job)
            if keep is not None and keep in self.rows:
                self.move_cursor(row=self.get_row_index(keep))
            return self.key_at(self.cursor_row)
        self._set_columns()
        self.clear()
        for job in shown:
            self.add_row(*self.row(job), key=job.id)
        self.border_title = plain(f"Jobs · {self.status_filter} · by {self.order}")
        if not self.row_count:
            return None
        index = self.get_row_index(keep) if keep is not None and keep in self.rows else 0
        self.move_cursor(row=index)
        return self.key_at(index)

    def key_at(self, index: int) -> str | None:
        """The job id of a row."""
        if not 0 <= index < self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(Coordinate(index, 0)).row_key.value
        except Exception:
            return None
        return str(key) if key is not None else None

    def update_row(self, job: FineTuningJob) -> None:
        """New cells for a job's row, if it is shown."""
        if job.id not in self.rows:
            return
        for key, value in zip(self.columns_wanted(), self.row(job), strict=True):
            self.update_cell(job.id, key, value, update_width=True)

    def next_filter(self) -> None:
        """Show all jobs, or only those of the next kind."""
        self.status_filter = FILTERS[(FILTERS.index(self.status_filter) + 1) % len(FILTERS)]

    def next_sort(self) -> None:
        """Sort the list the next way."""
        self.order = SORTS[(SORTS.index(self.order) + 1) % len(SORTS)]
