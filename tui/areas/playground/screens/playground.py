"""The playground screen: the one-shot endpoints as five tools — Completions, Embeddings,
Moderations, Images, Audio — one shown at a time (ctrl+t, or alt+1-5), each with its input, its
options and a result to read with its own keys. Every request goes through the shared
client (retries, the ledger with its cost, the request inspector); each tool keeps its
last inputs (f4). A completion streams in as Textual messages, drawn at most 10 times a
second; what came stays when a stream breaks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import ContentSwitcher, Static

from tui.areas.playground.screens.audio import AudioTool
from tui.areas.playground.screens.images import ImagesTool
from tui.areas.playground.screens.tools import (
    CompletionsTool,
    EmbeddingsTool,
    ModerationsTool,
    Tool,
)
from tui.core.failures import APIError
from tui.screens.base import HELP_BINDING, LoomScreen
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.areas.playground.api.schemas import Completion

TOOLS = ("completions", "embeddings", "moderations", "images", "audio")
TITLES = {
    "completions": "Completions",
    "embeddings": "Embeddings",
    "moderations": "Moderations",
    "images": "Images",
    "audio": "Audio",
}
DRAW_EVERY = 0.1
"""Seconds between redraws of a streaming completion."""


class Streamed(Message):
    """A chunk of the completion being streamed."""

    def __init__(self, chunk: Completion) -> None:
        super().__init__()
        self.chunk = chunk


class PlaygroundScreen(LoomScreen):
    """Completions, embeddings and moderations."""

    MODE = "playground"
    AREA = "playground"
    HELP_TITLE = "playground"
    HELP_INTRO = (
        "Five tools, one at a time (ctrl+t; alt+1-5 where the terminal sends them as keys). "
        "Completions: a prompt continued by "
        "a base model, each token coloured by how sure the model was (plain: sure, yellow: "
        "likely, magenta: unsure, red: doubtful); in the completion, ←/→ walk the tokens and "
        "the alternatives the model weighed show beside it. Embeddings: texts a line each; "
        "the similarity of every pair as a heat map (# shows the numbers), ↑/↓ choose a text "
        "for its nearest neighbours; ctrl+e exports the vectors (JSONL, .npy) and the matrix "
        "(CSV). Moderations: texts a line each (image: PATH_OR_URL adds an image); every "
        "category with its score, highest first (a shows them all). Images: a prompt makes "
        "images; with an image path (Tab completes) the prompt edits it, a mask's transparent "
        "part redrawn, and without a prompt it makes variations; f3 sets the model and every "
        "option; the gallery lists past generations beside a preview (Enter: the whole "
        "image, e: start from it); the files are kept under the data folder's images/. f2 "
        "Audio: text is spoken into a file under audio/ and played where a player exists (p "
        "plays it again); with an audio file's path, f2 transcribes it (whisper-1 with each "
        "segment's times; the GPT models stream their words), or translates it with the "
        "translate option; t takes the speech just made as the file; ctrl+e writes the "
        "transcript as text, SRT and WebVTT. f2 sends; f4 brings back an earlier input; "
        "ctrl+o reads texts from a file."
    )
    CSS = """
    PlaygroundScreen { layout: vertical; }
    PlaygroundScreen #play-tools { height: 1; padding: 0 1; background: $panel; }
    PlaygroundScreen #play-switcher { height: 1fr; }
    PlaygroundScreen #play-status {
        height: auto; max-height: 3; padding: 0 1; background: $panel; color: $text-muted;
    }
    """
    BINDINGS = [
        Binding("f2,ctrl+s", "run", "Send", id="play.run", tooltip="Send the input"),
        Binding("ctrl+t", "next_tool", "Tool", id="play.tool", tooltip="The next tool"),
        Binding(
            "alt+1", "tool('completions')", "Completions", id="play.t1", show=False, priority=True
        ),
        Binding(
            "alt+2", "tool('embeddings')", "Embeddings", id="play.t2", show=False, priority=True
        ),
        Binding(
            "alt+3", "tool('moderations')", "Moderations", id="play.t3", show=False, priority=True
        ),
        Binding("alt+4", "tool('images')", "Images", id="play.t4", show=False, priority=True),
        Binding("alt+5", "tool('audio')", "Audio", id="play.t5", show=False, priority=True),
        Binding("f3", "options", "Options", id="play.options", tooltip="The tool's options"),
        Binding("f4", "history", "History", id="play.history", tooltip="An earlier input"),
        Binding("ctrl+o", "open_file", "Open", id="play.open", tooltip="Texts from a file"),
        Binding(
            "ctrl+e",
            "export",
            "Export",
            id="play.export",
            tooltip="Export the vectors or the transcript",
        ),
        Binding("escape", "stop", "Stop", id="play.stop", show=False, tooltip="Stop streaming"),
        HELP_BINDING,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tool_name = "completions"
        self.busy = False
        self._dirty = False

    def compose(self) -> ComposeResult:
        bar = self.mode_bar()
        if bar is not None:
            yield bar
        with Horizontal(id="play-tools"):
            yield Static(self._tools_line(), id="play-tools-line")
        example = self.services.settings.demo  # a newcomer's first f2 shows something
        with ContentSwitcher(initial="completions", id="play-switcher"):
            yield CompletionsTool(id="completions", example=example)
            yield EmbeddingsTool(id="embeddings", example=example)
            yield ModerationsTool(id="moderations", example=example)
            yield ImagesTool(id="images", example=example)
            yield AudioTool(id="audio", example=example)
        yield Static(
            Text("f2 sends · ctrl+t the next tool · f1 every key", style="dim"), id="play-status"
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.tool().input_area().focus()
        self.set_interval(DRAW_EVERY, self._draw_if_dirty)

    # --- tools ----------------------------------------------------------------------------

    def _tools_line(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        for name in TOOLS:
            chosen = name == self.tool_name
            line.append(f" {TITLES[name]} ", "bold reverse" if chosen else "")
            line.append(" ")
        # ctrl+t: Textual reads Esc+digit (what alt+digit sends in xterm and tmux) as the
        # characters macOS's Option key types, so alt+1-4 reach only terminals that send
        # them as keys (the kitty keyboard protocol).
        line.append(" ctrl+t switches", "dim")
        return line

    def tool(self) -> Tool:
        return self.query_one(f"#{self.tool_name}", Tool)

    def action_tool(self, name: str) -> None:
        """Show one tool."""
        if name not in TOOLS:
            return
        self.tool_name = name
        self.query_one(ContentSwitcher).current = name
        self.query_one("#play-tools-line", Static).update(self._tools_line())
        self.tool().input_area().focus()

    def action_next_tool(self) -> None:
        """Show the next tool."""
        self.action_tool(TOOLS[(TOOLS.index(self.tool_name) + 1) % len(TOOLS)])

    def say(self, text: str, *, bad: bool = False) -> None:
        """A line in the status bar (the tools' way to speak)."""
        self._status(text, bad=bad)

    def told(self, error: BaseException, doing: str, area: str) -> None:
        """A failure in the status bar, the input kept (the tools' way to fail)."""
        self._failed(error, doing, area)

    def _status(self, text: str, *, bad: bool = False) -> None:
        self.query_one("#play-status", Static).update(plain(text, "bold" if bad else "dim"))

    # --- sending --------------------------------------------------------------------------

    def action_run(self) -> None:
        """Send the current tool's input."""
        if self.busy:
            self._status("A request is on its way: Esc stops a completion.")
            return
        tool = self.tool()
        self.busy = True
        if isinstance(tool, CompletionsTool):
            self._complete(tool)
        elif isinstance(tool, EmbeddingsTool):
            self._embed(tool)
        elif isinstance(tool, ModerationsTool):
            self._moderate(tool)
        elif isinstance(tool, ImagesTool):
            self._images(tool)
        elif isinstance(tool, AudioTool):
            self._audio(tool)

    def _failed(self, error: BaseException, doing: str, area: str) -> None:
        from tui.areas.playground.core.inputs import InputFileError
        from tui.areas.playground.core.service import InputError

        if isinstance(error, InputError | InputFileError):
            said = str(error)
        elif isinstance(error, OSError):
            said = f"{error.strerror or error}"
        else:
            said = self.said(error, doing, area)
        self._status(said + " (the input is kept)", bad=True)

    @work(group="play-complete", exclusive=True, exit_on_error=False)
    async def _complete(self, tool: CompletionsTool) -> None:
        from tui.areas.playground.core.service import InputError
        from tui.core.failures import StreamInterruptedError

        prompt = tool.text()
        tool.start()
        self._status("Completing…")
        try:
            await self.service.remember("completions", prompt)
            body = self.service.body(prompt, tool.model, tool.params)
            async for chunk in self.service.stream(body):
                self.post_message(Streamed(chunk))
        except StreamInterruptedError as error:
            tool.note = f"The stream broke: {error.message}. What came is kept above."
            self._dirty = True
            self._status(tool.note, bad=True)
            return
        except (APIError, InputError) as error:
            self._failed(error, "completing the prompt", "completions")
            return
        finally:
            self.busy = False
        self._dirty = True
        choices = tool.choices
        used = ""
        if choices.prompt_tokens is not None:
            used = f" · {choices.prompt_tokens:,} in, {choices.completion_tokens or 0:,} out"
        self._status(f"Done: {choices.model or tool.model}{used} · ←/→ in the completion")

    def on_streamed(self, message: Streamed) -> None:
        tool = self.query_one("#completions", CompletionsTool)
        tool.choices.take(message.chunk)
        self._dirty = True

    def _draw_if_dirty(self) -> None:
        if self._dirty:
            self._dirty = False
            self.query_one("#completions", CompletionsTool).draw()

    def action_stop(self) -> None:
        """Stop a completion that streams."""
        if self.busy and self.tool_name == "completions":
            self.workers.cancel_group(self, "play-complete")
            self.busy = False
            tool = self.query_one("#completions", CompletionsTool)
            tool.note = "Stopped (Esc): what came is kept."
            self._dirty = True
            self._status(tool.note)

    @work(group="play-embed", exclusive=True, exit_on_error=False)
    async def _embed(self, tool: EmbeddingsTool) -> None:
        from textual.widgets import Input

        from tui.areas.playground.core.service import InputError

        text = tool.text()
        texts = [line for line in text.splitlines() if line.strip()]
        dimensions_text = tool.query_one("#embeddings-dimensions", Input).value.strip()
        encoding = tool.query_one("#embeddings-encoding", Input).value.strip() or "float"
        model = tool.query_one("#embeddings-model", Input).value.strip()
        try:
            if dimensions_text and not dimensions_text.isdigit():
                raise InputError(f"dimensions: {dimensions_text!r} is not a whole number")
            if encoding not in ("float", "base64"):
                raise InputError(f"encoding: {encoding!r} is not float or base64")
            self._status(f"Embedding {len(texts):,} texts…")
            await self.service.remember("embeddings", text)
            tool.embedded = await self.service.embed(
                texts,
                model=model or "text-embedding-3-small",
                dimensions=int(dimensions_text) if dimensions_text else None,
                encoding=encoding,
            )
        except (APIError, InputError) as error:
            self._failed(error, "embedding the texts", "embeddings")
            return
        finally:
            self.busy = False
        tool.chosen = 0
        tool.draw()
        self._status("Embedded. In the result: ↑/↓ a text's neighbours, # numbers; ctrl+e exports.")

    @work(group="play-moderate", exclusive=True, exit_on_error=False)
    async def _moderate(self, tool: ModerationsTool) -> None:
        import asyncio

        from textual.widgets import Input

        from tui.areas.playground.core.inputs import InputFileError, moderation_inputs
        from tui.areas.playground.core.service import InputError

        text = tool.text()
        model = tool.query_one("#moderations-model", Input).value.strip() or None
        try:
            groups = await asyncio.to_thread(moderation_inputs, text)
            self._status(f"Moderating {len(groups):,} inputs…")
            await self.service.remember("moderations", text)
            tool.verdict = await self.service.moderate_groups(groups, model)
        except (APIError, InputError, InputFileError, OSError) as error:
            self._failed(error, "moderating the texts", "moderations")
            return
        finally:
            self.busy = False
        tool.labels = [label or "(an image)" for label, _ in groups]
        if text != tool.roles_text:
            tool.roles = []  # typed here, not a conversation's messages
        tool.draw()
        flagged = sum(1 for r in tool.verdict.results if r.flagged)
        self._status(
            f"{flagged} of {len(tool.verdict.results)} flagged. `a` in the result: every category."
        )

    @work(group="play-images", exclusive=True, exit_on_error=False)
    async def _images(self, tool: ImagesTool) -> None:
        try:
            await tool.send(self)
        finally:
            self.busy = False

    @work(group="play-audio", exclusive=True, exit_on_error=False)
    async def _audio(self, tool: AudioTool) -> None:
        try:
            await tool.send(self)
        finally:
            self.busy = False

    def speak_text(self, text: str) -> None:
        """A chat reply spoken, from chat's key (f5): into the Audio tool, sent at once."""
        from tui.areas.playground.core.audio import MOST_INPUT, speakable

        text = speakable(text)
        self.action_tool("audio")
        tool = self.query_one("#audio", AudioTool)
        tool.set_text(text[:MOST_INPUT])
        tool.query_one("#audio-file").value = ""  # type: ignore[attr-defined]
        if len(text) > MOST_INPUT:
            self._status(f"The reply is cut to its first {MOST_INPUT:,} characters (the limit).")
        self.action_run()

    def moderate_messages(self, messages: list[tuple[str, str]]) -> None:
        """A conversation's messages (role, text), each moderated, from chat's key."""
        self.action_tool("moderations")
        tool = self.query_one("#moderations", ModerationsTool)
        lines = [" ".join(text.split()) for _, text in messages]
        tool.set_text("\n".join(lines))
        tool.roles = [role for role, _ in messages]
        tool.roles_text = tool.text()
        self.action_run()

    # --- options, history, files, export --------------------------------------------------

    def action_options(self) -> None:
        """The tool's options: every parameter of a completion; the fields of the others."""
        tool = self.tool()
        if isinstance(tool, CompletionsTool):
            from tui.areas.playground.screens.params import CompletionParams

            def saved(result: tuple[str, dict[str, Any]] | None) -> None:
                if result is not None:
                    tool.model, tool.params = result
                    tool.show_params()

            self.app.push_screen(CompletionParams(tool.model, tool.params), saved)
            return
        if isinstance(tool, ImagesTool):
            from tui.areas.playground.screens.images import ImageOptions

            def chosen(result: tuple[str, dict[str, Any]] | None) -> None:
                if result is not None:
                    tool.model, tool.options = result
                    tool.show_options()

            self.app.push_screen(ImageOptions(tool.model, tool.options), chosen)
            return
        if isinstance(tool, AudioTool):
            from tui.areas.playground.screens.audio import AudioOptions

            def picked(result: tuple[str, str, dict[str, Any]] | None) -> None:
                if result is not None:
                    tool.speech_model, tool.listen_model, tool.options = result
                    tool.show_options()

            options = AudioOptions(tool.speech_model, tool.listen_model, tool.options)
            self.app.push_screen(options, picked)
            return
        tool.query_one(f"#{tool.NAME}-model").focus()

    @work(group="play-history", exit_on_error=False)
    async def action_history(self) -> None:
        """Bring back an earlier input of this tool."""
        from tui.screens.dialogs import Choose

        tool = self.tool()
        earlier = await self.service.history(tool.NAME)
        if not earlier:
            self._status("No earlier input of this tool yet.")
            return
        labels = [" ⏎ ".join(e.splitlines())[:70] for e in earlier]

        def chosen(index: int | None) -> None:
            if index is not None:
                tool.set_text(earlier[index])
                tool.input_area().focus()

        self.app.push_screen(Choose(f"Earlier {TITLES[tool.NAME].lower()}", labels), chosen)

    def action_open_file(self) -> None:
        """Read the input from a file: a line each, or a CSV/JSONL column (`path:column`)."""
        from tui.screens.dialogs import AskText

        tool = self.tool()

        def named(path: str | None) -> None:
            if path:
                self._read(tool, path)

        self.app.push_screen(
            AskText("Read the input from a file", placeholder="texts.txt, or table.csv:column"),
            named,
        )

    @work(group="play-read", exit_on_error=False)
    async def _read(self, tool: Tool, where: str) -> None:
        import asyncio

        from tui.areas.playground.core.inputs import InputFileError, read_named

        try:
            path, texts = await asyncio.to_thread(read_named, where)
        except (OSError, InputFileError) as error:
            self._failed(error, "reading the file", "playground")
            return
        joined = " ".join(texts) if isinstance(tool, CompletionsTool) else "\n".join(texts)
        tool.set_text(joined)
        self._status(f"{len(texts):,} texts read from {path}.")

    @work(group="play-export", exit_on_error=False)
    async def action_export(self) -> None:
        """Export the vectors (JSONL, .npy) and the matrix (CSV) into exports/."""
        import asyncio
        import time

        if self.tool_name == "audio":
            await self.query_one("#audio", AudioTool).export(self)
            return
        tool = self.query_one("#embeddings", EmbeddingsTool)
        if self.tool_name != "embeddings" or tool.embedded is None:
            self._status("Embed some texts first: ctrl+e exports their vectors and matrix.")
            return
        from tui.areas.playground.core.vectors import as_jsonl, matrix_csv, npy_bytes
        from tui.core.safe_files import write_inside

        embedded = tool.embedded
        folder = self.services.settings.store_dir / "exports"
        stamp = time.strftime("%Y%m%d-%H%M%S")

        def write() -> list[str]:
            return [
                str(
                    write_inside(
                        folder, f"embeddings-{stamp}.jsonl", "".join(as_jsonl(embedded)).encode()
                    )
                ),
                str(write_inside(folder, f"embeddings-{stamp}.npy", npy_bytes(embedded))),
                str(write_inside(folder, f"similarity-{stamp}.csv", matrix_csv(embedded).encode())),
            ]

        try:
            written = await asyncio.to_thread(write)
        except OSError as error:
            self._status(f"Could not write the export: {error.strerror or error}", bad=True)
            return
        self._status("Written: " + ", ".join(written))
