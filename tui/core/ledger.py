"""Loom's ledger of every request it makes: an observer of the client that turns each record
into a row (server, profile, endpoint, model, status, tokens, latency, time to first token,
estimated cost, conversation) and hands rows to the store's thread in batches, never
waiting on the disk. If the store fails, rows wait (up to a bound) and go when it works."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from tui.core.text import safe

if TYPE_CHECKING:
    from tui.api.observe import RequestRecord
    from tui.core.basics import Basics
    from tui.store.ledger import LedgerRow

FLUSH_SECONDS = 1.0
"""Rows are written at most this often (or when BATCH are waiting)."""
BATCH = 200
WAITING_MOST = 50_000
"""Rows kept while the store fails; older ones are dropped past this."""
_ID = re.compile(r"/(ftjob-|ftckpt_|file-|upload_|batch_|cp_|chatcmpl-)[^/]+|/ft:[^/]+")


def endpoint_of(path: str) -> str:
    """A path with its ids taken out: `/fine_tuning/jobs/ftjob-1/events` ->
    `/fine_tuning/jobs/{id}/events`."""
    bare = path.split("?", 1)[0]
    if bare.startswith("/models/"):
        return "/models/{model}"
    return _ID.sub("/{id}", bare)


class LedgerRecorder:
    """The client's observer that keeps the ledger."""

    def __init__(self, context: Basics) -> None:
        self.context = context
        self.waiting: list[LedgerRow] = []
        self.written = 0
        self.dropped = 0
        self.problem: str | None = None
        """Why the last write failed, if it did (rows wait meanwhile)."""

    def __call__(self, record: RequestRecord) -> None:
        """Take a record (on the event loop, quickly: the write comes later)."""
        settings = self.context.settings()
        if not settings.ledger:
            return
        from tui.store.ledger import LedgerRow

        cost = None
        prices = self.context.prices()
        if record.prompt_tokens is not None and record.model:
            cost = prices.tokens_cost(
                record.model,
                record.prompt_tokens,
                record.completion_tokens or 0,
                record.cached_tokens or 0,
            )
        context = record.context or {}
        units = context.get("units")
        if cost is None and units and record.model and record.status and record.status < 400:
            # Priced by the image, the minute or the character (tagged by the area).
            cost = prices.unit_cost(record.model, units)  # type: ignore[arg-type]
        conversation = context.get("conversation")
        keep = settings.ledger_bodies
        self.waiting.append(
            LedgerRow(
                at=record.started_at,
                server=settings.base_url,
                profile=settings.profile or "",
                method=record.method,
                endpoint=endpoint_of(record.path),
                model=record.model or "",
                status=record.status,
                request_id=record.request_id,
                prompt_tokens=record.prompt_tokens,
                completion_tokens=record.completion_tokens,
                cached_tokens=record.cached_tokens,
                latency=record.latency,
                ttft=record.first_token,
                cost=cost,
                conversation_id=conversation if isinstance(conversation, int) else None,
                error=safe(record.error) if record.error else None,
                attempt=record.attempt,
                stream=record.stream,
                request_body=safe(record.request_body) if keep and record.request_body else None,
                response_body=safe(record.response_body) if keep and record.response_body else None,
            )
        )
        if len(self.waiting) > WAITING_MOST:
            over = len(self.waiting) - WAITING_MOST
            del self.waiting[:over]
            self.dropped += over
        self._schedule()

    def _schedule(self) -> None:
        # One write at a time; none without a running loop (the CLI's last records are
        # written by the flush at closing).
        self.context.supervisor.start("writing the ledger", self._flush_later, replace=False)

    async def _flush_later(self) -> None:
        while self.waiting:
            await asyncio.sleep(0 if len(self.waiting) >= BATCH else FLUSH_SECONDS)
            await self.flush()
            if self.problem is not None:
                return  # tried again with the next request

    async def flush(self) -> None:
        """Write what is waiting (in the store's thread)."""
        from tui.store.errors import StoreError

        rows, self.waiting = self.waiting, []
        if not rows:
            return
        try:
            self.written += await self.context.store().run(
                "recording requests in the ledger", lambda r: r.ledger.add(rows)
            )
        except StoreError as error:
            self.problem = str(error)
            self.waiting[:0] = rows  # tried again with the next request
            return
        self.problem = None
