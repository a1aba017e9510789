"""Pydantic models the API areas share (lists, errors, files, models, token usage, uploads),
shaped by the official OpenAPI spec; each area keeps its own beside its resource.

Response models allow unknown fields, so a newer server (or a compatible one with its own
additions) never breaks parsing.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from tui.api.values import Count, Moment, OptionalCount, OptionalMoment


class Tolerant(BaseModel):
    """Base of response models: unknown fields are kept, not rejected."""

    model_config = ConfigDict(extra="allow")


class RequestBody(BaseModel):
    """Base of request models: extra parameters pass through to the server."""

    model_config = ConfigDict(extra="allow")


# --- lists -------------------------------------------------------------------------------

Item = TypeVar("Item", bound=BaseModel)


class CursorPage(Tolerant, Generic[Item]):
    """One page of a list that pages with `after` and `has_more`."""

    object: str = "list"
    data: list[Item] = Field(default_factory=list)
    has_more: bool = False
    first_id: str | None = None
    last_id: str | None = None

    def next_cursor(self) -> str | None:
        """What to send as `after` for the next page: `last_id`, else the last item's id."""
        if self.last_id:
            return self.last_id
        last = self.data[-1] if self.data else None
        value = getattr(last, "id", None)
        return value if isinstance(value, str) else None


# --- errors ------------------------------------------------------------------------------


class ErrorObject(Tolerant):
    """`Error`: the object inside an error response."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(Tolerant):
    """`ErrorResponse`: `{"error": {...}}`."""

    error: ErrorObject


# --- files -------------------------------------------------------------------------------


class FileObject(Tolerant):
    """`OpenAIFile`: a file uploaded for fine-tuning, batches, assistants, vision..."""

    id: str
    object: str = "file"
    bytes: Count = 0
    created_at: Moment = 0
    expires_at: OptionalMoment = None
    filename: str = ""
    purpose: str = ""
    """Any purpose the server names, listed in the spec or not."""
    status: str | None = None
    status_details: str | None = None


class Deleted(Tolerant):
    """`Delete*Response`: what a DELETE answers."""

    id: str
    object: str = ""
    deleted: bool = False


# --- models ------------------------------------------------------------------------------


class Model(Tolerant):
    """`Model`: one model the server offers."""

    id: str
    object: str | None = "model"
    created: OptionalMoment = 0
    """0 or None where the server gives no date (or one no clock can show)."""
    owned_by: str | None = ""


class ModelList(Tolerant):
    """`ListModelsResponse`."""

    object: str = "list"
    data: list[Model]


# --- usage -------------------------------------------------------------------------------


class PromptTokensDetails(Tolerant):
    """Breakdown of prompt tokens."""

    cached_tokens: OptionalCount = None
    audio_tokens: OptionalCount = None


class CompletionTokensDetails(Tolerant):
    """Breakdown of completion tokens."""

    reasoning_tokens: OptionalCount = None
    audio_tokens: OptionalCount = None
    accepted_prediction_tokens: OptionalCount = None
    rejected_prediction_tokens: OptionalCount = None


class Usage(Tolerant):
    """`CompletionUsage`."""

    prompt_tokens: Count = 0
    completion_tokens: Count = 0
    total_tokens: Count = 0
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None


# --- uploads -----------------------------------------------------------------------------


class Upload(Tolerant):
    """`Upload`: a file sent in parts; `file` is the file made once it is complete."""

    id: str
    object: str = "upload"
    created_at: Moment = 0
    filename: str = ""
    bytes: Count = 0
    purpose: str = ""
    status: str = ""
    expires_at: OptionalMoment = None
    file: FileObject | None = None


class UploadPart(Tolerant):
    """`UploadPart`: one part of an upload."""

    id: str
    object: str = "upload.part"
    created_at: Moment = 0
    upload_id: str = ""
