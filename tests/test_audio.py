"""Audio against the simulator over loopback: speech as real audio in every format
libsndfile writes, its length following the text; the simulator's own speech transcribed
back to the same words, with segments and word times, as text, SRT, WebVTT and the spec's
JSON; a streamed transcription; every option checked for the model before sending; a file
that is not audio refused; the cost in a real ledger; the commands; and the playground's
Audio tool driven by keys at 80x24 (speak, take it, transcribe it, export)."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import soundfile

from tui.api.errors import BadRequestError
from tui.app import LoomApp
from tui.areas.playground.core import audio as audio_core
from tui.areas.playground.core.audio import AudioInputError
from tui.areas.playground.screens.audio import AudioTool
from tui.areas.playground.screens.playground import PlaygroundScreen
from tui.core.services import Services
from tui.sim.server import SimServer

from .conftest import loom, screen_text, settings_for, until
from .spec import component_validator

SAID = "Hello there. The loom weaves the cloth, thread by thread!"


def _service(sim: SimServer, data: Path) -> tuple[Services, Any]:
    services = Services(settings_for(sim, data_dir=str(data), max_retries=0))
    return services, services.area("playground")


async def test_speech_is_real_audio_in_every_format_its_length_following_the_text(
    sim: SimServer, tmp_path: Path
) -> None:
    services, service = _service(sim, tmp_path / "data")
    lengths: dict[str, float] = {}
    try:
        for fmt in ("mp3", "opus", "flac", "wav"):
            path = await service.speak(SAID, "tts-1", {"voice": "coral", "response_format": fmt})
            with soundfile.SoundFile(str(path)) as file:
                lengths[fmt] = file.frames / file.samplerate
            assert path.suffix == (".ogg" if fmt == "opus" else f".{fmt}")
        raw = await service.speak(SAID, "tts-1", {"response_format": "pcm"})
        short = await service.speak("Hi.", "tts-1", {"response_format": "wav"})
        fast = await service.speak(SAID, "tts-1", {"response_format": "wav", "speed": 2.0})
        with pytest.raises(BadRequestError, match="mp3, opus, flac, wav or pcm"):
            await service.speak(SAID, "tts-1", {"response_format": "aac"})
        await services.ledger.flush()
        rows = await services.store.run("read", lambda r: r.ledger.rows(0, time.time() + 1))
    finally:
        await services.aclose()
    assert all(abs(seconds - lengths["wav"]) < 0.2 for seconds in lengths.values())
    assert raw.stat().st_size == pytest.approx(lengths["wav"] * 24_000 * 2, rel=0.01)
    assert soundfile.info(str(short)).duration < lengths["wav"] / 3
    assert soundfile.info(str(fast)).duration == pytest.approx(lengths["wav"] / 2, rel=0.1)
    spoken = [r for r in rows if r["endpoint"] == "/audio/speech" and r["status"] == 200]
    assert spoken and spoken[0]["cost"] == pytest.approx(len(SAID) * 0.000015)
    assert not list((tmp_path / "data").rglob("*.part"))  # no half-written file left


async def test_the_simulators_speech_is_heard_back_word_for_word(
    sim: SimServer, tmp_path: Path
) -> None:
    services, service = _service(sim, tmp_path / "data")
    try:
        path = await service.speak(SAID, "gpt-4o-mini-tts", {"instructions": "warmly"})
        options = {
            "response_format": "verbose_json",
            "timestamp_granularities": ["word", "segment"],
        }
        verbose = await service.transcribe(path, "whisper-1", options)
        srt = await service.transcribe(path, "whisper-1", {"response_format": "srt"})
        vtt = await service.transcribe(path, "whisper-1", {"response_format": "vtt"})
        text = await service.transcribe(path, "gpt-4o-transcribe", {"response_format": "text"})
        english = await service.transcribe(path, "whisper-1", {}, translate=True)
        streamed = [e async for e in service.transcribe_stream(path, "gpt-4o-mini-transcribe", {})]
        await services.ledger.flush()
        rows = await services.store.run("read", lambda r: r.ledger.rows(0, time.time() + 1))
    finally:
        await services.aclose()
    assert verbose.text == SAID and verbose.language == "english"
    assert [s.text.strip() for s in verbose.segments] == [
        "Hello there.",
        "The loom weaves the cloth, thread by thread!",
    ]
    assert verbose.segments[0].end < verbose.segments[1].start < verbose.duration  # type: ignore[operator]
    assert [w.word for w in verbose.words][:3] == ["Hello", "there", "The"]
    assert "00:00:00,150 --> " in srt.text and srt.text.startswith("1\n")
    assert vtt.text.startswith("WEBVTT") and "Hello there." in vtt.text
    assert text.text.strip() == SAID and english.text == SAID
    deltas = "".join(e["delta"] for e in streamed if e["type"] == "transcript.text.delta")
    assert deltas == SAID and streamed[-1]["type"] == "transcript.text.done"
    heard = [
        r for r in rows if r["endpoint"] == "/audio/transcriptions" and r["model"] == "whisper-1"
    ]
    assert heard and heard[0]["cost"] and heard[0]["cost"] > 0  # by the minute


def test_the_transcripts_match_the_spec(sim: SimServer, tmp_path: Path) -> None:
    auth = {"Authorization": "Bearer sk-test-fake-0001"}
    speech = httpx.post(
        sim.base_url + "/audio/speech",
        json={"model": "tts-1", "input": SAID, "voice": "alloy", "response_format": "wav"},
        headers=auth,
    )
    assert speech.status_code == 200 and speech.headers["content-type"] == "audio/wav"
    for fmt, schema in (
        ("json", "CreateTranscriptionResponseJson"),
        ("verbose_json", "CreateTranscriptionResponseVerboseJson"),
    ):
        reply = httpx.post(
            sim.base_url + "/audio/transcriptions",
            data={"model": "whisper-1", "response_format": fmt},
            files={"file": ("s.wav", speech.content, "audio/wav")},
            headers=auth,
        )
        assert reply.status_code == 200
        component_validator(schema).validate(reply.json())
    translated = httpx.post(
        sim.base_url + "/audio/translations",
        data={"model": "whisper-1", "response_format": "verbose_json"},
        files={"file": ("s.wav", speech.content, "audio/wav")},
        headers=auth,
    )
    component_validator("CreateTranslationResponseVerboseJson").validate(translated.json())
    not_audio = httpx.post(
        sim.base_url + "/audio/transcriptions",
        data={"model": "whisper-1"},
        files={"file": ("voice.m4a", b"these are not sounds", "audio/mp4")},
        headers=auth,
    )
    assert not_audio.status_code == 400 and "Invalid file format" in not_audio.text


async def test_every_option_is_checked_before_anything_is_sent(
    sim: SimServer, tmp_path: Path
) -> None:
    services, service = _service(sim, tmp_path / "data")
    wav = tmp_path / "a.wav"
    soundfile.write(str(wav), [0.0] * 2400, 24_000)
    big = tmp_path / "long.mp3"
    with big.open("wb") as file:
        file.truncate(26 * 1024 * 1024)
    (tmp_path / "notes.wav").write_text("not a sound")
    before = sim.state.requests
    speech_cases = [
        ("tts-1", {"instructions": "calm"}, "takes no instructions"),
        ("tts-1", {"speed": 5}, "0.25 to 4"),
        ("tts-1", {"response_format": "ogg"}, "speech comes as"),
    ]
    listen_cases: list[tuple[Path, str, dict[str, Any], str]] = [
        (wav, "gpt-4o-transcribe", {"response_format": "srt"}, "json or text"),
        (wav, "whisper-1", {"timestamp_granularities": ["word"]}, "verbose_json"),
        (big, "whisper-1", {}, "25 MB"),
        (tmp_path / "notes.wav", "whisper-1", {}, "not audio"),
        (tmp_path / "gone.mp3", "whisper-1", {}, "does not exist"),
        (tmp_path / "notes.txt", "whisper-1", {}, "not a kind of audio"),
    ]
    (tmp_path / "notes.txt").write_text("x")
    try:
        for model, options, said in speech_cases:
            with pytest.raises(AudioInputError, match=said):
                await service.speak(SAID, model, options)
        with pytest.raises(AudioInputError, match="nothing to say"):
            await service.speak("  ", "tts-1", {})
        for path, model, options, said in listen_cases:
            with pytest.raises(AudioInputError, match=said):
                await service.transcribe(path, model, options)
        with pytest.raises(AudioInputError, match="only whisper-1 translates"):
            await service.transcribe(wav, "gpt-4o-transcribe", {}, translate=True)
        assert sim.state.requests == before  # nothing was sent
        odd = tmp_path / "voice.m4a"
        odd.write_bytes(b"these are not sounds")  # Loom cannot read m4a: the server says
        with pytest.raises(BadRequestError, match="Invalid file format"):
            await service.transcribe(odd, "whisper-1", {})
    finally:
        await services.aclose()


def test_the_audio_commands_speak_and_transcribe(sim: SimServer, tmp_path: Path) -> None:
    env = {
        "OPENAI_BASE_URL": sim.base_url,
        "OPENAI_API_KEY": "sk-test-fake-0001",
        "LOOM_DATA_DIR": str(tmp_path / "data"),
    }
    out = tmp_path / "hello.flac"
    spoken = loom("audio", "speak", SAID, "--out", str(out), "--voice", "sage", env=env)
    assert spoken.returncode == 0, spoken.stderr
    assert spoken.stdout.strip() == str(out) and soundfile.info(str(out)).format == "FLAC"
    heard = loom("audio", "transcribe", str(out), env=env)
    assert heard.returncode == 0 and heard.stdout.strip() == SAID
    subtitles = loom("audio", "transcribe", str(out), "--format", "vtt", env=env)
    assert subtitles.stdout.startswith("WEBVTT")
    verbose = loom(
        "audio", "transcribe", str(out), "--format", "verbose_json", "--timestamps", "word",
        env=env,
    )  # fmt: skip
    assert json.loads(verbose.stdout)["words"][0]["word"] == "Hello"
    streamed = loom(
        "audio", "transcribe", str(out), "--model", "gpt-4o-transcribe", "--stream", env=env
    )
    assert streamed.returncode == 0 and streamed.stdout.strip() == SAID
    piped = loom(
        "audio", "speak", "-", "--out", str(tmp_path / "p.wav"), stdin="From a pipe.", env=env
    )
    assert piped.returncode == 0 and soundfile.info(str(tmp_path / "p.wav")).duration > 0.5
    wrong = loom("audio", "speak", "x", "--model", "tts-1", "--instructions", "calm", env=env)
    assert wrong.returncode == 2 and "no instructions" in wrong.stderr
    missing = loom("audio", "transcribe", str(tmp_path / "gone.wav"), env=env)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert "Traceback" not in wrong.stderr + missing.stderr + heard.stderr


async def test_the_audio_tool_speaks_and_hears_by_keys(
    sim: SimServer, private_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audio_core, "PLAYERS", ())  # no sound from a test
    app = LoomApp(settings_for(sim), mode="playground")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, PlaygroundScreen), "the playground")
        screen = app.screen
        assert isinstance(screen, PlaygroundScreen)
        for _ in range(4):
            await pilot.press("ctrl+t")
        await until(lambda: screen.tool_name == "audio", "the audio tool")
        tool = screen.query_one("#audio", AudioTool)
        tool.set_text(SAID)
        await pilot.press("f2")
        await until(lambda: tool.spoken is not None, "the speech written")
        assert tool.spoken is not None and tool.spoken.exists()
        assert "No audio player here" in screen_text(app)
        tool.query_one("#audio-result").focus()
        await pilot.press("t")  # the speech just made is the file to transcribe
        assert tool.audio_file() == str(tool.spoken)
        await pilot.press("f2")
        await until(lambda: tool.transcript is not None, "the transcript")
        shown = screen_text(app)
        assert "0:00.1" in shown and "Hello there." in shown and "thread by thread!" in shown
        await pilot.press("ctrl+e")
        exports = private_data_dir / "exports"
        await until(lambda: len(list(exports.glob("transcript-*"))) == 3, "the transcript files")
        assert sorted(p.suffix for p in exports.glob("transcript-*")) == [".srt", ".txt", ".vtt"]
        tool.query_one("#audio-file").value = str(private_data_dir / "nothing.wav")  # type: ignore[attr-defined]
        await pilot.press("f2")
        status = screen.query_one("#play-status")
        await until(lambda: "does not exist" in str(status.render()), "a missing file said")
        assert tool.text() == SAID  # nothing typed is lost


def test_the_official_sdk_speaks_and_hears_with_the_simulator(sim: SimServer) -> None:
    import openai

    client = openai.OpenAI(base_url=sim.base_url, api_key="sk-sdk-test", max_retries=0)
    speech = client.audio.speech.create(model="tts-1", voice="alloy", input=SAID)
    data = speech.read()
    assert soundfile.info(io.BytesIO(data)).format == "MP3"
    heard = client.audio.transcriptions.create(
        model="whisper-1", file=("s.mp3", data), response_format="verbose_json",
        timestamp_granularities=["word"],
    )  # fmt: skip
    assert heard.text == SAID and heard.words and heard.words[0].word == "Hello"


async def test_chat_speaks_its_last_reply_in_one_key(
    sim: SimServer, private_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.areas.chat.screens.screen import ChatScreen

    monkeypatch.setattr(audio_core, "PLAYERS", ())
    app = LoomApp(settings_for(sim), mode="chat")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, ChatScreen), "the chat")
        chat = app.screen
        await pilot.press("f5")  # nothing to speak yet: said, nothing else
        await pilot.press(*"Say something", "enter")
        await until(
            lambda: len(chat.session.turns) == 2 and chat.session.turns[1].finish_reason,
            "the reply",
            seconds=30,
        )
        reply = chat.session.turns[1].content  # "You wrote:\n\n> Say something\n\n…"
        await pilot.press("f5")
        await until(lambda: isinstance(app.screen, PlaygroundScreen), "the playground")
        tool = app.screen.query_one("#audio", AudioTool)
        await until(lambda: tool.spoken is not None, "the reply spoken")
        assert tool.spoken is not None
        with soundfile.SoundFile(str(tool.spoken)) as file:
            said = json.loads((file.comment or "").partition(" ")[2])["text"]
        assert said.startswith("You wrote:\nSay something\n")  # its words, not its Markdown
        assert said.split()[-1] == reply.split()[-1]
