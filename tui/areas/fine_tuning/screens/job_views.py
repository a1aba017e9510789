"""The views of the job the cockpit follows, one widget each: its chart (with the line
under it that reads a point), its checkpoints (the best marked ★) and its metrics file as
a table. Each shows a job's state when told; none asks the server itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from tui.areas.fine_tuning.core.follower import METRICS
from tui.widgets.line_chart import Line, LineChart
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.areas.fine_tuning.core.follower import JobState

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


class ChartPanel(Vertical):
    """A job's metrics as lines, and what the cursor reads under them."""

    DEFAULT_CSS = """
    ChartPanel { height: 1fr; }
    ChartPanel #curve { height: 1fr; }
    ChartPanel #readout { height: 1; padding: 0 1; }
    """

    def __init__(self, *, plain_glyphs: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self._plain_glyphs = plain_glyphs
        self.series_set = 0

    def compose(self) -> ComposeResult:
        yield LineChart(plain=self._plain_glyphs, empty="No metrics yet.", id="curve")
        yield Static("", id="readout")

    @property
    def chart(self) -> LineChart:
        """The chart."""
        return self.query_one(LineChart)

    def show(self, state: JobState) -> None:
        """Draw this job (new points only, if it is the job drawn already)."""
        chart = self.chart
        if not chart.lines or chart.lines[0].series is not state.metrics["train_loss"]:
            self._set_series(state)
        if state.step is not None:
            chart.x_end = float(state.step[1])
        chart.data_changed()

    def _set_series(self, state: JobState) -> None:
        names = SERIES_SETS[self.series_set][1]
        labels = dict(METRICS)
        lines = [
            Line(name, labels[name], state.metrics[name], MARKS[name])
            for name in names
            if name in state.metrics
        ]
        self.chart.set_lines(lines)
        self.chart.x_end = float(state.step[1]) if state.step is not None else None

    def next_series(self, state: JobState | None) -> str:
        """Show the next set of series; its name."""
        self.series_set = (self.series_set + 1) % len(SERIES_SETS)
        if state is not None:
            self._set_series(state)
        return SERIES_SETS[self.series_set][0]

    def next_smoothing(self) -> float:
        """Smoothing off, 0.6, 0.9; the weight now."""
        chart = self.chart
        chart.smoothing = (
            SMOOTHING[(SMOOTHING.index(chart.smoothing) + 1) % len(SMOOTHING)]
            if chart.smoothing in SMOOTHING
            else 0.0
        )
        return chart.smoothing

    def toggle_log(self) -> bool:
        """A log scale, or not; whether it is on now."""
        self.chart.log_scale = not self.chart.log_scale
        return self.chart.log_scale

    def empty(self, text: str) -> None:
        """No job to draw: say why."""
        self.chart.set_lines([])
        self.chart.empty = text

    def readout(self) -> str:
        """What the cursor reads, or "" without one."""
        return self.chart.readout() if self.is_mounted else ""

    def show_readout(self, text: str) -> None:
        """Show the readout line."""
        self.query_one("#readout", Static).update(Text(text, style="dim", no_wrap=True))


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


class CheckpointTable(DataTable[Text]):
    """A job's checkpoints, oldest first, the best (lowest full validation loss) marked."""

    COLUMNS = (
        ("best", " "),
        ("step", "step"),
        ("train", "train loss"),
        ("valid", "valid loss"),
        ("full", "full valid"),
        ("acc", "accuracy"),
        ("model", "model"),
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self._models: dict[str, str] = {}

    def on_mount(self) -> None:
        for key, label in self.COLUMNS:
            self.add_column(label, key=key)

    def show(self, state: JobState) -> None:
        """Show the job's checkpoints (the table is left alone if they did not change)."""
        best = state.best_checkpoint()
        rows = sorted(state.checkpoints, key=lambda c: c.step_number)
        if self.row_count == len(rows) and (not rows or rows[-1].id in self.rows):
            return
        self.clear()
        self._models = {c.id: c.fine_tuned_model_checkpoint for c in rows}
        for c in rows:
            m = c.metrics
            self.add_row(
                Text("★" if best is not None and c.id == best.id else ""),
                Text(f"{c.step_number:,}"),
                Text(_figure(m.train_loss)),
                Text(_figure(m.valid_loss)),
                Text(_figure(m.full_valid_loss)),
                Text(_figure(m.full_valid_mean_token_accuracy or m.train_mean_token_accuracy)),
                plain(c.fine_tuned_model_checkpoint.rsplit(":", 1)[-1]),
                key=c.id,
            )

    def current_model(self) -> str | None:
        """The checkpoint model under the cursor."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
        return self._models.get(str(key))


class ResultsTable(DataTable[Text]):
    """A job's metrics file (the first result file) as a table."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")

    def say(self, text: str) -> None:
        """No table: one line that says why."""
        self.clear(columns=True)
        self.add_column("result files")
        self.add_row(plain(text))

    def show_rows(self, rows: list[list[str]]) -> None:
        """The file's rows; the first is the header."""
        self.clear(columns=True)
        if not rows:
            return
        for name in rows[0]:
            self.add_column(plain(name))
        for row in rows[1:]:
            self.add_row(*[plain(cell) for cell in row])
