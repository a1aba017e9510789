"""The organisation's usage and costs, as the official spec shapes them: pages of time
buckets, each with its results per group (kept as the server wrote them: each kind of
usage has its own fields)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from tui.api.schemas import Tolerant
from tui.api.values import Moment


class UsageBucket(Tolerant):
    """`UsageTimeBucket`: one stretch of time and what was used in it, per group. The
    results stay as the server wrote them (each kind of usage has its own fields)."""

    object: str = "bucket"
    start_time: Moment
    end_time: Moment
    results: list[dict[str, Any]] = Field(default_factory=list)


class UsagePage(Tolerant):
    """`UsageResponse`: a page of buckets; `next_page` goes on."""

    object: str = "page"
    data: list[UsageBucket] = Field(default_factory=list)
    has_more: bool = False
    next_page: str | None = None
