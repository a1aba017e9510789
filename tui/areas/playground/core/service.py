"""The playground's service: everything its screen and its commands ask of the server
(through the shared client: retries, the ledger, the inspector) and of the store (the
history of inputs) goes through here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core.context import AreaService

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.areas.playground.api.audio import AudioResource
    from tui.areas.playground.api.images import ImagesResource
    from tui.areas.playground.api.resource import PlaygroundResource
    from tui.areas.playground.api.schemas import (
        Completion,
        ImagesResponse,
        Moderation,
        Transcript,
    )
    from tui.areas.playground.core.images import Generation
    from tui.areas.playground.core.vectors import Embedded

TOOLS = ("completions", "embeddings", "moderations")
EMBEDDING_MODEL = "text-embedding-3-small"
MODERATION_MODEL = "omni-moderation-latest"
COMPLETION_MODEL = "gpt-3.5-turbo-instruct"


class InputError(ValueError):
    """Input the endpoint cannot take; the words say what and the fix."""


MOST_INPUTS = 2048
"""Inputs one embeddings request takes (the API's limit)."""


class PlaygroundService(AreaService):
    """The one-shot text endpoints of the server in use."""

    _resource: tuple[OpenAIClient, PlaygroundResource] | None = None

    async def resource(self) -> PlaygroundResource:
        """The resource on the client in use (a new one after the server changed)."""
        from tui.areas.playground.api.resource import PlaygroundResource

        client = await self.context.client()
        if self._resource is None or self._resource[0] is not client:
            self._resource = (client, PlaygroundResource(client))
        return self._resource[1]

    def server_changed(self) -> None:
        self._resource = None
        self._images = None
        self._audio = None

    async def embed(
        self,
        texts: Sequence[str],
        *,
        model: str = EMBEDDING_MODEL,
        dimensions: int | None = None,
        encoding: str = "float",
        user: str | None = None,
    ) -> Embedded:
        """The texts' vectors (base64 ones decoded), their tokens and cost."""
        import asyncio

        from tui.areas.playground.core.vectors import Embedded, decode, stack

        texts = [t for t in texts]
        if not texts or not any(t.strip() for t in texts):
            raise InputError("nothing to embed: give one text or more (one per line)")
        empty = [n + 1 for n, t in enumerate(texts) if not t.strip()]
        if empty:
            raise InputError(f"text {empty[0]} is empty: an input cannot be (remove it)")
        if len(texts) > MOST_INPUTS:
            raise InputError(
                f"{len(texts):,} texts: one request embeds at most {MOST_INPUTS:,}; split them"
            )
        body: dict[str, Any] = {"model": model, "input": texts, "encoding_format": encoding}
        if dimensions is not None:
            body["dimensions"] = dimensions
        if user:
            body["user"] = user
        found = await (await self.resource()).embed(body)
        rows = sorted(found.data, key=lambda e: int(e.index))
        if len(rows) != len(texts):
            from tui.api.errors import MalformedResponseError

            raise MalformedResponseError(
                f"the server sent {len(rows)} vectors for {len(texts)} texts"
            )
        try:
            vectors = await asyncio.to_thread(stack, [decode(row.embedding) for row in rows])
        except ValueError as error:
            from tui.api.errors import MalformedResponseError

            raise MalformedResponseError(f"the vectors cannot be read: {error}") from error
        tokens = int(found.usage.prompt_tokens)
        cost = self.context.prices().tokens_cost(found.model or model, tokens)
        return Embedded(texts, vectors, found.model or model, tokens, cost)

    async def moderate(self, inputs: Sequence[Any], model: str | None = None) -> Moderation:
        """A verdict per text (or one for a list of text and image parts)."""
        if not inputs:
            raise InputError("nothing to moderate: give one text or more")
        body: dict[str, Any] = {"input": list(inputs)}
        if model:
            body["model"] = model
        return await (await self.resource()).moderate(body)

    async def moderate_groups(
        self, groups: Sequence[tuple[str, list[str]]], model: str | None = None
    ) -> Moderation:
        """A verdict per (text, images) group: texts alone in one request, each group with
        images as one multi-modal input of its own (the API gives one result for it)."""
        if not groups:
            raise InputError("nothing to moderate: write a text (or an image: line) first")
        if not any(images for _, images in groups):
            return await self.moderate([text for text, _ in groups], model)
        from tui.areas.playground.api.schemas import Moderation

        joined: Moderation | None = None
        for text, images in groups:
            parts: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
            parts += [{"type": "image_url", "image_url": {"url": url}} for url in images]
            one = await self.moderate(parts if images else [text], model)
            if joined is None:
                joined = Moderation(id=one.id, model=one.model, results=[])
            joined.results.extend(one.results[:1])
        assert joined is not None
        return joined

    def body(self, prompt: str, model: str, params: dict[str, Any]) -> dict[str, Any]:
        """A CreateCompletionRequest."""
        return {"model": model or COMPLETION_MODEL, "prompt": prompt, **params}

    async def stream(self, body: dict[str, Any]) -> AsyncIterator[Completion]:
        """A completion's chunks as they come (see PlaygroundResource.stream)."""
        if not str(body.get("prompt") or "").strip() and not body.get("suffix"):
            raise InputError("the prompt is empty: write what the model should continue")
        resource = await self.resource()
        async for chunk in resource.stream(body, read_gap=0.02):
            yield chunk

    # --- history -------------------------------------------------------------------------

    async def remember(self, tool: str, text: str) -> None:
        """Keep an input of a tool (a store that fails is told by the store; nothing is
        lost but this history line)."""
        from tui.core.failures import StoreError

        if not text.strip():
            return
        try:
            await self.context.store().run(
                "keeping the playground's history",
                lambda repos: repos.area("playground").add(tool, text),
            )
        except StoreError:
            return

    async def history(self, tool: str) -> list[str]:
        """A tool's last inputs, newest first ([] when the store cannot be read)."""
        from tui.core.failures import StoreError

        try:
            found: list[str] = await self.context.store().run(
                "reading the playground's history",
                lambda repos: repos.area("playground").recent(tool),
            )
        except StoreError:
            return []
        return found

    # --- images ----------------------------------------------------------------------------

    async def images_resource(self) -> ImagesResource:
        from tui.areas.playground.api.images import ImagesResource

        client = await self.context.client()
        if self._images is None or self._images[0] is not client:
            self._images = (client, ImagesResource(client))
        return self._images[1]

    _images: tuple[OpenAIClient, ImagesResource] | None = None

    def gallery_folder(self) -> Path:
        """Where generations are kept: `images/` in the data folder."""
        from tui.areas.playground.core.images import gallery_dir

        return gallery_dir(self.context.settings().store_dir)

    async def generate_images(
        self, prompt: str, model: str, options: dict[str, Any], out: Path | None = None
    ) -> Generation:
        """Images for a prompt, checked for the model first, saved (see `_kept`)."""
        from tui.areas.playground.core.images import generation_body

        body = generation_body(prompt, model, options)
        resource = await self.images_resource()
        found = await self._priced(model, body, lambda: resource.generate(body))
        return await self._kept(found, "generate", body["prompt"], model, body, out)

    async def edit_images(
        self,
        images: Sequence[Path],
        prompt: str,
        model: str,
        options: dict[str, Any],
        mask: Path | None = None,
        out: Path | None = None,
    ) -> Generation:
        """An edit of one image or several (the mask's transparent part redrawn)."""
        import asyncio

        from tui.areas.playground.core.images import ImageInputError, check_edit, read_picture

        if not prompt.strip():
            raise ImageInputError("the prompt is empty: say what the edit should change")
        pictures = await asyncio.to_thread(lambda: [read_picture(p) for p in images])
        masked = await asyncio.to_thread(read_picture, mask) if mask is not None else None
        fields = {
            "model": model,
            "prompt": prompt.strip(),
            **check_edit(model, pictures, masked, options),
        }
        resource = await self.images_resource()
        found = await self._priced(model, fields, lambda: resource.edit(fields, images, mask))
        about = {**fields, "source": ", ".join(p.name for p in images)}
        if mask is not None:
            about["mask"] = mask.name
        return await self._kept(found, "edit", fields["prompt"], model, about, out)

    async def vary_image(
        self, image: Path, model: str, options: dict[str, Any], out: Path | None = None
    ) -> Generation:
        """Variations of one square PNG (dall-e-2)."""
        import asyncio

        from tui.areas.playground.core.images import check_variation, read_picture

        picture = await asyncio.to_thread(read_picture, image)
        fields = {"model": model, **check_variation(model, picture, options)}
        resource = await self.images_resource()
        found = await self._priced(model, fields, lambda: resource.vary(fields, image))
        return await self._kept(found, "vary", "", model, {**fields, "source": image.name}, out)

    async def _priced(self, model: str, body: dict[str, Any], send: Any) -> ImagesResponse:
        """Send, with the request tagged by what it makes (DALL·E is priced by the image)."""
        from tui.api.observe import CONTEXT, tagged
        from tui.areas.playground.core.images import units_of

        units = units_of(model, body, int(body.get("n") or 1))
        token = tagged(units=units) if units else None
        try:
            found: ImagesResponse = await send()
        finally:
            if token is not None:
                CONTEXT.reset(token)
        return found

    async def _kept(
        self,
        found: ImagesResponse,
        kind: str,
        prompt: str,
        model: str,
        body: dict[str, Any],
        out: Path | None,
    ) -> Generation:
        """The images of a reply as files (URLs fetched at once, before they expire) in a
        folder of their own with what made them; OSError when the disk refuses."""
        import asyncio

        from tui.api.errors import MalformedResponseError
        from tui.areas.playground.api.images import decoded, download
        from tui.areas.playground.core.images import new_folder, save, units_of

        if not found.data:
            raise MalformedResponseError("the server sent no image")
        images = await asyncio.gather(
            *(
                asyncio.to_thread(decoded, item.b64_json)
                if item.b64_json
                else download(item.url or "")
                for item in found.data
                if item.b64_json or item.url
            )
        )
        if not images:
            raise MalformedResponseError("the server sent images with neither data nor a URL")
        extension = (
            found.output_format or str(body.get("output_format") or "") or _sniffed(images[0])
        )
        prices = self.context.prices()
        if found.usage is not None:  # the GPT image models: by their tokens
            usage = found.usage
            cost = prices.tokens_cost(model, usage.input_tokens, usage.output_tokens)
        else:  # DALL·E: by the image of its size and quality
            cost = prices.unit_cost(model, units_of(model, body, len(images)))
        folder = new_folder(
            out or self.gallery_folder(), prompt or f"{kind} {body.get('source', '')}"
        )
        options = {k: v for k, v in body.items() if k not in ("prompt", "model")}
        revised = [item.revised_prompt or "" for item in found.data]
        return await asyncio.to_thread(
            lambda: save(
                folder,
                images,
                extension=extension,
                kind=kind,
                prompt=prompt,
                model=model,
                revised=revised,
                options=options,
                cost=cost,
            )
        )

    async def gallery(self) -> list[Generation]:
        """The past generations, newest first."""
        import asyncio

        from tui.areas.playground.core.images import gallery

        return await asyncio.to_thread(gallery, self.gallery_folder())

    # --- audio -----------------------------------------------------------------------------

    _audio: tuple[OpenAIClient, AudioResource] | None = None

    async def audio_resource(self) -> AudioResource:
        from tui.areas.playground.api.audio import AudioResource

        client = await self.context.client()
        if self._audio is None or self._audio[0] is not client:
            self._audio = (client, AudioResource(client))
        return self._audio[1]

    def audio_folder(self) -> Path:
        """Where speech is written: `audio/` in the data folder."""
        return self.context.settings().store_dir / "audio"

    async def speak(
        self, text: str, model: str, options: dict[str, Any], out: Path | None = None
    ) -> Path:
        """The text spoken into a file (`out`, else a new one under audio/), written as it
        arrives through a temporary file; the path. OSError when the disk refuses."""
        import asyncio
        import os

        from tui.api.observe import CONTEXT, tagged
        from tui.areas.playground.core.audio import speech_body, speech_path, units_of_speech

        body = speech_body(text, model, options)
        target = out or speech_path(self.audio_folder(), body["input"], body["response_format"])
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
        units = units_of_speech(model, body["input"])
        token = tagged(units=units) if units else None
        try:
            file = await asyncio.to_thread(open, temporary, "wb")
            try:
                async for piece in (await self.audio_resource()).speak(body):
                    await asyncio.to_thread(file.write, piece)
            finally:
                await asyncio.to_thread(file.close)
            await asyncio.to_thread(os.replace, temporary, target)
        except BaseException:
            await asyncio.to_thread(temporary.unlink, True)
            raise
        finally:
            if token is not None:
                CONTEXT.reset(token)
        return target

    async def transcribe(
        self, audio: Path, model: str, options: dict[str, Any], *, translate: bool = False
    ) -> Transcript:
        """A transcription (or a translation into English) of an audio file, checked for
        the model first."""
        import asyncio

        from tui.api.observe import CONTEXT, tagged
        from tui.areas.playground.core.audio import (
            read_audio,
            transcript_fields,
            units_of_listening,
        )

        found = await asyncio.to_thread(read_audio, audio)
        fields = transcript_fields(model, options, found, translate=translate)
        units = units_of_listening(model, found)
        token = tagged(units=units) if units else None
        try:
            return await (await self.audio_resource()).transcribe(
                fields, audio, translate=translate
            )
        finally:
            if token is not None:
                CONTEXT.reset(token)

    async def transcribe_stream(
        self, audio: Path, model: str, options: dict[str, Any]
    ) -> AsyncIterator[dict[str, Any]]:
        """A streamed transcription's events (the GPT transcription models stream)."""
        import asyncio

        from tui.areas.playground.core.audio import read_audio, transcript_fields

        found = await asyncio.to_thread(read_audio, audio)
        fields = transcript_fields(model, {**options, "response_format": "json"}, found)
        async for event in (await self.audio_resource()).transcribe_stream(fields, audio):
            yield event


def _sniffed(data: bytes) -> str:
    """An image file's extension by its first bytes."""
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpeg"
    if data[8:12] == b"WEBP":
        return "webp"
    return "png"
