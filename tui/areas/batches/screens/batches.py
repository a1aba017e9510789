"""The batches screen: every batch of the server, newest first — status, a bar of its
counts, endpoint, when it was made, what is left of its window — and the one under the
cursor in full below, its counts moving live (the shared watcher follows it fast while it
is shown), with its pace and an ETA, every stage, and the errors of a failed validation by
line. From here: its results (Enter), a new batch from a file (n), the failed requests sent
again (f), cancel (c), watch it on every screen (w), download its files (d)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.areas.batches.core.follower import status_words
from tui.areas.batches.core.words import description, detail_lines
from tui.areas.batches.screens import rows
from tui.areas.batches.screens.submit import Draft
from tui.core.failures import APIError
from tui.screens.base import HELP_BINDING, LoomScreen
from tui.screens.confirm import Change, ConfirmEdit, Edit
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain
from tui.widgets.relay import Relayed
from tui.widgets.row_table import RowTable

if TYPE_CHECKING:
    from tui.areas.batches.api.schemas import Batch
    from tui.areas.batches.core.follower import BatchUpdate

LIST_EVERY = 5.0
"""Seconds between refreshes of the list while it is on screen."""
CANCELLABLE = ("validating", "in_progress", "finalizing")


class BatchChanged(Relayed):
    """A followed batch was polled (relayed from the service's `updates`)."""


class BatchesScreen(LoomScreen):
    """The server's batches, and the one under the cursor in full."""

    MODE = "batches"
    AREA = "batches"
    HELP_TITLE = "batches"
    HELP_INTRO = (
        "Every batch of this server, newest first. The one under the cursor is followed "
        "live: its counts, pace and time left, each stage, and why a validation failed (by "
        "line of the input file). Enter opens its results, each request joined with its "
        "answer; n starts a batch from a JSONL file (checked line by line first); f sends "
        "the requests that failed again as a new batch; c cancels; w watches it on every "
        "screen (a notice, the bell and a desktop notification when it ends); d downloads "
        "its output and error files into the data folder."
    )
    CSS = """
    BatchesScreen { layout: vertical; }
    BatchesScreen #batch-list { height: 1fr; min-height: 5; border: round $panel-lighten-2; }
    BatchesScreen #batch-list:focus { border: round $primary; }
    BatchesScreen #batch-detail-scroll { height: 9; border: round $panel-lighten-2; }
    BatchesScreen #batch-status {
        height: 1; padding: 0 1; background: $panel; color: $text-muted;
    }
    """
    BINDINGS = [
        Binding("r,enter", "results", "Results", id="batches.results", tooltip="Its results"),
        Binding("n", "new", "New", id="batches.new", tooltip="A batch from a JSONL file"),
        Binding(
            "f", "resubmit", "Failed again", id="batches.resubmit", tooltip="Resend the failed"
        ),
        Binding("c", "cancel", "Cancel", id="batches.cancel", tooltip="Cancel it (asks first)"),
        Binding("w", "watch", "Watch", id="batches.watch", tooltip="Watch it on every screen"),
        Binding("d", "download", "Download", id="batches.download", tooltip="Its files"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="batches.refresh"),
        HELP_BINDING,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[Batch] = []
        self.problem: str | None = None
        self.selected: str | None = None
        self.listed_at: float | None = None
        self._opening: str | None = None
        self.draft = Draft()
        """The new-batch form's fields, kept while this screen lives."""

    def compose(self) -> ComposeResult:
        bar = self.mode_bar()
        if bar is not None:
            yield bar
        yield RowTable(rows.columns(self.app.size.width), id="batch-list")
        with VerticalScroll(id="batch-detail-scroll"):
            yield Static("", id="batch-detail")
        yield Static("", id="batch-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.listen(self.service.updates, BatchChanged)
        self._table().focus()
        self.set_interval(LIST_EVERY, self._list_if_shown)
        self.set_interval(1.0, self._tick)
        self._show_status()
        self.list_batches()

    def on_resize(self) -> None:
        wanted = rows.columns(self.app.size.width)
        table = self._table()
        if [c.key for c in table.columns] != [c.key for c in wanted]:
            table.columns = wanted
            self._fill()

    def _table(self) -> RowTable:
        return self.query_one("#batch-list", RowTable)

    def current(self) -> Batch | None:
        """The batch under the cursor (as last seen: followed, else listed)."""
        if self.selected is None:
            return None
        follower = self.service.followers.get(self.selected)
        if follower is not None and follower.state.batch is not None:
            seen: Batch = follower.state.batch
            return seen
        return next((b for b in self.batches if b.id == self.selected), None)

    # --- the list ---------------------------------------------------------------------------

    def _list_if_shown(self) -> None:
        if self.is_current:
            self.list_batches()

    def action_refresh(self) -> None:
        """Ask the server again now."""
        self.list_batches()

    @work(group="batches-list", exclusive=True, exit_on_error=False)
    async def list_batches(self) -> None:
        """Ask the server for its batches and show them."""
        try:
            found, note = await self.service.list_batches()
        except APIError as error:
            self.problem = self.said(error, "listing batches", "batches")
            self._show_status()
            if not self.batches:
                self._detail(Text(self.problem))
            return
        self.batches = found
        self.listed_at = time.time()
        self.problem = note
        self._fill()
        if self._opening is not None:
            wanted, self._opening = self._opening, None
            if not any(b.id == wanted for b in found):
                self.notify(
                    f"There is no batch {wanted} on this server (see the list).", markup=False
                )

    def open_job(self, batch_id: str) -> None:
        """Select a batch once it is listed (`loom batches ID`: the app's hook for the
        object a mode opens on)."""
        self._opening = batch_id
        self.selected = batch_id
        if self.batches:
            self._fill()

    def _fill(self) -> None:
        table = self._table()
        keys = [c.key for c in table.columns]
        now = time.time()
        shown = [
            rows.row(self._latest(b), keys, now, self.service.is_watched(b.id))
            for b in self.batches
        ]
        keep = self.selected
        if keep is None:
            # First sight: the batch that is running, so its counts move at once.
            keep = next((b.id for b in self.batches if b.status == "in_progress"), None)
        table.show(shown, keep=keep)
        if not self.batches:
            self._detail(
                Text(
                    "No batches on this server yet. n starts one from a JSONL file of "
                    "requests (`loom batches validate FILE` checks one from the shell)."
                )
            )
        self._select(table.current.key if table.current is not None else None)
        self._show_status()

    def _latest(self, batch: Batch) -> Batch:
        follower = self.service.followers.get(batch.id)
        seen = follower.state.batch if follower is not None else None
        return seen if seen is not None and seen.id == batch.id else batch

    @on(RowTable.Highlighted, "#batch-list")
    def _highlighted(self, message: RowTable.Highlighted) -> None:
        self._select(message.key)

    @on(RowTable.Chosen, "#batch-list")
    def _chosen(self, message: RowTable.Chosen) -> None:
        self.action_results()

    def _select(self, batch_id: str | None) -> None:
        if batch_id == self.selected and batch_id is not None:
            self._show_detail()
            return
        if self.selected is not None:
            self.service.hide(self.selected)
        self.selected = batch_id
        if batch_id is not None:
            batch = self.current()
            if batch is not None and not batch.finished:
                self.service.show(batch_id)
        self._show_detail()

    @on(BatchChanged)
    def _changed(self, message: BatchChanged) -> None:
        update: BatchUpdate = message.value
        batch = update.state.batch
        if batch is None:
            return
        self.batches = [batch if b.id == batch.id else b for b in self.batches]
        if self.is_current:
            self._fill()

    def _tick(self) -> None:
        if self.is_current:
            self._show_status()

    # --- what is shown ---------------------------------------------------------------------

    def _detail(self, text: Text) -> None:
        self.query_one("#batch-detail", Static).update(text)

    def _show_detail(self) -> None:
        batch = self.current()
        if batch is None:
            return
        follower = self.service.followers.get(batch.id)
        state = follower.state if follower is not None else None
        lines = detail_lines(batch, state, time.time())
        text = Text(no_wrap=False)
        text.append(lines[0] + "\n", style="bold")
        text.append_text(plain("\n".join(lines[1:])))
        if state is not None and state.problem:
            text.append(f"\n⚠ {state.problem}", style="bold")
        self._detail(text)

    def _show_status(self) -> None:
        line = Text(no_wrap=True, overflow="ellipsis")
        if self.problem:
            line.append(f"⚠ {self.problem}", style="bold")
        else:
            running = sum(1 for b in self.batches if not b.finished)
            line.append(f"{len(self.batches)} batches", style="bold")
            line.append(f" · {running} running")
            if self.listed_at is not None:
                line.append(f" · listed {round(time.time() - self.listed_at)}s ago")
        self.query_one("#batch-status", Static).update(line)

    # --- actions ---------------------------------------------------------------------------

    def action_results(self) -> None:
        """The results of the batch under the cursor, each request with its answer."""
        from tui.areas.batches.screens.results import ResultsScreen

        batch = self.current()
        if batch is None:
            return
        if not (batch.output_file_id or batch.error_file_id):
            self.notify(
                f"{description(batch)} has no results yet ({status_words(batch.status)}).",
                markup=False,
            )
            return
        self.app.push_screen(ResultsScreen(batch))

    def action_new(self) -> None:
        """A new batch from a JSONL file, checked before it is sent."""
        from tui.areas.batches.screens.submit import SubmitScreen

        def made(batch_id: str | None) -> None:
            if batch_id:
                self.selected = batch_id
                self.list_batches()

        self.app.push_screen(SubmitScreen(self.draft), made)

    def action_watch(self) -> None:
        """Watch the batch on every screen (again: stop watching it)."""
        batch = self.current()
        if batch is None:
            return
        if self.service.is_watched(batch.id):
            self.service.unwatch(batch.id)
            self.notify(f"No longer watching {description(batch)}.", markup=False)
        elif batch.finished:
            self.notify(
                f"{description(batch)} has ended ({status_words(batch.status)}).", markup=False
            )
            return
        else:
            self.service.watch(batch.id, known_status=batch.status)
            self.notify(
                f"Watching {description(batch)}: a notice on any screen when it ends.", markup=False
            )
        self._fill()

    def action_cancel(self) -> None:
        """Cancel the batch, once the dialog is answered with its name typed back."""
        batch = self.current()
        if batch is None:
            return
        if batch.status not in CANCELLABLE:
            self.notify(
                f"{description(batch)} is {status_words(batch.status)}: nothing to cancel.",
                markup=False,
            )
            return
        counts = batch.counts
        edit = Edit(
            "Cancel the batch",
            description(batch),
            (
                Change("status", status_words(batch.status), status_words("cancelling")),
                Change(
                    "requests",
                    f"{counts.completed + counts.failed:,} of {counts.total:,}",
                    "no more run",
                ),
            ),
            "The requests done so far are kept in its output; this cannot be undone.",
            destructive=True,
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._act(batch.id, "cancel")

        self.app.push_screen(ConfirmEdit(edit), answered)

    def action_resubmit(self) -> None:
        """Send the requests that failed again, as a new batch (asks first)."""
        batch = self.current()
        if batch is None:
            return
        failed = batch.counts.failed
        if not failed or not batch.error_file_id or not batch.finished:
            self.notify(
                f"{description(batch)}: no failed requests to send again"
                + ("" if batch.finished else " until it has ended")
                + ".",
                markup=False,
            )
            return
        edit = Edit(
            "Send the failed requests again",
            description(batch),
            (Change("new batch", "–", f"{failed:,} requests to {batch.endpoint}"),),
            "A new batch is made and billed; this one stays as it is.",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._act(batch.id, "resubmit")

        self.app.push_screen(ConfirmEdit(edit), answered)

    @work(group="batches-act", exit_on_error=False)
    async def _act(self, batch_id: str, action: str) -> None:
        batch = next((b for b in self.batches if b.id == batch_id), None)
        if batch is None:
            return
        try:
            if action == "cancel":
                done: Any = await self.service.cancel(batch_id)
                self.notify(f"{description(batch)}: {status_words(done.status)}.", markup=False)
            else:
                done = await self.service.resubmit_failed(batch)
                if done is None:
                    self.notify(f"{description(batch)}: no request failed.", markup=False)
                    return
                self.selected = done.id
                self.notify(f"Sent again as {done.id}.", markup=False)
        except APIError as error:
            doing = "cancelling the batch" if action == "cancel" else "sending the failed again"
            self.notify(self.service.told(error, doing), severity="error", timeout=12, markup=False)
            return
        self.list_batches()

    @work(group="batches-download", exit_on_error=False)
    async def action_download(self) -> None:
        """Download the batch's output and error files into the data folder."""
        batch = self.current()
        if batch is None:
            return
        if not (batch.output_file_id or batch.error_file_id):
            self.notify(
                f"{description(batch)} has no files yet ({status_words(batch.status)}).",
                markup=False,
            )
            return
        try:
            written = await self.service.download(batch)
        except (APIError, OSError) as error:
            why = (
                self.service.told(error, "downloading the files")
                if isinstance(error, APIError)
                else f"Could not write the files: {error}"
            )
            self.notify(why, severity="error", timeout=12, markup=False)
            return
        self.notify("Saved " + ", ".join(str(path) for path in written), markup=False)
