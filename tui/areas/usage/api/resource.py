"""The organisation's usage and costs (an admin key's): `/organization/usage/{kind}` and
`/organization/costs`, every page followed, each page handed over as it arrives."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from tui.areas.usage.api.schemas import UsagePage

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient

KINDS = (
    "completions",
    "embeddings",
    "moderations",
    "images",
    "audio_speeches",
    "audio_transcriptions",
    "vector_stores",
    "code_interpreter_sessions",
)
"""What `/organization/usage/{kind}` reports on."""
MOST_BUCKETS = {"1m": 1440, "1h": 168, "1d": 31}
"""The most buckets a page may hold, by width (costs: 180 days a page)."""


class UsageResource:
    """Usage and costs; the client must send an admin key."""

    def __init__(self, client: OpenAIClient) -> None:
        self._client = client

    def usage(
        self,
        kind: str,
        *,
        start_time: int,
        end_time: int | None = None,
        bucket_width: str = "1d",
        group_by: Sequence[str] = (),
        project_ids: Sequence[str] = (),
        user_ids: Sequence[str] = (),
        api_key_ids: Sequence[str] = (),
        models: Sequence[str] = (),
        batch: bool | None = None,
        max_pages: int = 1000,
    ) -> AsyncIterator[UsagePage]:
        """Every page of one kind of usage, as they arrive."""
        if kind not in KINDS:
            raise ValueError(f"kind should be one of {', '.join(KINDS)}")
        params = {
            "start_time": start_time,
            "end_time": end_time,
            "bucket_width": bucket_width,
            "group_by": list(group_by),
            "project_ids": list(project_ids),
            "user_ids": list(user_ids),
            "api_key_ids": list(api_key_ids),
            "models": list(models),
            "batch": batch,
            "limit": MOST_BUCKETS.get(bucket_width),
        }
        return self._client.pages(
            f"/organization/usage/{kind}", UsagePage, params=params, max_pages=max_pages
        )

    def costs(
        self,
        *,
        start_time: int,
        end_time: int | None = None,
        group_by: Sequence[str] = (),
        project_ids: Sequence[str] = (),
        api_key_ids: Sequence[str] = (),
        max_pages: int = 1000,
    ) -> AsyncIterator[UsagePage]:
        """Every page of costs, a day a bucket, as they arrive."""
        params = {
            "start_time": start_time,
            "end_time": end_time,
            "bucket_width": "1d",
            "group_by": list(group_by),
            "project_ids": list(project_ids),
            "api_key_ids": list(api_key_ids),
            "limit": 180,
        }
        return self._client.pages(
            "/organization/costs", UsagePage, params=params, max_pages=max_pages
        )
