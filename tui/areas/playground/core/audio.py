"""Audio: what the speech and transcription models take (checked before sending), where
speech is written, which player on this machine can play it, and transcripts as text,
SRT and WebVTT."""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core.safe_files import slug

if TYPE_CHECKING:
    from tui.areas.playground.api.schemas import Transcript

SPEECH_MODEL = "gpt-4o-mini-tts"
TRANSCRIBE_MODEL = "whisper-1"
VOICES = (
    "alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer",
    "verse", "marin", "cedar",
)  # fmt: skip
SPEECH_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
EXTENSIONS = {"opus": "ogg", "pcm": "pcm"}
"""A format's file extension where it is not the format's name (Opus comes in Ogg)."""
TRANSCRIPT_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
AUDIO_FILES = (".flac", ".m4a", ".mp3", ".mp4", ".mpeg", ".mpga", ".oga", ".ogg", ".wav", ".webm")
MOST_INPUT = 4096
MOST_UPLOAD = 25 * 1024 * 1024
MOST_SECONDS_GPT = 1500
"""The longest audio the GPT transcription models take."""
PLAYERS = (
    ("mpv", ["mpv", "--no-video", "--really-quiet"]),
    ("ffplay", ["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"]),
    ("paplay", ["paplay"]),
    ("aplay", ["aplay", "-q"]),
    ("afplay", ["afplay"]),
)
"""Players tried in turn (paplay and aplay take wav only)."""


class AudioInputError(ValueError):
    """A request the model would refuse; the words name the parameter and the fix."""


def speech_body(text: str, model: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """A CreateSpeechRequest, checked: voice, response_format, speed (0.25-4),
    instructions (gpt-4o-mini-tts only)."""
    text = text.strip()
    if not text:
        raise AudioInputError("nothing to say: write the text to speak")
    if len(text) > MOST_INPUT:
        raise AudioInputError(
            f"the text has {len(text):,} characters; speech takes {MOST_INPUT:,} at a time "
            "(split it)"
        )
    voice = str(options.get("voice") or "alloy")
    response_format = str(options.get("response_format") or "mp3")
    if response_format not in SPEECH_FORMATS:
        raise AudioInputError(
            f"format {response_format!r}: speech comes as {', '.join(SPEECH_FORMATS)}"
        )
    body: dict[str, Any] = {
        "model": model,
        "input": text,
        "voice": voice,
        "response_format": response_format,
    }
    speed = options.get("speed")
    if speed not in (None, ""):
        try:
            value = float(speed)
        except (TypeError, ValueError):
            raise AudioInputError(f"speed {speed!r} is not a number (0.25 to 4)") from None
        if not 0.25 <= value <= 4.0:
            raise AudioInputError(f"speed is 0.25 to 4; not {value:g}")
        body["speed"] = value
    instructions = str(options.get("instructions") or "").strip()
    if instructions:
        if not model.startswith("gpt-4o-mini-tts"):
            raise AudioInputError(
                f"{model} takes no instructions (gpt-4o-mini-tts does): leave them out"
            )
        body["instructions"] = instructions
    return body


def speech_path(folder: Path, text: str, response_format: str, now: float | None = None) -> Path:
    """A new file for speech in `folder`: its time and the text's first words."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now or time.time()))
    words = slug(" ".join(text.split()[:6]).lower(), "speech")[:48]
    extension = EXTENSIONS.get(response_format, response_format)
    path, n = folder / f"{stamp}-{words}.{extension}", 1
    while path.exists():
        n += 1
        path = folder / f"{stamp}-{words}-{n}.{extension}"
    return path


@dataclass(frozen=True, slots=True)
class AudioFile:
    """An audio file to transcribe."""

    path: Path
    size: int
    seconds: float | None
    """Its length, where libsndfile can read it (None: the server decides)."""


def read_audio(path: Path) -> AudioFile:
    """What an audio file is; AudioInputError naming it when it is missing, too large or
    not audio."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise AudioInputError(f"{path} does not exist: give the path of an audio file") from None
    except OSError as error:
        raise AudioInputError(f"{path} cannot be read: {error.strerror or error}") from None
    if path.is_dir():
        raise AudioInputError(f"{path} is a folder: give the path of an audio file")
    if size > MOST_UPLOAD:
        raise AudioInputError(
            f"{path.name} is {size / 1e6:.1f} MB; transcription takes 25 MB at most "
            "(cut it into parts, or compress it to mp3)"
        )
    if path.suffix.lower() not in AUDIO_FILES:
        raise AudioInputError(
            f"{path.name} is not a kind of audio the API takes ({', '.join(AUDIO_FILES)})"
        )
    seconds: float | None = None
    try:
        import soundfile

        info = soundfile.info(str(path))
        seconds = info.frames / info.samplerate if info.samplerate else None
    except (RuntimeError, ValueError, TypeError, OSError):
        if path.suffix.lower() in (".wav", ".flac", ".ogg", ".oga", ".mp3"):
            raise AudioInputError(f"{path.name} is not audio Loom can read") from None
    return AudioFile(path, size, seconds)


def transcript_fields(
    model: str, options: Mapping[str, Any], audio: AudioFile, *, translate: bool = False
) -> list[tuple[str, str]]:
    """The text fields of a CreateTranscriptionRequest (or CreateTranslationRequest),
    checked for the model: response_format, timestamp granularities, language, prompt,
    temperature."""
    if translate and model != "whisper-1":
        raise AudioInputError("only whisper-1 translates: choose it as the model")
    response_format = str(options.get("response_format") or "json")
    if response_format not in TRANSCRIPT_FORMATS:
        raise AudioInputError(
            f"format {response_format!r}: transcripts come as {', '.join(TRANSCRIPT_FORMATS)}"
        )
    gpt = model.startswith(("gpt-4o-transcribe", "gpt-4o-mini-transcribe"))
    if gpt and response_format not in ("json", "text"):
        raise AudioInputError(f"{model} answers in json or text; {response_format} is whisper-1's")
    if gpt and audio.seconds is not None and audio.seconds > MOST_SECONDS_GPT:
        raise AudioInputError(
            f"{audio.path.name} lasts {audio.seconds / 60:.0f} minutes; {model} takes "
            f"{MOST_SECONDS_GPT // 60} at most (cut it, or use whisper-1)"
        )
    fields = [("model", model), ("response_format", response_format)]
    granularities = [g for g in options.get("timestamp_granularities") or [] if g]
    if granularities:
        if translate:
            raise AudioInputError("a translation has no timestamp granularities")
        if response_format != "verbose_json":
            raise AudioInputError("word and segment times need the verbose_json format")
        for value in granularities:
            if value not in ("word", "segment"):
                raise AudioInputError(f"timestamp granularity {value!r}: word or segment")
            fields.append(("timestamp_granularities[]", value))
    for name in ("language", "prompt") if not translate else ("prompt",):
        value = str(options.get(name) or "").strip()
        if value:
            fields.append((name, value))
    temperature = options.get("temperature")
    if temperature not in (None, ""):
        try:
            value_t = float(temperature)
        except (TypeError, ValueError):
            raise AudioInputError(f"temperature {temperature!r} is not a number") from None
        if not 0.0 <= value_t <= 1.0:
            raise AudioInputError(f"temperature is 0 to 1; not {value_t:g}")
        fields.append(("temperature", f"{value_t:g}"))
    return fields


def units_of_speech(model: str, text: str) -> tuple[tuple[str, float], ...]:
    """tts-1 and tts-1-hd are priced by the character."""
    return (("character", float(len(text))),) if model.startswith("tts-1") else ()


def units_of_listening(model: str, audio: AudioFile) -> tuple[tuple[str, float], ...]:
    """whisper-1 is priced by the minute (GPT transcription by its tokens)."""
    if model != "whisper-1" or audio.seconds is None:
        return ()
    return (("minute", audio.seconds / 60.0),)


def player() -> tuple[str, list[str]] | None:
    """(name, command) of the first audio player on this machine, or None."""
    for name, command in PLAYERS:
        if shutil.which(command[0]):
            return name, command
    return None


def playable(name: str, path: Path) -> bool:
    """Whether `name` can play `path` (paplay and aplay read wav only; none reads pcm)."""
    suffix = path.suffix.lower()
    if suffix == ".pcm":
        return False
    return name not in ("paplay", "aplay") or suffix == ".wav"


def _clock(seconds: float, comma: bool) -> str:
    whole, millis = divmod(round(seconds * 1000), 1000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{',' if comma else '.'}{millis:03d}"


def as_subtitles(transcript: Transcript, vtt: bool) -> str:
    """SRT or WebVTT of a verbose transcript's segments (one block of the whole text
    when there are none)."""
    parts: Sequence[tuple[float, float, str]] = [
        (s.start, s.end, s.text.strip()) for s in transcript.segments
    ] or [(0.0, transcript.duration or 0.0, transcript.text.strip())]
    lines = ["WEBVTT", ""] if vtt else []
    for n, (start, end, text) in enumerate(parts, 1):
        if not vtt:
            lines.append(str(n))
        lines += [f"{_clock(start, not vtt)} --> {_clock(end, not vtt)}", text, ""]
    return "\n".join(lines)


def clock(seconds: float) -> str:
    """m:ss.s for a segment on screen."""
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)}:{secs:04.1f}"


def audio_path(text: str) -> Path:
    """The audio file a field names (`~` expanded)."""
    return Path(text.strip()).expanduser()


def whole(text: str) -> Transcript:
    """A streamed transcription's end as a transcript of its text alone."""
    from tui.areas.playground.api.schemas import Transcript

    return Transcript(text=text)


def speakable(markdown: str) -> str:
    """A Markdown reply as words to say: no fences, quote and heading marks, list bullets,
    emphasis or link targets (the text of each stays)."""
    import re

    text = re.sub(r"^\s*(```|~~~).*$", "", markdown, flags=re.MULTILINE)
    text = re.sub(r"^\s{0,3}(#{1,6}|>+|[-*+]|\d+[.)])\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    return re.sub(r"\n{2,}", "\n", text).strip()
