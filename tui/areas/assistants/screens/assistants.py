"""The assistants screen: the server's assistants and the threads Loom knows (the API
cannot list threads) on the left; on the right an assistant in full, or a thread's
messages as Markdown. Type below to add a message and run it, the reply streaming in; a run
that stops for its tools asks for each call's output (its arguments shown) and goes on;
`s` lists the last run's steps, `e` edits an assistant (before → after, confirmed), `x`
brings a thread home as a Loom conversation."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message as TextualMessage
from textual.widgets import Input, Static

from tui.core.failures import APIError, StoreError
from tui.screens.base import HELP_BINDING, LoomScreen
from tui.screens.confirm import Change, ConfirmEdit, Edit
from tui.screens.form import FormDialog, FormField
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.markdown_render import render_markdown
from tui.widgets.plain import Facts, plain
from tui.widgets.row_table import Column, Row, RowTable

if TYPE_CHECKING:
    from tui.areas.assistants.api.schemas import Assistant, Message, Run, RunEvent, RunStep
    from tui.areas.assistants.store.threads import KnownThread

DRAW_EVERY = 0.05
"""Seconds between redraws of a reply while it streams (its pieces are only kept between)."""


class RunNews(TextualMessage):
    """One event of the run being streamed."""

    def __init__(self, event: RunEvent) -> None:
        super().__init__()
        self.event = event


class AssistantsScreen(LoomScreen):
    """Assistants and threads, a thread's messages, its runs."""

    MODE = "assistants"
    AREA = "assistants"
    HELP_TITLE = "assistants"
    HELP_INTRO = (
        "The server's assistants (OpenAI-Beta: assistants=v2) and the threads Loom knows here "
        "— the API cannot list threads, so Loom keeps the ones it makes or opens. Enter shows "
        "one; i types a message into the thread shown (n starts a thread with the assistant "
        "under the cursor) and Enter runs it, the reply streaming in. A run that stops for "
        "its tools asks for each call's output; s lists the last run's steps; c cancels a "
        "run; e edits an assistant (shown before → after, confirmed); x brings a thread "
        "home as a Loom conversation (then searchable and continued in chat); y copies the "
        "last reply; o opens a thread by its id."
    )
    CSS = """
    AssistantsScreen { layout: vertical; }
    AssistantsScreen #asst-body { height: 1fr; }
    AssistantsScreen #asst-list { width: 32; border: round $panel-lighten-2; }
    AssistantsScreen #asst-list:focus { border: round $primary; }
    AssistantsScreen #asst-view { width: 1fr; border: round $panel-lighten-2; padding: 0 1; }
    AssistantsScreen #asst-say { height: 1; margin: 0 1; }
    AssistantsScreen #asst-status {
        height: 1; padding: 0 1; background: $panel; color: $text-muted;
    }
    """
    BINDINGS = [
        Binding("i", "say", "Say", id="asst.say", tooltip="Type a message into this thread"),
        Binding("n", "new_thread", "New thread", id="asst.new", tooltip="With this assistant"),
        Binding("s", "steps", "Steps", id="asst.steps", tooltip="The last run's steps"),
        Binding("c", "cancel", "Cancel run", id="asst.cancel", tooltip="Cancel the run"),
        Binding("e", "edit", "Edit", id="asst.edit", tooltip="Edit the assistant (asks first)"),
        Binding("x", "export", "Bring home", id="asst.export", tooltip="As a Loom conversation"),
        Binding("o", "open_id", "Open id", id="asst.open", tooltip="Open a thread by its id"),
        Binding("y", "copy", "Copy", id="asst.copy", tooltip="Copy the last reply (OSC 52)"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="asst.refresh"),
        HELP_BINDING,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.assistants: list[Assistant] = []
        self.threads: list[KnownThread] = []
        self.selected: str | None = None
        self.thread_id: str | None = None
        self.messages: list[Message] = []
        self.run: Run | None = None
        self.streaming = ""
        """The reply as it streams (drawn every DRAW_EVERY)."""
        self._drawn_at = 0.0
        self.problem: str | None = None
        self._new_for: str | None = None
        """The assistant a new thread is being typed for."""

    def compose(self) -> ComposeResult:
        bar = self.mode_bar()
        if bar is not None:
            yield bar
        with Horizontal(id="asst-body"):
            yield RowTable([Column("name", "Assistants and threads", most=30)], id="asst-list")
            with VerticalScroll(id="asst-view"):
                yield Static("", id="asst-text")
        yield Field(placeholder="i: type a message, Enter runs it", id="asst-say", compact=True)
        yield Static("", id="asst-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(RowTable).focus()
        self.read()

    def _status(self, words: str | None = None) -> None:
        parts = [words or self.problem or ""]
        if self.run is not None:
            parts.append(f"run {self.run.id}: {self.run.status.replace('_', ' ')}")
        self.query_one("#asst-status", Static).update(plain(" · ".join(p for p in parts if p)))

    def _show(self, renderable: Any) -> None:
        self.query_one("#asst-text", Static).update(renderable)

    # --- the list ---------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.read()

    @work(group="asst-read", exclusive=True, exit_on_error=False)
    async def read(self) -> None:
        """The assistants and the known threads."""
        try:
            self.assistants = await self.service.assistants()
            self.threads = await self.service.known_threads()
        except Exception as error:
            self.problem = self.service.said(error, "listing assistants")
            self._show(Text(self.problem))
            self._status()
            return
        self.problem = None
        self._fill()

    def _fill(self) -> None:
        rows: list[Row] = [Row.group(Text(f"Assistants ({len(self.assistants)})", style="bold"))]
        for assistant in self.assistants:
            rows.append(Row(f"a:{assistant.id}", (plain(assistant.name or assistant.id),)))
        rows.append(Row.group(Text(f"Threads ({len(self.threads)})", style="bold")))
        for known in self.threads:
            rows.append(Row(f"t:{known.thread_id}", (plain(known.title or known.thread_id),)))
        self.query_one(RowTable).show(rows, keep=self.selected)
        if not self.threads:
            self._status("No threads yet: n starts one with the assistant under the cursor")
        else:
            self._status()

    @on(RowTable.Highlighted, "#asst-list")
    def _highlighted(self, message: RowTable.Highlighted) -> None:
        self.selected = message.key
        if message.key and message.key.startswith("a:"):
            self._show_assistant(message.key[2:])

    @on(RowTable.Chosen, "#asst-list")
    def _chosen(self, message: RowTable.Chosen) -> None:
        if message.key.startswith("t:"):
            self.open_thread(message.key[2:])

    def _assistant(self, assistant_id: str | None) -> Assistant | None:
        return next((a for a in self.assistants if a.id == assistant_id), None)

    def _show_assistant(self, assistant_id: str) -> None:
        assistant = self._assistant(assistant_id)
        if assistant is None:
            return
        facts = Facts(13)
        facts.row("Assistant", f"{assistant.name or '(unnamed)'}  ({assistant.id})")
        facts.row("Model", assistant.model)
        facts.row("Tools", ", ".join(assistant.tool_names()) or "–")
        if assistant.temperature is not None:
            facts.row("Temperature", f"{assistant.temperature:g}")
        for key, value in (assistant.metadata or {}).items():
            facts.row("Metadata", f"{key} = {value}")
        if assistant.description:
            facts.row("About", assistant.description)
        facts.text.append("\n")
        facts.text.append(plain(assistant.instructions or "(no instructions)"))
        self._show(facts.text)

    # --- a thread ---------------------------------------------------------------------------

    @work(group="asst-thread", exclusive=True, exit_on_error=False)
    async def open_thread(self, thread_id: str) -> None:
        """Show a thread's messages (and keep it among the known ones)."""
        try:
            _, self.messages = await self.service.thread(thread_id)
            runs = await self.service.runs(thread_id)
        except APIError as error:
            self.problem = self.service.said(error, f"opening the thread {thread_id}")
            self._status()
            return
        self.thread_id, self.problem = thread_id, None
        self.run = runs[0] if runs else None
        self._draw_thread()
        self._status(f"thread {thread_id}")
        if self.run is not None and self.run.status == "requires_action":
            self._ask_outputs(self.run)

    def _draw_thread(self) -> None:
        parts: list[Any] = []
        for message in self.messages:
            who = "You" if message.role == "user" else "Assistant"
            parts.append(Text(who, style="bold reverse" if message.role == "user" else "bold"))
            parts.append(render_markdown(message.text))
        if self.streaming:
            parts.append(Text("Assistant ▍", style="bold"))
            parts.append(render_markdown(self.streaming))
        self._show(Group(*parts) if parts else Text("An empty thread: i types a message."))
        self.query_one("#asst-view", VerticalScroll).scroll_end(animate=False)

    def action_open_id(self) -> None:
        """Open a thread by its id (one made elsewhere)."""
        from tui.screens.dialogs import AskText

        def given(thread_id: str | None) -> None:
            if thread_id:
                self.open_thread(thread_id.strip())

        self.app.push_screen(AskText("A thread's id", placeholder="thread_…"), given)

    # --- saying and running ---------------------------------------------------------------

    def action_say(self) -> None:
        """Type a message into the thread shown."""
        if self.thread_id is None:
            self.notify("Open a thread first (Enter on one), or n starts one.", timeout=4)
            return
        self._new_for = None
        self.query_one("#asst-say", Input).focus()

    def _here(self) -> str:
        """The key of the row under the cursor (as the table has it now)."""
        row = self.query_one(RowTable).current
        return row.key if row is not None else ""

    def action_new_thread(self) -> None:
        """Start a thread with the assistant under the cursor."""
        key = self._here()
        if not key.startswith("a:"):
            self.notify("Put the cursor on an assistant: n starts a thread with it.", timeout=4)
            return
        self._new_for = key[2:]
        field = self.query_one("#asst-say", Input)
        field.placeholder = "the new thread's first message, Enter runs it"
        field.focus()

    @on(Input.Submitted, "#asst-say")
    def _said(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        event.input.value = ""
        event.input.placeholder = "i: type a message, Enter runs it"
        self.query_one(RowTable).focus()
        self.say_and_run(text, self._new_for)

    def _assistant_of_thread(self) -> str | None:
        known = next((t for t in self.threads if t.thread_id == self.thread_id), None)
        from_messages = next((m.assistant_id for m in self.messages if m.assistant_id), None)
        return (
            (known.assistant_id if known else None)
            or from_messages
            or (self.assistants[0].id if self.assistants else None)
        )

    @work(group="asst-run", exclusive=True, exit_on_error=False)
    async def say_and_run(self, text: str, new_for: str | None) -> None:
        """Add the message (to a new thread, with `new_for`) and stream a run of it."""
        try:
            if new_for is not None:
                thread = await self.service.new_thread(new_for, text)
                self.thread_id, assistant_id = thread.id, new_for
                self.threads = await self.service.known_threads()
                self.selected = f"t:{thread.id}"
                self._fill()
            else:
                assert self.thread_id is not None
                await self.service.say(self.thread_id, text)
                assistant_id = self._assistant_of_thread() or ""
            _, self.messages = await self.service.thread(self.thread_id)
            self._draw_thread()
            stream = await self.service.stream_run(self.thread_id, assistant_id)
            await self._follow(stream)
        except APIError as error:
            self.problem = self.service.said(error, "running the thread")
            self._status()

    async def _follow(self, stream: Any) -> None:
        async with stream as events:
            async for event in events:
                self.post_message(RunNews(event))

    @on(RunNews)
    def _news(self, message: RunNews) -> None:
        event = message.event
        if event.run is not None:
            self.run = event.run
            self._status()
        if event.kind == "delta":
            self.streaming += event.text
            now = time.monotonic()
            if now - self._drawn_at >= DRAW_EVERY:
                self._drawn_at = now
                self._draw_thread()
        elif event.kind == "message" and event.message is not None:
            if event.message.status == "completed":
                self.streaming = ""
                known = [m for m in self.messages if m.id != event.message.id]
                self.messages = [*known, event.message]
                self._draw_thread()
        elif event.kind == "error":
            self.problem = f"The run failed: {event.error}"
            self._status()
        elif event.kind == "done":
            self.streaming = ""
            self._draw_thread()
            run = self.run
            if run is not None and run.status == "requires_action":
                self._ask_outputs(run)

    def _ask_outputs(self, run: Run) -> None:
        """Each tool call, its arguments shown; the outputs typed are submitted."""
        calls = run.tool_calls()
        if not calls:
            return
        shown = "\n".join(f"{c.name}({c.arguments})" for c in calls)
        fields = [FormField(c.id, f"{c.name} →"[:26], placeholder="its output") for c in calls]

        def answered(values: dict[str, str] | None) -> None:
            if values is None:
                self._status(
                    "The run waits for its tools' outputs (Enter on the thread asks again)"
                )
                return
            self.answer(run, values)

        self.app.push_screen(
            FormDialog(f"The run asks for {len(calls)} tool call(s)", fields, hint=shown),
            answered,
        )

    @work(group="asst-run", exclusive=True, exit_on_error=False)
    async def answer(self, run: Run, outputs: dict[str, str]) -> None:
        """Submit the outputs; the run streams on."""
        try:
            await self._follow(await self.service.answer(run.thread_id, run.id, outputs))
        except APIError as error:
            self.problem = self.service.said(error, "answering the run's tool calls")
            self._status()

    def action_cancel(self) -> None:
        """Cancel the run of the thread shown (asks first)."""
        run = self.run
        if run is None or run.finished:
            self.notify("No run going on in this thread.", timeout=3)
            return
        edit = Edit("Cancel the run", run.id, (Change("status", run.status, "cancelled"),))

        def answered(yes: bool | None) -> None:
            if yes:
                self.cancel_run(run)

        self.app.push_screen(ConfirmEdit(edit), answered)

    @work(group="asst-run", exclusive=True, exit_on_error=False)
    async def cancel_run(self, run: Run) -> None:
        try:
            self.run = await self.service.cancel(run.thread_id, run.id)
        except APIError as error:
            self.problem = self.service.said(error, "cancelling the run")
        self._status()

    def action_copy(self) -> None:
        """Copy the thread's last reply (its Markdown) to the clipboard."""
        reply = next((m for m in reversed(self.messages) if m.role == "assistant"), None)
        if reply is None:
            self.notify("No reply in this thread to copy yet.", timeout=3)
            return
        copy = getattr(self.app, "copy_and_say", None)
        if copy is not None:
            copy(reply.text, "the last reply", "x brings the whole thread home")
        else:
            self.app.copy_to_clipboard(reply.text)

    # --- steps, edits, home ----------------------------------------------------------------

    @work(group="asst-steps", exclusive=True, exit_on_error=False)
    async def action_steps(self) -> None:
        """The last run's steps: its tool calls with their outputs, the message, tokens."""
        run = self.run
        if run is None:
            self.notify("No run in this thread yet.", timeout=3)
            return
        try:
            steps = await self.service.steps(run.thread_id, run.id)
        except APIError as error:
            self.problem = self.service.said(error, "reading the run's steps")
            self._status()
            return
        self._show(steps_text(run, steps))

    def action_edit(self) -> None:
        """Edit the assistant under the cursor: name, model, instructions (confirmed)."""
        assistant = self._assistant(self._here()[2:])
        if assistant is None:
            self.notify("Put the cursor on an assistant to edit it.", timeout=3)
            return
        fields = [
            FormField("name", "Name", assistant.name or ""),
            FormField("model", "Model", assistant.model),
            FormField("instructions", "Instructions", assistant.instructions or ""),
        ]

        def filled(values: dict[str, str] | None) -> None:
            if values is None:
                return
            before = {
                "name": assistant.name or "",
                "model": assistant.model,
                "instructions": assistant.instructions or "",
            }
            changes = {k: v for k, v in values.items() if v != before[k]}
            if not changes:
                return
            edit = Edit(
                "Change the assistant",
                assistant.name or assistant.id,
                tuple(Change(k, before[k], v) for k, v in changes.items()),
            )

            def answered(yes: bool | None) -> None:
                if yes:
                    self.modify(assistant.id, changes)

            self.app.push_screen(ConfirmEdit(edit), answered)

        self.app.push_screen(FormDialog(f"Edit {assistant.name or assistant.id}", fields), filled)

    @work(group="asst-edit", exit_on_error=False)
    async def modify(self, assistant_id: str, changes: dict[str, str]) -> None:
        try:
            await self.service.modify_assistant(assistant_id, changes)
        except APIError as error:
            self.notify(self.service.said(error, "changing the assistant"), severity="warning")
            return
        self.notify("The assistant is changed.", timeout=3)
        self.read()

    @work(group="asst-export", exit_on_error=False)
    async def action_export(self) -> None:
        """Bring the thread shown home as a Loom conversation."""
        if self.thread_id is None:
            self.notify("Open a thread first.", timeout=3)
            return
        try:
            conversation_id, title = await self.service.export(self.thread_id)
        except (APIError, StoreError) as error:
            self.notify(self.service.said(error, "bringing the thread home"), severity="warning")
            return
        self.notify(
            f"Saved as the conversation “{title}” ({conversation_id}): chat has it.", timeout=5
        )


def steps_text(run: Run, steps: list[RunStep]) -> Text:
    """A run's steps in words: each tool call with its arguments and output, the message."""
    facts = Facts(12)
    facts.row("Run", f"{run.id}  {run.status}  ({run.model})")
    total = (run.usage or {}).get("total_tokens")
    if total:
        facts.row("Tokens", f"{total:,}")
    for n, step in enumerate(steps, 1):
        used = (step.usage or {}).get("total_tokens") or 0
        facts.row(f"Step {n}", f"{step.type.replace('_', ' ')} · {step.status} · {used} tokens")
        for call in step.step_details.get("tool_calls") or []:
            function = call.get("function") or {}
            facts.row(
                "  call",
                f"{function.get('name', call.get('type'))}({function.get('arguments', '')})",
            )
            facts.row("  output", str(function.get("output")))
        created = (step.step_details.get("message_creation") or {}).get("message_id")
        if created:
            facts.row("  message", created)
    return facts.text
