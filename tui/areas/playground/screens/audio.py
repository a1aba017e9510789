"""The playground's Audio tool and its options.

- The tool: text to speak, or an audio file to transcribe (its path, Tab completes). With
  no file, f2 speaks the text into a file under the data folder's audio/ and plays it when
  the machine has a player (which one is said); with a file, f2 transcribes it (or, with
  the translate option, translates it into English): whisper-1 gives segments with their
  times, the GPT transcription models stream their words in. `t` takes the speech just made
  as the file to transcribe — the round trip in one key; `p` plays it again; ctrl+e writes
  the transcript as text, SRT and WebVTT.
- The options (f3): the speech model, voice, format, speed and instructions; the
  transcription model, language, prompt, temperature, and translate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.areas.playground.core.audio import SPEECH_MODEL, TRANSCRIBE_MODEL, clock
from tui.areas.playground.screens.tools import ResultView, Tool
from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.path_input import PathInput
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from pathlib import Path

    from tui.areas.playground.api.schemas import Transcript

SPEECH_OPTIONS = ("voice", "response_format", "speed", "instructions")
LISTEN_OPTIONS = ("language", "prompt", "temperature", "translate")
HELP = {
    "voice": "alloy, ash, ballad, coral, echo, fable, nova, onyx, sage, shimmer, verse …",
    "response_format": "mp3, opus, aac, flac, wav, pcm",
    "speed": "0.25 to 4",
    "instructions": "how to speak: tone, pace, accent (gpt-4o-mini-tts)",
    "language": "the language spoken, ISO 639-1 (en, fr, de …)",
    "prompt": "words to expect, or a style to follow",
    "temperature": "0 to 1",
    "translate": "yes: into English (whisper-1)",
}


class AudioTool(Tool):
    """Speech made from text; audio files transcribed or translated."""

    NAME = "audio"
    EXAMPLE = "The loom weaves the cloth. Every thread is counted."
    BINDINGS = [
        Binding("p", "play", "Play", id="audio.play", tooltip="Play the speech again"),
        Binding("t", "take", "Transcribe it", id="audio.take", tooltip="Its file to transcribe"),
    ]
    DEFAULT_CSS = """
    AudioTool > TextArea { height: 3; }
    AudioTool #audio-file { width: 1fr; }
    AudioTool #audio-box { height: 1fr; border: round $panel-lighten-2; }
    AudioTool #audio-box:focus-within { border: round $primary; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.speech_model = SPEECH_MODEL
        self.listen_model = TRANSCRIBE_MODEL
        self.options: dict[str, Any] = {"voice": "alloy", "response_format": "mp3"}
        self.spoken: Path | None = None
        self.transcript: Transcript | None = None
        self.heard = ""
        """The words of a streamed transcription so far."""
        self.note = ""

    def compose(self) -> ComposeResult:
        yield Static(
            "Text to speak (f2), or an audio file below: f2 transcribes it. t takes the "
            "speech just made as the file; p plays it.",
            classes="tool-hint",
        )
        yield self._input()
        with Horizontal(classes="tool-options"):
            yield Label("Request")
            yield Static(self.options_text(), id="audio-params")
        with Horizontal(classes="tool-options"):
            yield Label("Audio file")
            yield PathInput(
                placeholder="none: speak the text · PATH: transcribe it",
                id="audio-file",
                compact=True,
            )
        with VerticalScroll(id="audio-box"):
            yield ResultView(
                Text("The speech's file, or the transcript, comes here.", "dim"), id="audio-result"
            )

    def options_text(self) -> Text:
        """`speak MODEL VOICE FORMAT · listen MODEL LANGUAGE  (f3)`: what the next requests use."""
        options = self.options
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("speak ", "dim")
        shown = [self.speech_model, options.get("voice"), options.get("response_format")]
        if options.get("speed"):
            shown.append(f"×{options['speed']}")
        if options.get("instructions"):
            shown.append("instructed")
        text.append_text(plain(" ".join(str(v) for v in shown if v)))
        text.append(" · listen ", "dim")
        heard = [self.listen_model, options.get("language")]
        if self.translating():
            heard.append("→ English")
        text.append_text(plain(" ".join(str(v) for v in heard if v)))
        text.append("  (f3)", style="dim")
        return text

    def show_options(self) -> None:
        self.query_one("#audio-params", Static).update(self.options_text())

    def audio_file(self) -> str:
        return self.query_one("#audio-file", Input).value.strip()

    def listen_options(self) -> dict[str, Any]:
        """The transcription's options: segments with times from whisper-1."""
        chosen = {k: v for k, v in self.options.items() if k in LISTEN_OPTIONS}
        if self.listen_model == "whisper-1":
            chosen["response_format"] = "verbose_json"
            if not self.translating():
                chosen["timestamp_granularities"] = ["segment"]
        return chosen

    def translating(self) -> bool:
        return str(self.options.get("translate") or "").lower() in ("yes", "true", "1", "y")

    # --- what is shown --------------------------------------------------------------------

    def said_speech(self, path: Path, player: str | None) -> None:
        self.spoken = path
        self.transcript = None
        text = Text()
        text.append("Spoken into ", "bold")
        text.append_text(plain(str(path)))
        text.append("\n")
        if player:
            text.append(f"Playing it with {player}; p plays it again. ", "dim")
        else:
            text.append("No audio player here (mpv, ffplay, paplay, aplay): it is saved. ", "dim")
        text.append("t takes it as the file to transcribe.", "dim")
        self.query_one("#audio-result", ResultView).update(text)

    def started_listening(self) -> None:
        self.heard = ""
        self.transcript = None
        self.query_one("#audio-result", ResultView).update(Text("Listening…", "dim"))

    def heard_more(self, delta: str) -> None:
        self.heard += delta
        self.query_one("#audio-result", ResultView).update(plain(self.heard))

    def show_transcript(self, transcript: Transcript) -> None:
        self.transcript = transcript
        text = Text()
        if transcript.segments:
            for segment in transcript.segments:
                text.append(f"{clock(segment.start)}–{clock(segment.end)}  ", "dim")
                text.append_text(plain(segment.text.strip()))
                text.append("\n")
        else:
            text.append_text(plain(transcript.text.strip()))
            text.append("\n")
        facts = []
        if transcript.language:
            facts.append(transcript.language)
        if transcript.duration is not None:
            facts.append(f"{transcript.duration:.1f} s")
        facts.append("ctrl+e writes it as text, SRT and WebVTT")
        text.append(" · ".join(facts), "dim")
        self.query_one("#audio-result", ResultView).update(text)

    # --- keys -----------------------------------------------------------------------------

    def action_take(self) -> None:
        """The speech just made becomes the file to transcribe."""
        if self.spoken is not None:  # (the focus stays: f2 next hears it)
            self.query_one("#audio-file", Input).value = str(self.spoken)

    def action_play(self) -> None:
        """Play the speech again."""
        if self.spoken is not None:
            self.play(self.spoken)

    # --- sending, playing, exporting --------------------------------------------------------

    async def send(self, screen: Any) -> None:
        """Speak the text, or hear the audio file: the playground's f2 on this tool
        (`screen` has the service and the status line)."""
        from tui.areas.playground.core.audio import AudioInputError, audio_path, player, whole
        from tui.core.failures import APIError

        where = self.audio_file()
        service = screen.service
        try:
            if not where:
                text = self.text()
                screen.say(f"Speaking with {self.speech_model}…")
                await service.remember("audio", text)
                speech = {k: v for k, v in self.options.items() if k in SPEECH_OPTIONS}
                path = await service.speak(text, self.speech_model, speech)
                found = player()
                self.said_speech(path, found[0] if found is not None else None)
                screen.say(f"Spoken into audio/{path.name}")
                if found is not None:
                    self.play(path)
                return
            audio = audio_path(where)
            model = self.listen_model
            self.started_listening()
            if model.startswith("gpt-4o") and not self.translating():
                screen.say(f"Transcribing {audio.name} with {model}, streamed…")
                async for event in service.transcribe_stream(audio, model, self.listen_options()):
                    if event.get("type") == "transcript.text.delta":
                        self.heard_more(str(event.get("delta", "")))
                    elif event.get("type") == "transcript.text.done":
                        self.show_transcript(whole(str(event.get("text", self.heard))))
            else:
                verb = "Translating" if self.translating() else "Transcribing"
                screen.say(f"{verb} {audio.name} with {model}…")
                transcript = await service.transcribe(
                    audio, model, self.listen_options(), translate=self.translating()
                )
                self.show_transcript(transcript)
            screen.say(f"Heard {audio.name}. ctrl+e writes the transcript.")
        except AudioInputError as error:
            screen.say(f"{error} (the input is kept)", bad=True)
        except OSError as error:
            screen.say(
                f"The audio could not be written ({error.strerror or error}): free some space; "
                "the text is kept, f2 asks again.",
                bad=True,
            )
        except APIError as error:
            screen.told(error, "speaking the text" if not where else "transcribing", "audio")

    def play(self, path: Path) -> None:
        """Play a file in the background with the machine's player (its output never
        reaches the terminal)."""
        from tui.areas.playground.core.audio import playable, player

        say = getattr(self.screen, "say", None)
        found = player()
        if found is None:
            if say is not None:
                say("No audio player here (mpv, ffplay, paplay, aplay): the file is saved.")
            return
        if not playable(found[0], path):
            if say is not None:
                say(f"{found[0]} cannot play {path.suffix} files: the file is saved.")
            return
        self._play(found[1], path)

    @work(group="audio-sound", exclusive=True, exit_on_error=False)
    async def _play(self, command: list[str], path: Path) -> None:
        import asyncio
        import subprocess

        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                str(path),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError as error:
            say = getattr(self.screen, "say", None)
            if say is not None:
                say(f"{command[0]} could not start: {error.strerror or error}", bad=True)
            return
        try:
            await process.wait()
        except asyncio.CancelledError:
            process.kill()
            raise

    async def export(self, screen: Any) -> None:
        """The transcript on screen as text, SRT and WebVTT, into exports/."""
        import asyncio
        import time

        from tui.areas.playground.core.audio import as_subtitles
        from tui.core.safe_files import write_inside

        transcript = self.transcript
        if transcript is None:
            screen.say("Transcribe an audio file first: ctrl+e writes its transcript.")
            return
        folder = screen.services.settings.store_dir / "exports"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        files = {
            f"transcript-{stamp}.txt": transcript.text.strip() + "\n",
            f"transcript-{stamp}.srt": as_subtitles(transcript, vtt=False),
            f"transcript-{stamp}.vtt": as_subtitles(transcript, vtt=True),
        }

        def write() -> list[str]:
            return [str(write_inside(folder, name, text)) for name, text in files.items()]

        try:
            written = await asyncio.to_thread(write)
        except OSError as error:
            screen.say(f"Could not write the transcript: {error.strerror or error}", bad=True)
            return
        screen.say("Written: " + ", ".join(written))


class AudioOptions(ModalScreen[tuple[str, str, dict[str, Any]] | None]):
    """The models and options of the next speech and transcription."""

    DEFAULT_CSS = """
    AudioOptions { align: center middle; }
    AudioOptions > VerticalScroll {
        width: 90; max-width: 100%; height: 1fr; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    AudioOptions .row { height: 1; }
    AudioOptions .row Label { width: 20; }
    AudioOptions .row Input { width: 1fr; }
    AudioOptions #aopts-problems { color: $text-error; }
    AudioOptions .hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("f2,ctrl+s", "save", "Save", id="aopts.save", tooltip="Use these options"),
        Binding("escape", "cancel", "Cancel", id="aopts.cancel", tooltip="Change nothing"),
    ]

    def __init__(self, speech_model: str, listen_model: str, options: dict[str, Any]) -> None:
        super().__init__()
        self.speech_model = speech_model
        self.listen_model = listen_model
        self.options = options

    def _row(self, label: str, value: str, placeholder: str, key: str) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label(label, markup=False)
            yield Field(value, placeholder=placeholder, id=f"aopt-{key}", compact=True)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Speech", classes="hint")
            yield from self._row(
                "model", self.speech_model, "gpt-4o-mini-tts, tts-1, tts-1-hd", "speech_model"
            )
            for name in SPEECH_OPTIONS:
                yield from self._row(
                    name, str(self.options.get(name) or ""), f"default · {HELP[name]}", name
                )
            yield Static("Transcription", classes="hint")
            yield from self._row(
                "model",
                self.listen_model,
                "whisper-1, gpt-4o-transcribe, gpt-4o-mini-transcribe",
                "listen_model",
            )
            for name in LISTEN_OPTIONS:
                yield from self._row(
                    name, str(self.options.get(name) or ""), f"default · {HELP[name]}", name
                )
            yield Static("", id="aopts-problems")
            yield Static(
                "Empty fields use the server's default. F2 saves · Esc cancels", classes="hint"
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#aopt-speech_model", Input).focus()

    def _value(self, key: str) -> str:
        return self.query_one(f"#aopt-{key}", Input).value.strip()

    def _read(self) -> tuple[str, str, dict[str, Any], list[str]]:
        from tui.areas.playground.core.audio import AudioInputError, speech_body

        speech_model = self._value("speech_model") or SPEECH_MODEL
        listen_model = self._value("listen_model") or TRANSCRIBE_MODEL
        options = {name: self._value(name) for name in (*SPEECH_OPTIONS, *LISTEN_OPTIONS)}
        options = {k: v for k, v in options.items() if v}
        problems = []
        try:
            speech_body("check", speech_model, options)
        except AudioInputError as error:
            problems.append(str(error))
        temperature = options.get("temperature")
        if temperature:
            try:
                if not 0.0 <= float(temperature) <= 1.0:
                    problems.append("temperature is 0 to 1")
            except ValueError:
                problems.append(f"temperature {temperature!r} is not a number")
        translate = options.get("translate", "").lower()
        if translate and translate not in ("yes", "no", "true", "false", "y", "n", "1", "0"):
            problems.append("translate: yes or no")
        elif translate in ("yes", "true", "y", "1") and listen_model != "whisper-1":
            problems.append("only whisper-1 translates")
        return speech_model, listen_model, options, problems

    @on(Input.Changed)
    def _check(self) -> None:
        problems = self._read()[3]
        self.query_one("#aopts-problems", Static).update(plain("\n".join(problems)))

    def action_save(self) -> None:
        """Use these options."""
        speech_model, listen_model, options, problems = self._read()
        if problems:
            self.query_one("#aopts-problems", Static).update(plain("\n".join(problems)))
            return
        self.dismiss((speech_model, listen_model, options))

    def action_cancel(self) -> None:
        """Close, changing nothing."""
        self.dismiss(None)
