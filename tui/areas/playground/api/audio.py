"""`POST /audio/speech` (the audio streamed to a file as it comes, never held whole),
`/audio/transcriptions` and `/audio/translations` (a file sent as multipart; the reply JSON,
or text and subtitles as they are), and the streamed transcription's events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from tui.api.errors import MalformedResponseError
from tui.api.multipart import FilePart, Multipart
from tui.api.sse import SSEEvents
from tui.areas.playground.api.schemas import Transcript

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient

KINDS = {
    ".mp3": "audio/mpeg",
    ".mpga": "audio/mpeg",
    ".mpeg": "audio/mpeg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".webm": "audio/webm",
}


class AudioResource:
    """The audio endpoints of one client."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    def speak(self, body: dict[str, Any]) -> AsyncIterator[bytes]:
        """The speech for a CreateSpeechRequest, piece by piece as it arrives."""
        return self._client.request_chunks("POST", "/audio/speech", json_body=body)

    def _form(self, fields: Sequence[tuple[str, str]], audio: Path) -> Multipart:
        kind = KINDS.get(audio.suffix.lower(), "application/octet-stream")
        return Multipart(fields, [FilePart("file", audio.name, path=audio, content_type=kind)])

    async def transcribe(
        self, fields: Sequence[tuple[str, str]], audio: Path, *, translate: bool = False
    ) -> Transcript:
        """A transcription (or translation into English) of `audio`: the JSON formats read
        into a Transcript, the text ones (text, srt, vtt) into its `text` as they came."""
        path = "/audio/translations" if translate else "/audio/transcriptions"
        raw = await self._client.request_bytes("POST", path, body=self._form(fields, audio))
        wanted = dict(fields).get("response_format", "json")
        if wanted in ("text", "srt", "vtt"):
            return Transcript(text=raw.decode("utf-8", "replace"))
        try:
            return Transcript.model_validate_json(raw)
        except ValidationError:
            raise MalformedResponseError(
                f"the reply to POST {path} is not a transcription: {raw[:120]!r}"
            ) from None

    async def transcribe_stream(
        self, fields: Sequence[tuple[str, str]], audio: Path
    ) -> AsyncIterator[dict[str, Any]]:
        """A streamed transcription's events (`transcript.text.delta`, `…done`) as they
        come; a server that answers with one whole transcription gives it as one `done`."""
        client = self._client
        exchange = await client.send(
            "POST",
            "/audio/transcriptions",
            body=self._form([*fields, ("stream", "true")], audio),
            stream=True,
        )
        response = exchange.response
        assert response is not None
        error: str | None = None
        try:
            if "event-stream" not in response.headers.get("content-type", ""):
                raw = await response.aread()
                exchange.received(raw)
                try:
                    whole = Transcript.model_validate_json(raw)
                except ValidationError:
                    error = f"the reply is not a transcription: {raw[:120]!r}"
                    raise MalformedResponseError(error) from None
                yield {"type": "transcript.text.done", "text": whole.text, "usage": whole.usage}
                return
            async for data in SSEEvents(response, 0.0).data():
                exchange.received(data)
                if data == "[DONE]":
                    return
                try:
                    event = json.loads(data)
                except ValueError:
                    error = f"an event of the stream is not JSON: {data[:120]!r}"
                    raise MalformedResponseError(error) from None
                if isinstance(event, dict):
                    if isinstance(event.get("usage"), dict):
                        exchange.usage = event["usage"]
                    yield event
        finally:
            await response.aclose()
            client.observe(exchange.record(error=error))
