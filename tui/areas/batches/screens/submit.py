"""The form that starts a batch from a JSONL file: the path (Tab completes it), a
description; the file is checked as soon as it is named — the same check as `loom batches
validate` (each line against the spec's request for its endpoint) with its tokens and cost
at the batch price — and nothing is sent before the check passes and the start is
confirmed. What was typed stays in the draft when the form is left or a send fails."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from tui.areas.batches.core.check import Report, batch_cost, check_file
from tui.core.failures import APIError
from tui.core.text import safe
from tui.screens.base import AreaScreen
from tui.screens.confirm import Change, ConfirmEdit, Edit
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.path_input import PathInput
from tui.widgets.plain import plain


@dataclass
class Draft:
    """What the form holds, kept while the batches screen lives."""

    path: str = ""
    description: str = ""
    table: str = ""
    user: str = ""
    system: str = ""
    model: str = "gpt-4o-mini"
    max_tokens: str = ""


class SubmitScreen(AreaScreen, Screen[str | None]):
    """Check a file and start a batch on it; ends with the new batch's id, or None."""

    AREA = "batches"
    DEFAULT_CSS = """
    SubmitScreen { layout: vertical; }
    SubmitScreen #submit-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    SubmitScreen #submit-form { height: 1fr; padding: 0 1; }
    SubmitScreen .field { height: 1; margin: 0 0 1 0; }
    SubmitScreen .field > Label { width: 13; color: $text-muted; }
    SubmitScreen .field > Input { width: 1fr; }
    SubmitScreen .hint { color: $text-muted; margin: 0 0 1 0; }
    SubmitScreen #submit-report-box { height: auto; max-height: 9; }
    SubmitScreen #submit-report { padding: 0 1; border-left: thick $panel-lighten-2; }
    SubmitScreen #submit-report.bad { border-left: thick $error; }
    SubmitScreen #submit-report.good { border-left: thick $success; }
    SubmitScreen #submit-status { height: auto; max-height: 3; padding: 0 1; background: $panel; }
    """
    BINDINGS = [
        Binding("ctrl+s,f2", "submit", "Start", id="bnew.start", tooltip="Upload and start it"),
        Binding("ctrl+r", "check", "Check", id="bnew.check", tooltip="Check the file again"),
        Binding(
            "ctrl+b", "build", "Build", id="bnew.build", tooltip="Build the file from the table"
        ),
        Binding("escape", "back", "Back", id="bnew.back", tooltip="Back (the form is kept)"),
    ]

    def __init__(self, draft: Draft | None = None) -> None:
        super().__init__()
        self.draft = draft or Draft()
        self.report: Report | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Static("New batch", id="submit-title")
        with VerticalScroll(id="submit-form"):
            yield Static(
                "A JSONL file of requests, one per line: custom_id, method POST, url (one "
                "endpoint for all) and body. Tab completes the path; the file is checked "
                "before anything is sent.",
                classes="hint",
            )
            with Horizontal(classes="field"):
                yield Label("Input file")
                yield PathInput(
                    self.draft.path, placeholder="requests.jsonl", id="path", compact=True
                )
            with Horizontal(classes="field"):
                yield Label("Description")
                yield Field(
                    self.draft.description,
                    placeholder="kept in its metadata",
                    id="description",
                    compact=True,
                )
            yield Static(
                "Or build it from a table (CSV with a header, or JSONL): a request per row, "
                "its {column}s filled into the messages; ctrl+b builds and checks it.",
                classes="hint",
            )
            for name, label, placeholder in (
                ("table", "Table", "tickets.csv"),
                ("user", "User", "Summarise this ticket: {text}"),
                ("system", "System", "optional: You answer briefly."),
                ("model", "Model", "gpt-4o-mini"),
                ("max_tokens", "Max tokens", "optional"),
            ):
                with Horizontal(classes="field"):
                    yield Label(label)
                    kind = PathInput if name == "table" else Field
                    yield kind(
                        getattr(self.draft, name),
                        placeholder=placeholder,
                        id=f"build-{name}",
                        compact=True,
                    )
        with VerticalScroll(id="submit-report-box"):
            yield Static(
                Text("Name a file: the check comes here.", style="dim"), id="submit-report"
            )
        yield Static(
            Text("ctrl+s starts it (after asking) · Esc goes back (the form is kept)", style="dim"),
            id="submit-status",
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#path", PathInput).focus()
        if self.draft.path:
            self.action_check()

    @on(Input.Changed, "#path")
    def _path_typed(self, event: Input.Changed) -> None:
        self.draft.path = event.value
        self.report = None
        if event.value.endswith((".jsonl", ".json")) and Path(event.value).expanduser().is_file():
            self.action_check()

    @on(Input.Changed, "#description")
    def _described(self, event: Input.Changed) -> None:
        self.draft.description = event.value

    @on(Input.Changed, "#build-table,#build-user,#build-system,#build-model,#build-max_tokens")
    def _build_typed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("build-")
        setattr(self.draft, name, event.value)

    def action_build(self) -> None:
        """Build the input file from the table and the templates, then check it."""
        from tui.areas.batches.core.build import Template, TemplateError

        draft = self.draft
        if not draft.table.strip() or not draft.user.strip():
            self._status("Name a table and write the user message (with {column}s).", bad=True)
            return
        params: dict[str, Any] = {}
        if draft.max_tokens.strip():
            try:
                params["max_tokens"] = int(draft.max_tokens)
            except ValueError:
                self._status("Max tokens is a whole number.", bad=True)
                return
        template = Template(draft.user, draft.system, draft.model.strip() or "gpt-4o-mini", params)
        try:
            template.fields()
        except TemplateError as error:
            self._show(plain(str(error)), False)
            return
        self._show(Text("Building…", style="dim"), None)
        self._build(template, Path(draft.table.strip()).expanduser())

    @work(group="bnew-build", exclusive=True, exit_on_error=False)
    async def _build(self, template: Any, table: Path) -> None:
        from tui.areas.batches.core.build import TemplateError, preview, write
        from tui.core.safe_files import slug

        folder = self.services.settings.store_dir / "batches"
        target = folder / f"{slug(table.stem, 'batch')}.jsonl"
        try:
            await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
            first = await asyncio.to_thread(preview, template, table, 1)
            count = await asyncio.to_thread(write, template, table, target)
        except TemplateError as error:
            self._show(plain(str(error)), False)
            return
        except OSError as error:
            self._show(plain(f"{safe(str(table))}: {error.strerror or error}"), False)
            return
        asks = first[0]["body"]["messages"][-1]["content"] if first else ""
        self._status(f"{count:,} requests built into {target}. The first asks: {safe(asks[:160])}")
        path = self.query_one("#path", PathInput)
        path.value = str(target)
        self.draft.path = str(target)
        self.action_check()

    @on(Input.Blurred, "#path")
    def _path_left(self) -> None:
        if self.draft.path.strip() and self.report is None:
            self.action_check()

    def action_check(self) -> None:
        """Check the file named."""
        text = self.draft.path.strip()
        if not text:
            return
        self._show(Text("Checking…", style="dim"), None)
        self._check(Path(text).expanduser())

    @work(group="bnew-check", exclusive=True, exit_on_error=False)
    async def _check(self, path: Path) -> None:
        try:
            report = await asyncio.to_thread(check_file, path)
        except OSError as error:
            self.report = None
            self._show(plain(f"{safe(str(path))}: {error.strerror or error}"), False)
            return
        except Exception as error:  # the check's own bug: said, never "Checking…" for ever
            self.report = None
            self._show(plain(f"the check failed ({type(error).__name__}: {error})"), False)
            return
        self.report = report
        lines = report.summary(batch_cost(report, self.services.prices()))
        self._show(plain("\n".join(lines)), report.ok)

    def _show(self, text: Text, ok: bool | None) -> None:
        shown = self.query_one("#submit-report", Static)
        shown.update(text)
        shown.set_class(ok is False, "bad")
        shown.set_class(ok is True, "good")

    def _status(self, text: str, *, bad: bool = False) -> None:
        self.query_one("#submit-status", Static).update(Text(text, style="bold" if bad else "dim"))

    def action_submit(self) -> None:
        """Ask, then upload the file and start the batch."""
        report = self.report
        if self.busy:
            return
        if report is None:
            self._status("Name a file and let it be checked first (ctrl+r checks).", bad=True)
            self.action_check()
            return
        if not report.ok or report.endpoint is None:
            self._status("The file has problems (above): fix them, then ctrl+r.", bad=True)
            return
        cost = batch_cost(report, self.services.prices()) or "cost unknown"
        edit = Edit(
            "Start the batch",
            self.draft.description or Path(report.path).name,
            (
                Change("requests", "–", f"{report.requests:,} to {report.endpoint}"),
                Change("model", "–", report.model or "?"),
            ),
            f"It runs within 24 hours and is billed at the batch price: {cost}.",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._send(report)

        self.app.push_screen(ConfirmEdit(edit), answered)

    @work(group="bnew-send", exclusive=True, exit_on_error=False)
    async def _send(self, report: Report) -> None:
        self.busy = True
        self._status("Uploading…")
        path = Path(report.path)
        description = self.draft.description.strip()
        try:
            content = await asyncio.to_thread(path.read_bytes)
            made = await self.service.submit(
                content,
                report.endpoint,
                name=path.name,
                metadata={"description": description} if description else None,
            )
        except OSError as error:
            self._status(f"Could not read {safe(str(path))}: {error.strerror or error}", bad=True)
            return
        except APIError as error:
            said = self.said(error, "starting the batch", "batches")
            self._status(said + " (the form is kept)", bad=True)
            return
        finally:
            self.busy = False
        self.draft.path = ""
        self.draft.description = ""
        self.dismiss(made.id)

    def action_back(self) -> None:
        """Back to the batches; the form is kept."""
        self.dismiss(None)
