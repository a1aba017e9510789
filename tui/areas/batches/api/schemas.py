"""The Batch API's objects, shaped by the official OpenAPI spec (`Batch`, `BatchError`,
`BatchRequestCounts`), and the lines of a batch's input, output and error files. Unknown
fields are kept; a status the spec does not list is kept as the word the server sent."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tui.api.schemas import Tolerant
from tui.api.values import Count, Moment, OptionalCount, OptionalMoment

FINISHED_STATUSES = frozenset({"failed", "completed", "expired", "cancelled"})
"""Statuses after which nothing changes any more."""


class BatchError(Tolerant):
    """`BatchError`: one problem found while validating the input file."""

    code: str | None = None
    message: str | None = None
    param: str | None = None
    line: int | None = None


class BatchErrors(Tolerant):
    """`Batch.errors`: a list of `BatchError`."""

    object: str = "list"
    data: list[BatchError] = Field(default_factory=list)


class BatchRequestCounts(Tolerant):
    """`BatchRequestCounts`: how far the batch is."""

    total: Count = 0
    completed: Count = 0
    failed: Count = 0


class BatchUsage(Tolerant):
    """`Batch.usage`: the tokens the whole batch used (batches made after 2025-09-07)."""

    input_tokens: OptionalCount = None
    output_tokens: OptionalCount = None
    total_tokens: OptionalCount = None
    input_tokens_details: dict[str, Any] | None = None
    output_tokens_details: dict[str, Any] | None = None


class Batch(Tolerant):
    """`Batch`."""

    id: str
    object: str = "batch"
    endpoint: str = ""
    model: str | None = None
    errors: BatchErrors | None = None
    input_file_id: str = ""
    completion_window: str = ""
    status: str = ""
    output_file_id: str | None = None
    error_file_id: str | None = None
    created_at: Moment = 0
    in_progress_at: OptionalMoment = None
    expires_at: OptionalMoment = None
    finalizing_at: OptionalMoment = None
    completed_at: OptionalMoment = None
    failed_at: OptionalMoment = None
    expired_at: OptionalMoment = None
    cancelling_at: OptionalMoment = None
    cancelled_at: OptionalMoment = None
    request_counts: BatchRequestCounts | None = None
    usage: BatchUsage | None = None
    metadata: dict[str, str] | None = None

    @property
    def finished(self) -> bool:
        """Whether the batch has ended (nothing more will happen to it)."""
        return self.status in FINISHED_STATUSES

    @property
    def counts(self) -> BatchRequestCounts:
        """Its request counts (zero before the server sends any)."""
        return self.request_counts or BatchRequestCounts()

    def stages(self) -> list[tuple[str, int]]:
        """(stage, when) of every stage it has reached, in order."""
        named = (
            ("created", self.created_at),
            ("in progress", self.in_progress_at),
            ("finalizing", self.finalizing_at),
            ("completed", self.completed_at),
            ("failed", self.failed_at),
            ("cancelling", self.cancelling_at),
            ("cancelled", self.cancelled_at),
            ("expired", self.expired_at),
        )
        reached = [(name, when) for name, when in named if when]
        return sorted(reached, key=lambda pair: pair[1])


class OutputResponse(Tolerant):
    """The `response` of an output line: the HTTP status, request id and JSON body."""

    status_code: int = 0
    request_id: str | None = None
    body: Any = None


class OutputError(Tolerant):
    """The `error` of an output line: a failure that was not an HTTP answer."""

    code: str | None = None
    message: str | None = None


class OutputLine(Tolerant):
    """`BatchRequestOutput`: one line of a batch's output or error file."""

    id: str | None = None
    custom_id: str = ""
    response: OutputResponse | None = None
    error: OutputError | None = None
