"""The playground's objects as the spec has them (CreateEmbeddingResponse,
CreateModerationResponse, CreateCompletionResponse and its stream's chunks), tolerant of
what a server adds."""

from __future__ import annotations

from pydantic import Field

from tui.api.schemas import Tolerant, Usage
from tui.api.values import Count


class Embedding(Tolerant):
    """One input's vector: numbers, or base64 of little-endian float32s."""

    index: Count = 0
    embedding: list[float] | str = Field(default_factory=list)


class EmbeddingUsage(Tolerant):
    prompt_tokens: Count = 0
    total_tokens: Count = 0


class EmbeddingList(Tolerant):
    """`CreateEmbeddingResponse`."""

    data: list[Embedding] = Field(default_factory=list)
    model: str = ""
    usage: EmbeddingUsage = Field(default_factory=EmbeddingUsage)


class ModerationResult(Tolerant):
    """One input's verdict: flagged, and each category's flag, score and input types."""

    flagged: bool = False
    categories: dict[str, bool | None] = Field(default_factory=dict)
    category_scores: dict[str, float | None] = Field(default_factory=dict)
    category_applied_input_types: dict[str, list[str] | None] = Field(default_factory=dict)


class Moderation(Tolerant):
    """`CreateModerationResponse`."""

    id: str = ""
    model: str = ""
    results: list[ModerationResult] = Field(default_factory=list)


class CompletionLogprobs(Tolerant):
    """Each token of a choice, its log probability and the likeliest alternatives."""

    tokens: list[str] = Field(default_factory=list)
    token_logprobs: list[float | None] = Field(default_factory=list)
    top_logprobs: list[dict[str, float] | None] = Field(default_factory=list)
    text_offset: list[int] = Field(default_factory=list)


class CompletionChoice(Tolerant):
    text: str = ""
    index: Count = 0
    logprobs: CompletionLogprobs | None = None
    finish_reason: str | None = None


class Completion(Tolerant):
    """`CreateCompletionResponse`, and each chunk of its stream (the same shape)."""

    id: str = ""
    model: str = ""
    choices: list[CompletionChoice] = Field(default_factory=list)
    usage: Usage | None = None


class ImageData(Tolerant):
    """One image of an `ImagesResponse`: base64, or a URL that expires within the hour."""

    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


class ImageUsage(Tolerant):
    """`ImageGenUsage` (the GPT image models)."""

    input_tokens: Count = 0
    output_tokens: Count = 0
    total_tokens: Count = 0


class ImagesResponse(Tolerant):
    """`ImagesResponse`: what generations, edits and variations return."""

    created: Count = 0
    data: list[ImageData] = Field(default_factory=list)
    output_format: str | None = None
    size: str | None = None
    quality: str | None = None
    background: str | None = None
    usage: ImageUsage | None = None


class TranscriptSegment(Tolerant):
    """`TranscriptionSegment`: a stretch of speech with its times."""

    id: Count = 0
    start: float = 0.0
    end: float = 0.0
    text: str = ""


class TranscriptWord(Tolerant):
    """`TranscriptionWord`."""

    word: str = ""
    start: float = 0.0
    end: float = 0.0


class Transcript(Tolerant):
    """A transcription or a translation: `CreateTranscriptionResponseJson` or its verbose
    form (the text formats are read into `text` alone)."""

    text: str = ""
    language: str | None = None
    duration: float | None = None
    segments: list[TranscriptSegment] = Field(default_factory=list)
    words: list[TranscriptWord] = Field(default_factory=list)
    usage: dict[str, object] | None = None
