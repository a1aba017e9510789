"""The form that starts a batch from a JSONL file: the path (Tab completes it), a
description; the file is checked as soon as it is named — the same check as `loom batches
validate` (each line against the spec's request for its endpoint) with its tokens and cost
at the batch price — and nothing is sent before the check passes and the start is
confirmed. The file can be built here: from a table and a prompt template, or from a Loom
conversation whose prompts are asked again, with the model and parameters of the chat's
parameter form, previewed request by request first. What was typed stays in the draft when
the form is left or a send fails."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
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
    conversation: str = ""
    user: str = ""
    system: str = ""
    model: str = "gpt-4o-mini"
    params: dict[str, Any] = field(default_factory=dict)
    """Set in the chat's parameter form (f3), as the chat sends them."""


PREVIEWED = 200
"""Requests built for the preview (the file gets them all)."""


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
            "ctrl+b",
            "build",
            "Build",
            id="bnew.build",
            tooltip="Build the file from the table or the conversation, and check it",
        ),
        Binding(
            "f3",
            "params",
            "Parameters",
            id="bnew.params",
            tooltip="The model and parameters of every request built (the chat's form)",
        ),
        Binding(
            "f4", "preview", "Preview", id="bnew.preview", tooltip="See the requests one by one"
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
                "Or build it: from a table (CSV with a header, or JSONL), a request per row "
                "with its {column}s filled into the messages; or from a Loom conversation, "
                "each prompt asked again. f3 sets the model and parameters, f4 previews, "
                "ctrl+b builds and checks.",
                classes="hint",
            )
            for name, label, placeholder in (
                ("table", "Table", "tickets.csv"),
                ("conversation", "Conversation", "or: a conversation's number or title"),
                ("user", "User", "Summarise this ticket: {text}"),
                ("system", "System", "optional (instead of the conversation's): Be brief."),
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
            with Horizontal(classes="field"):
                yield Label("Requests")
                yield Static(self._params_text(), id="build-params")
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

    @on(Input.Changed, "#build-table,#build-conversation,#build-user,#build-system")
    def _build_typed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("build-")
        setattr(self.draft, name, event.value)

    def _params_text(self) -> Text:
        from tui.core.chat_params import show

        text = plain(self.draft.model or "gpt-4o-mini")
        for name, value in self.draft.params.items():
            text.append(f" · {name} ")
            text.append_text(plain(show(name, value)))
        text.append("  (f3 changes them)", style="dim")
        return text

    def action_params(self) -> None:
        """Set the model and parameters of the requests built, in the chat's form."""
        from tui.screens.params import ParamsScreen

        def saved(result: tuple[str, dict[str, Any]] | None) -> None:
            if result is None:
                return
            system, params = result
            params = dict(params)
            self.draft.model = str(params.pop("model", "") or self.draft.model)
            self.draft.params = params
            self.draft.system = system
            self.query_one("#build-system", Input).value = system
            shown = self.query_one("#build-params", Static)
            shown.update(self._params_text())
            shown.scroll_visible(animate=False)

        models = self.services.catalogue.current.ids(chat_only=True)
        self.app.push_screen(
            ParamsScreen(
                self.draft.system, self.draft.params, self.services, self.draft.model, models
            ),
            saved,
        )

    def _source(self) -> Any:
        """A Template (with the table's path) or the conversation named; None (and said)
        when the form names neither, or both."""
        from tui.areas.batches.core.build import Template, TemplateError

        draft = self.draft
        table, conversation = draft.table.strip(), draft.conversation.strip()
        if table and conversation:
            self._status("Name a table or a conversation, not both.", bad=True)
            return None
        if conversation:
            return conversation
        if not table or not draft.user.strip():
            self._status(
                "Name a table and write the user message (with {column}s), or name a conversation.",
                bad=True,
            )
            return None
        template = Template(draft.user, draft.system, draft.model or "gpt-4o-mini", draft.params)
        try:
            template.fields()
        except TemplateError as error:
            self._show(plain(str(error)), False)
            return None
        return template, Path(table).expanduser()

    async def _made(self, source: Any, count: int | None) -> tuple[str, str, list[Any]]:
        """(a name for the file, what the requests come from, the first `count` requests,
        or all with None), in a thread."""
        from tui.areas.batches.core.build import conversation_requests, preview, requests

        if isinstance(source, str):
            system = self.draft.system.strip()
            title, _, asked = await self.service.conversation_prompts(source, system)
            made = list(conversation_requests(asked, self.draft.model, self.draft.params))
            return title, f"the conversation “{title}”", made[:count] if count else made
        template, table = source
        if count is None:
            made = await asyncio.to_thread(lambda: list(requests(template, table)))
        else:
            made = await asyncio.to_thread(preview, template, table, count)
        return table.stem, table.name, made

    def _failed(self, error: Exception, source: Any) -> None:
        """Say why a build failed (the form keeps what was typed)."""
        from tui.areas.batches.core.build import TemplateError
        from tui.core.failures import StoreError

        if isinstance(error, TemplateError | StoreError):
            said = str(error)
        elif isinstance(error, OSError):
            where = source if isinstance(source, str) else str(source[1])
            said = f"{where}: {error.strerror or error}"
        else:  # the build's own bug: said, never "Building…" for ever
            said = f"the build failed ({type(error).__name__}: {error})"
        self._show(plain(safe(said)), False)

    def action_preview(self) -> None:
        """The requests the build would make, one at a time."""
        source = self._source()
        if source is not None:
            self._show(Text("Making the preview…", style="dim"), None)
            self._preview(source)

    @work(group="bnew-build", exclusive=True, exit_on_error=False)
    async def _preview(self, source: Any) -> None:
        from tui.areas.batches.screens.preview import PreviewScreen

        try:
            _, where, made = await self._made(source, PREVIEWED + 1)
        except Exception as error:
            self._failed(error, source)
            return
        self._show(Text("The preview is open: Esc comes back here.", style="dim"), None)

        def answered(build: bool | None) -> None:
            if build:
                self.action_build()

        more = len(made) > PREVIEWED
        self.app.push_screen(PreviewScreen(made[:PREVIEWED], where, more), answered)

    def action_build(self) -> None:
        """Build the input file from the table and the templates, or from the
        conversation, then check it."""
        source = self._source()
        if source is not None:
            self._show(Text("Building…", style="dim"), None)
            self._build(source)

    @work(group="bnew-build", exclusive=True, exit_on_error=False)
    async def _build(self, source: Any) -> None:
        from tui.areas.batches.core.build import requests, write_lines
        from tui.core.safe_files import slug

        folder = self.services.settings.store_dir / "batches"
        conversation = isinstance(source, str)  # a few requests: made at once
        try:
            name, where, first = await self._made(source, None if conversation else 1)
            target = folder / f"{slug(name, 'batch')}.jsonl"
            lines = first if conversation else requests(*source)
            await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
            count = await asyncio.to_thread(write_lines, lines, target)
        except Exception as error:
            self._failed(error, source)
            return
        asks = first[0]["body"]["messages"][-1]["content"] if first else ""
        shown = asks if isinstance(asks, str) else "(text and images)"
        self._status(
            f"{count:,} requests from {where} built into {target}. "
            f"The first asks: {safe(shown[:160])}"
        )
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
