"""The simulator's audio: `POST /v1/audio/speech`, `/v1/audio/transcriptions` and
`/v1/audio/translations`.

Speech is real audio (libsndfile through `soundfile`: wav, flac, mp3, ogg-opus, and raw
24 kHz 16-bit pcm) whose length follows the text: a voiced burst per word, pitched by the
voice, silence between words and longer after a sentence. The text rides in the file's
comment tag (`loom-sim-speech/1 {...}`), so transcribing the simulator's own speech gives
back the same words, with segments and word times that fall on the bursts. Audio it did not
make is heard as sound without words. A file that is not audio gets a 400, as OpenAI's does.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import math
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from tui.sim.gate import Gate
from tui.sim.models import model_not_found
from tui.sim.reply import count_tokens
from tui.sim.state import InvalidRequest, SimState, error_response

RATE = 24_000
"""Samples a second of the speech made (OpenAI's pcm is 24 kHz, 16-bit, mono)."""
TAG = "loom-sim-speech/1 "
SPEECH_MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")
TRANSCRIBE_MODELS = ("whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe")
VOICES = (
    "alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer",
    "verse", "marin", "cedar",
)  # fmt: skip
FORMATS = {
    "mp3": ("MP3", "MPEG_LAYER_III", "audio/mpeg"),
    "opus": ("OGG", "OPUS", "audio/ogg"),
    "flac": ("FLAC", "PCM_16", "audio/flac"),
    "wav": ("WAV", "PCM_16", "audio/wav"),
}
"""What libsndfile writes for each `response_format` (pcm is raw samples; aac it cannot)."""
MOST_INPUT = 4096
MOST_UPLOAD = 25 * 1024 * 1024
TEXT_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
LANGUAGES = {"en": "english", "fr": "french", "de": "german", "es": "spanish", "it": "italian"}


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    start: float
    end: float


def timings(text: str, speed: float = 1.0) -> list[Word]:
    """When each word of `text` is said at `speed`: the one clock speech and transcription
    share."""
    words: list[Word] = []
    at = 0.15 / speed
    for match in re.finditer(r"\S+", text):
        token = match.group()
        length = (0.12 + 0.055 * len(token)) / speed
        words.append(Word(token, round(at, 3), round(at + length, 3)))
        at += length + (0.35 if token[-1] in ".!?" else 0.08) / speed
    return words


def _pitch(voice: str) -> float:
    return 110.0 + int(hashlib.sha256(voice.encode()).hexdigest()[:4], 16) % 120


def samples(text: str, voice: str, speed: float) -> Any:
    """The speech's samples (float32, mono, RATE): a burst per word, as `timings` says."""
    import numpy as np

    words = timings(text, speed)
    total = (words[-1].end if words else 0.0) + 0.3 / speed
    out = np.zeros(int(total * RATE) + 1, dtype=np.float32)
    base = _pitch(voice)
    for n, word in enumerate(words):
        first, last = int(word.start * RATE), int(word.end * RATE)
        t = np.arange(last - first, dtype=np.float32) / RATE
        pitch = base * (1.0 + 0.08 * math.sin(n))
        tone = sum(
            (0.5 / k) * np.sin(2 * np.pi * pitch * k * t, dtype=np.float32) for k in (1, 2, 3, 5)
        )
        rise = np.sin(np.pi * np.linspace(0.0, 1.0, t.size, dtype=np.float32))
        envelope = np.sqrt(np.clip(rise, 0.0, 1.0))  # (sin(pi) is a hair below 0 in float32)
        out[first:last] = 0.4 * tone * envelope
    # LAME aborts the whole process on a NaN: none may reach an encoder.
    return np.clip(np.nan_to_num(out), -1.0, 1.0)


def speech_file(text: str, voice: str, speed: float, response_format: str) -> bytes:
    """The speech as a file of `response_format`, its text in the comment tag."""
    import numpy as np
    import soundfile

    signal = samples(text, voice, speed)
    if response_format == "pcm":
        raw: bytes = (np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes()
        return raw
    container, subtype, _ = FORMATS[response_format]
    rate = RATE
    if response_format == "opus":  # Opus runs at 48 kHz
        signal, rate = np.repeat(signal, 2), 48_000
    buffer = io.BytesIO()
    with soundfile.SoundFile(
        buffer, "w", samplerate=rate, channels=1, format=container, subtype=subtype
    ) as file:
        file.comment = TAG + json.dumps({"text": text, "speed": speed})
        file.title = text[:60]
        file.write(signal)
    return buffer.getvalue()


@dataclass
class Heard:
    """What the simulator hears in a file."""

    duration: float
    text: str
    words: list[Word]
    spoken: bool
    """Whether it is the simulator's own speech (its words are known)."""


def hear(data: bytes) -> Heard:
    """The file's words and times; InvalidRequest when it is not audio."""
    import soundfile

    try:
        with soundfile.SoundFile(io.BytesIO(data)) as file:
            duration = file.frames / file.samplerate if file.samplerate else 0.0
            comment = file.comment or ""
    except (RuntimeError, soundfile.LibsndfileError, TypeError, ValueError):
        raise InvalidRequest(
            "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', "
            "'mpga', 'oga', 'ogg', 'wav', 'webm']",
            "file",
        ) from None
    if comment.startswith(TAG):
        try:
            said = json.loads(comment[len(TAG) :])
            text, speed = str(said["text"]), float(said.get("speed", 1.0))
        except (ValueError, KeyError, TypeError):
            text, speed = "", 1.0
        if text:
            return Heard(round(duration, 3), text, timings(text, speed), True)
    text = f"(sound without words the simulator can hear, {duration:.1f} seconds)"
    return Heard(round(duration, 3), text, [Word(text, 0.0, round(duration, 3))], False)


def segments(heard: Heard) -> list[dict[str, Any]]:
    """The spec's TranscriptionSegment for each sentence."""
    found: list[dict[str, Any]] = []
    run: list[Word] = []

    def close() -> None:
        if not run:
            return
        text = " ".join(w.word for w in run)
        found.append(
            {
                "id": len(found),
                "seek": int(run[0].start * 100),
                "start": run[0].start,
                "end": run[-1].end,
                "text": " " + text,
                "tokens": [50364 + n for n in range(count_tokens(text))],
                "temperature": 0.0,
                "avg_logprob": -0.21,
                "compression_ratio": 1.2,
                "no_speech_prob": 0.01 if heard.spoken else 0.9,
            }
        )
        run.clear()

    for word in heard.words:
        run.append(word)
        if word.word[-1] in ".!?":
            close()
    close()
    return found


def _clock(seconds: float, comma: bool) -> str:
    whole, millis = divmod(round(seconds * 1000), 1000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    mark = "," if comma else "."
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{mark}{millis:03d}"


def subtitles(parts: list[dict[str, Any]], vtt: bool) -> str:
    """SRT or WebVTT of the segments."""
    lines = ["WEBVTT", ""] if vtt else []
    for n, part in enumerate(parts, 1):
        if not vtt:
            lines.append(str(n))
        start, end = _clock(part["start"], not vtt), _clock(part["end"], not vtt)
        lines += [f"{start} --> {end}", part["text"].strip(), ""]
    return "\n".join(lines)


def audio_routes(sim: SimState, gate: Gate) -> list[Route]:
    """Speech, transcriptions and translations."""

    async def speech(request: Request) -> Response:
        headers, _, body, early = await gate.json_prelude(request, "audio")
        if early is not None:
            return early
        assert body is not None  # (json_prelude answers when there is none)
        try:
            model = body.get("model")
            if not isinstance(model, str) or not model:
                raise InvalidRequest("Missing required parameter: 'model'.", "model")
            text = body.get("input")
            if not isinstance(text, str) or not text.strip():
                raise InvalidRequest("Missing required parameter: 'input'.", "input")
            if len(text) > MOST_INPUT:
                raise InvalidRequest(
                    f"Invalid 'input': string too long. Expected a string with maximum length "
                    f"{MOST_INPUT}, but got a string with length {len(text)} instead.",
                    "input",
                )
            voice = body.get("voice")
            if isinstance(voice, dict):
                voice = voice.get("id")
            if not isinstance(voice, str) or not voice:
                raise InvalidRequest("Missing required parameter: 'voice'.", "voice")
            response_format = body.get("response_format") or "mp3"
            if response_format == "aac":
                raise InvalidRequest(
                    "The simulator cannot write aac (libsndfile has no AAC encoder): choose "
                    "mp3, opus, flac, wav or pcm.",
                    "response_format",
                )
            if response_format not in (*FORMATS, "pcm"):
                raise InvalidRequest(
                    f"Invalid value: '{response_format}'. Supported values are: 'mp3', "
                    "'opus', 'aac', 'flac', 'wav', and 'pcm'.",
                    "response_format",
                )
            speed = body.get("speed", 1.0)
            if isinstance(speed, bool) or not isinstance(speed, int | float):
                raise InvalidRequest("Invalid type for 'speed': expected a number.", "speed")
            if not 0.25 <= float(speed) <= 4.0:
                raise InvalidRequest(
                    f"Invalid 'speed': {speed}. Expected a value between 0.25 and 4.", "speed"
                )
            if body.get("instructions") and not model.startswith("gpt-4o-mini-tts"):
                raise InvalidRequest(
                    f"Instructions are not supported with {model}.", "instructions"
                )
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        if not model.startswith(SPEECH_MODELS):
            return model_not_found(model, headers)
        data = await asyncio.to_thread(speech_file, text, voice, float(speed), response_format)
        kind = "audio/pcm" if response_format == "pcm" else FORMATS[response_format][2]
        sim.spend(len(text), request=False)

        async def pieces() -> AsyncIterator[bytes]:  # chunked, as OpenAI sends it
            for start in range(0, len(data), 16_384):
                yield data[start : start + 16_384]
                await asyncio.sleep(0)

        return StreamingResponse(pieces(), media_type=kind, headers=headers)

    async def listened(request: Request, translate: bool) -> Response:
        headers, _, early = gate.prelude(request, "audio")
        if early is not None:
            return early
        try:
            try:
                form = await request.form(max_part_size=MOST_UPLOAD + 1)
            except Exception as exc:  # a body that is not multipart/form-data
                raise InvalidRequest(f"Could not parse multipart form: {exc}", None) from None
            model = form.get("model")
            if not isinstance(model, str) or not model:
                raise InvalidRequest("Missing required parameter: 'model'.", "model")
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidRequest("Missing required parameter: 'file'.", "file")
            data = await upload.read()
            if len(data) > MOST_UPLOAD:
                return error_response(
                    413,
                    f"Maximum content size limit ({MOST_UPLOAD} bytes) exceeded "
                    f"({len(data)} bytes read)",
                    param="file",
                    headers=headers,
                )
            response_format = str(form.get("response_format") or "json")
            if response_format not in TEXT_FORMATS:
                raise InvalidRequest(
                    f"Invalid value: '{response_format}'. Supported values are: 'json', "
                    "'text', 'srt', 'verbose_json', and 'vtt'.",
                    "response_format",
                )
            gpt = model.startswith(("gpt-4o-transcribe", "gpt-4o-mini-transcribe"))
            if translate and model != "whisper-1":
                raise InvalidRequest(f"Translations take whisper-1, not {model}.", "model")
            if gpt and response_format not in ("json", "text"):
                raise InvalidRequest(
                    f"response_format '{response_format}' is not compatible with model "
                    f"'{model}'. Use 'json' or 'text'.",
                    "response_format",
                )
            granularities = [str(g) for g in form.getlist("timestamp_granularities[]")]
            if granularities and response_format != "verbose_json":
                raise InvalidRequest(
                    "timestamp_granularities requires response_format=verbose_json.",
                    "timestamp_granularities",
                )
            heard = await asyncio.to_thread(hear, data)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        if not model.startswith(TRANSCRIBE_MODELS):
            return model_not_found(model, headers)
        language = LANGUAGES.get(str(form.get("language") or "en"), "english")
        if translate:
            language = "english"
        seconds = max(1, math.ceil(heard.duration))
        tokens = count_tokens(heard.text)
        usage: dict[str, Any] = (
            {
                "type": "tokens",
                "input_tokens": seconds * 10,
                "output_tokens": tokens,
                "total_tokens": seconds * 10 + tokens,
                "input_token_details": {"text_tokens": 0, "audio_tokens": seconds * 10},
            }
            if gpt
            else {"type": "duration", "seconds": seconds}
        )
        if str(form.get("stream") or "").lower() == "true" and gpt and not translate:
            return StreamingResponse(
                _streamed(heard, usage), media_type="text/event-stream", headers=headers
            )
        if response_format == "text":
            return PlainTextResponse(heard.text + "\n", headers=headers)
        parts = segments(heard)
        if response_format in ("srt", "vtt"):
            return PlainTextResponse(subtitles(parts, response_format == "vtt"), headers=headers)
        if response_format == "json":
            reply: dict[str, Any] = {"text": heard.text}
            if not translate:
                reply["usage"] = usage
            return JSONResponse(reply, headers=headers)
        verbose: dict[str, Any] = {
            "task": "translate" if translate else "transcribe",
            "language": language,
            "duration": heard.duration,
            "text": heard.text,
            "segments": parts,
        }
        if "word" in granularities and not translate:
            verbose["words"] = [
                {"word": w.word.strip(".,!?;:"), "start": w.start, "end": w.end}
                for w in heard.words
            ]
        if not translate:
            verbose["usage"] = {"type": "duration", "seconds": seconds}
        return JSONResponse(verbose, headers=headers)

    async def transcriptions(request: Request) -> Response:
        return await listened(request, translate=False)

    async def translations(request: Request) -> Response:
        return await listened(request, translate=True)

    return [
        Route("/v1/audio/speech", speech, methods=["POST"]),
        Route("/v1/audio/transcriptions", transcriptions, methods=["POST"]),
        Route("/v1/audio/translations", translations, methods=["POST"]),
    ]


async def _streamed(heard: Heard, usage: dict[str, Any]) -> AsyncIterator[bytes]:
    """A streamed transcription: a `transcript.text.delta` per word, then the whole."""
    for n, word in enumerate(heard.words):
        delta = ("" if n == 0 else " ") + word.word
        event = {"type": "transcript.text.delta", "delta": delta}
        yield b"data: " + json.dumps(event).encode() + b"\n\n"
        await asyncio.sleep(0.005)
    done = {"type": "transcript.text.done", "text": heard.text, "usage": usage}
    yield b"data: " + json.dumps(done).encode() + b"\n\n"
