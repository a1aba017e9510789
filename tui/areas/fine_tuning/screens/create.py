"""Start a fine-tuning job with the keyboard: a local JSONL (Tab completes its path) or an
uploaded file, checked line by line before anything is sent; then upload (in parts, and
resumable, for large files), the base model, method, hyperparameters (auto or values within
the spec's ranges), suffix, seed, validation file, metadata, and create.

What was typed is kept as a draft by the cockpit: a failure, or Esc, loses nothing, and a
file uploaded once is not uploaded again while it is unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, ProgressBar, Select, Static, TextArea

from tui.areas.fine_tuning.core.job_request import METHODS, JobForm, build
from tui.areas.fine_tuning.core.training_data import Report, check_file, training_cost
from tui.areas.fine_tuning.screens.draft import BASES, Draft, local_file, stamp
from tui.core.text import safe
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.path_input import PathInput
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.areas.fine_tuning.core.service import FineTuningService

FIELDS = (
    ("training", "#training"),
    ("validation", "#validation"),
    ("model", "#model"),
    ("n_epochs", "#n_epochs"),
    ("batch_size", "#batch_size"),
    ("learning_rate_multiplier", "#learning_rate_multiplier"),
    ("beta", "#beta"),
    ("suffix", "#suffix"),
    ("seed", "#seed"),
    ("metadata", "#metadata"),
)


class CreateJobScreen(Screen[Any]):
    """The form to start a job; it ends with the job made (a FineTuningJob), or None."""

    DEFAULT_CSS = """
    CreateJobScreen { layout: vertical; }
    CreateJobScreen #form { height: 1fr; padding: 0 1; }
    CreateJobScreen #form-title { text-style: bold; padding: 0 1; background: $panel; }
    CreateJobScreen .field { height: 1; margin: 0 0 1 0; }
    CreateJobScreen .field > Label { width: 15; color: $text-muted; }
    CreateJobScreen .field > Input, CreateJobScreen .field > Select { width: 1fr; }
    CreateJobScreen .pair > .half { width: 1fr; height: 1; }
    CreateJobScreen .half > Label { width: 15; color: $text-muted; }
    CreateJobScreen .half > Input { width: 1fr; margin: 0 1 0 0; }
    CreateJobScreen .hint { color: $text-muted; margin: 0 0 1 0; }
    CreateJobScreen #report { padding: 0 1; margin: 0 0 1 0; border-left: thick $panel-lighten-2; }
    CreateJobScreen #report.bad { border-left: thick $error; }
    CreateJobScreen #report.good { border-left: thick $success; }
    CreateJobScreen #grader { height: 6; margin: 0 0 1 0; }
    CreateJobScreen #form-status { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    CreateJobScreen ProgressBar { padding: 0 1; height: 1; }
    CreateJobScreen Input.-invalid { background: $error 30%; }
    """

    BINDINGS = [
        Binding(
            "ctrl+s,f2",
            "create",
            "Create",
            id="ftnew.create",
            tooltip="Check, upload and create the job",
        ),
        Binding(
            "ctrl+o", "uploaded", "Files", id="ftnew.files", tooltip="Use a file uploaded before"
        ),
        Binding(
            "ctrl+r", "check", "Check", id="ftnew.check", tooltip="Check the training file again"
        ),
        Binding(
            "escape", "back", "Back", id="ftnew.back", tooltip="Back to the jobs (the form is kept)"
        ),
    ]

    def __init__(self, draft: Draft | None = None) -> None:
        super().__init__()
        self.draft = draft or Draft()
        self.report: Report | None = None
        self._checked: tuple[str, int, int, str] | None = None
        self.busy = False

    @property
    def service(self) -> FineTuningService:
        """The fine-tuning area's service."""
        service: FineTuningService = self.app.services.area("fine_tuning")  # type: ignore[attr-defined]
        return service

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        f = self.draft.form

        def field(label: str, widget: Input | Select[str]) -> Horizontal:
            return Horizontal(Label(plain(label)), widget, classes="field")

        yield Static("New fine-tuning job", id="form-title")
        with VerticalScroll(id="form"):
            yield Static(
                "A local JSONL (Tab completes its path) or an uploaded file's id (ctrl+o "
                "lists them). The file is checked before anything is sent.",
                classes="hint",
            )
            yield field(
                "Training file",
                PathInput(
                    f.training,
                    placeholder="data/train.jsonl or file-…",
                    id="training",
                    compact=True,
                ),
            )
            yield field(
                "Method",
                Select(
                    [(m, m) for m in METHODS],
                    value=f.method,
                    allow_blank=False,
                    id="method",
                    compact=True,
                ),
            )
            yield Static(Text("Type a path: the report comes here.", style="dim"), id="report")
            yield field(
                "Validation",
                PathInput(
                    f.validation,
                    placeholder="optional: data/valid.jsonl",
                    id="validation",
                    compact=True,
                ),
            )
            yield field(
                "Base model",
                Field(
                    f.model,
                    suggester=SuggestFromList(BASES, case_sensitive=False),
                    id="model",
                    compact=True,
                ),
            )
            for pair in (
                (
                    ("n_epochs", "Epochs 1-50", f.n_epochs),
                    ("batch_size", "Batch 1-256", f.batch_size),
                ),
                (
                    ("learning_rate_multiplier", "LR multiplier", f.learning_rate_multiplier),
                    ("beta", "Beta (DPO) ≤2", f.beta),
                ),
                (("suffix", "Suffix", f.suffix), ("seed", "Seed", f.seed)),
            ):
                with Horizontal(classes="field pair"):
                    for name, label, value in pair:
                        placeholder = {"suffix": "in the model's name", "seed": "random"}.get(
                            name, "auto"
                        )
                        with Horizontal(classes="half"):
                            yield Label(plain(label))
                            yield Field(value, placeholder=placeholder, id=name, compact=True)
            yield field(
                "Metadata",
                Field(
                    f.metadata,
                    placeholder="team=docs, run=3 (up to 16)",
                    id="metadata",
                    compact=True,
                ),
            )
            yield Label("Grader (reinforcement): a JSON object", id="grader-label")
            yield TextArea(f.grader, language=None, id="grader", compact=True)
        yield ProgressBar(total=100, show_eta=False, id="progress")
        yield Static(
            Text(
                "ctrl+s checks, uploads and creates the job · Esc goes back (the form is kept)",
                style="dim",
            ),
            id="form-status",
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#progress", ProgressBar).display = False
        self._method_changed()
        self.query_one("#training", PathInput).focus()
        if self.draft.form.training:
            self.action_check()

    # --- the draft ------------------------------------------------------------------------

    def _read(self) -> JobForm:
        form = self.draft.form
        for name, selector in FIELDS:
            setattr(form, name, self.query_one(selector, Input).value)
        method = self.query_one("#method", Select).value
        form.method = str(method) if isinstance(method, str) else "supervised"
        form.grader = self.query_one("#grader", TextArea).text
        return form

    def _say(self, text: str | Text, *, bad: bool = False) -> None:
        shown = text if isinstance(text, Text) else plain(text, style="bold" if bad else "")
        self.query_one("#form-status", Static).update(shown)

    @on(Select.Changed, "#method")
    def _method_changed(self, event: Select.Changed | None = None) -> None:
        method = self.query_one("#method", Select).value
        rl = method == "reinforcement"
        self.query_one("#grader").display = rl
        self.query_one("#grader-label").display = rl
        self.query_one("#beta").disabled = method != "dpo"
        if event is not None:
            self._checked = None
            self.action_check()

    @on(PathInput.Choices)
    def _choices(self, message: PathInput.Choices) -> None:
        self._say(plain("Several match: " + "  ".join(message.names)))

    @on(Input.Submitted, "#training")
    def _training_entered(self) -> None:
        self.action_check()

    @on(Input.Changed, "#training")
    def _training_typed(self, event: Input.Changed) -> None:
        # A whole file name (typed, pasted or completed with Tab) is checked at once.
        if (
            event.value.endswith((".jsonl", ".json", ".txt"))
            and Path(event.value).expanduser().is_file()
        ):
            self.action_check()

    @on(Input.Blurred, "#training")
    def _training_left(self) -> None:
        self.action_check()

    # --- checking -------------------------------------------------------------------------

    def action_check(self) -> None:
        """Check the training file (a local one) for the chosen method."""
        form = self._read()
        text = form.training.strip()
        if not text or text.startswith("file-"):
            self.report = None
            self._checked = None
            if text:
                self._show_report(
                    Text(
                        f"Uploaded file {safe(text)}: the server checks it when the job starts.",
                        style="dim",
                    ),
                    None,
                )
            return
        path = Path(text).expanduser()
        try:
            seen = (*stamp(path), form.method)
        except OSError as error:
            self.report = None
            self._show_report(plain(f"{text}: {error.strerror or error}"), False)
            return
        if path.is_dir():
            self._show_report(
                plain(f"{text} is a folder: name a .jsonl file in it (Tab completes)."), False
            )
            return
        if seen == self._checked:
            return
        self._checked = seen
        self._show_report(Text("Checking…", style="dim"), None)
        self._check(path, form.method)

    @work(thread=True, group="ftnew-check", exclusive=True, exit_on_error=False)
    def _check(self, path: Path, method: str) -> None:
        try:
            report = check_file(path, method)
        except OSError as error:
            said = error.strerror or str(error)
            self.app.call_from_thread(self._failed_check, plain(f"{path}: {said}"))
            return
        except Exception as error:  # the check's own bug: said, never "Checking…" for ever
            said = f"the check failed ({type(error).__name__}: {error})"
            self.app.call_from_thread(self._failed_check, plain(f"{path}: {said}"))
            return
        self.app.call_from_thread(self._checked_report, report)

    def _failed_check(self, text: Text) -> None:
        self.report = None
        self._checked = None  # checked again when asked
        self._show_report(text, False)

    def _checked_report(self, report: Report) -> None:
        self.report = report
        self._estimate()

    def _show_report(self, text: Text, ok: bool | None) -> None:
        report = self.query_one("#report", Static)
        report.update(text)
        report.set_class(ok is False, "bad")
        report.set_class(ok is True, "good")

    @on(Input.Changed, "#model,#n_epochs")
    def _estimate(self) -> None:
        """The report, with what training would cost at the listed price as its last line
        (right under the file's verdict, where it is seen at 80x24)."""
        report = self.report
        if report is None:
            return
        lines = report.summary()
        if report.examples:
            form = self._read()
            epochs: int | str = form.n_epochs.strip() or "auto"
            with contextlib.suppress(ValueError):
                epochs = int(epochs)
            cost = training_cost(
                report, form.model.strip(), epochs if isinstance(epochs, int) else "auto"
            )
            lines.append(f"training would cost {cost}")
        self._show_report(plain("\n".join(lines)), report.ok)

    # --- uploaded files ---------------------------------------------------------------------

    @work(group="ftnew-files", exclusive=True, exit_on_error=False)
    async def action_uploaded(self) -> None:
        """Pick a file uploaded for fine-tuning before."""
        from tui.core.failures import APIError
        from tui.screens.dialogs import Choose

        try:
            files = await self.service.uploaded_files()
        except APIError as error:
            self._say(plain(f"Could not list the uploaded files: {error}"), bad=True)
            return
        if not files:
            self._say("No files uploaded for fine-tuning yet: type a local path.")
            return
        labels = [f"{f.filename} · {f.bytes:,} bytes · {f.id}" for f in files]
        target = "#validation" if self.focused is self.query_one("#validation") else "#training"

        def chosen(index: int | None) -> None:
            if index is not None:
                field = self.query_one(target, Input)
                field.value = files[index].id
                self.action_check()

        self.app.push_screen(Choose("Use which uploaded file?", labels), chosen)

    # --- creating -------------------------------------------------------------------------

    def action_back(self) -> None:
        """Back to the jobs; the form is kept for next time."""
        self._read()
        if not self.busy:
            self.dismiss(None)

    def action_create(self) -> None:
        """Check everything, upload the files, create the job."""
        if self.busy:
            return
        form = self._read()
        _, problems = build(form, "file-placeholder", None)
        for name, selector in FIELDS:
            with contextlib.suppress(Exception):
                self.query_one(selector, Input).set_class(name in problems, "-invalid")
        if not form.training.strip():
            problems["training"] = "a training file"
        if problems:
            words = "; ".join(f"{name.replace('_', ' ')}: {why}" for name, why in problems.items())
            self._say(f"Fix first — {words}", bad=True)
            first = next((sel for name, sel in FIELDS if name in problems), None)
            if first:
                self.query_one(first).focus()
            return
        local = not form.training.strip().startswith("file-")
        if local and (self.report is None or self._checked is None):
            self.action_check()
            self._say("Checking the training file first; press ctrl+s again when it is done.")
            return
        if local and self.report is not None and not self.report.ok:
            self._say(
                f"The training file has {self.report.problem_count:,} "
                f"problem{'' if self.report.problem_count == 1 else 's'} (listed above): "
                "fix them and press ctrl+s again.",
                bad=True,
            )
            return
        self.busy = True
        self._submit(form)

    @work(group="ftnew-create", exclusive=True, exit_on_error=False)
    async def _submit(self, form: JobForm) -> None:
        from tui.core.advice import explain_call
        from tui.core.failures import APIError

        try:
            training = await self._upload(form.training.strip(), "training file")
            validation = None
            if form.validation.strip():
                validation = await self._upload(form.validation.strip(), "validation file")
            body, problems = build(form, training, validation)
            if problems:  # checked before; the form may have changed meanwhile
                self._say(
                    "Fix first — " + "; ".join(f"{k}: {v}" for k, v in problems.items()), bad=True
                )
                return
            self._say("Creating the job…")
            job = await self.service.create(body)
        except (APIError, OSError) as error:
            advice = explain_call(
                error, self.service.settings, doing="starting the job", area="fine-tuning"
            )
            resume = any(u.resumable for u in self.draft.partial.values())
            note = " The parts already sent are kept: ctrl+s goes on from there." if resume else ""
            self._say(plain(f"{advice.headline} {advice.detail} {advice.fix}{note}"), bad=True)
            return
        finally:
            self.busy = False
            self.query_one("#progress", ProgressBar).display = False
        self.dismiss(job)

    async def _upload(self, text: str, what: str) -> str:
        """The id of the file to use for `text` (an id, or a local path uploaded now)."""
        if text.startswith("file-"):
            return text
        path, mark = await asyncio.to_thread(local_file, text)
        known = self.draft.uploaded.get(mark)
        if known:
            return known
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=max(1, mark[1]), progress=0)

        def told(sent: int, total: int) -> None:
            bar.update(total=max(1, total), progress=sent)

        self._say(f"Uploading the {what} {path.name} ({mark[1]:,} bytes)…")
        made = await self.service.upload(
            path, size=mark[1], progress=told, partial=self.draft.partial
        )
        self.draft.uploaded[mark] = made
        return made
