"""A batch's real usage in Loom's ledger: one ledger row per request it answered (its
model, status, tokens and cost at the batch price, taken from the output and error
files), kept once per batch however often its results are read, so that the usage
screen's "Loom's ledger" counts what the batch really spent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tui.areas.batches.core.results import cost_of
from tui.core.text import safe

if TYPE_CHECKING:
    from tui.areas.batches.api.schemas import Batch
    from tui.areas.batches.core.results import ResultRow
    from tui.core.pricing import PriceTable
    from tui.store.ledger import LedgerRow

ENDED = ("completed", "expired", "cancelled", "failed")
"""A batch whose results are final: its usage can be kept."""


def endpoint(batch: Batch) -> str:
    """What the ledger calls a batch's requests: `/chat/completions (batch)`."""
    return f"{batch.endpoint.removeprefix('/v1')} (batch)"


def ended_at(batch: Batch) -> float:
    """When the batch ended (its creation, if it says no end)."""
    for moment in (batch.completed_at, batch.expired_at, batch.cancelled_at, batch.failed_at):
        if moment:
            return float(moment)
    return float(batch.created_at or 0)


def once_key(server: str, batch: Batch) -> str:
    """The ledger's key for one batch of one server (see `Ledger.add(once=)`)."""
    return f"batch {server} {batch.id}"


def ledger_rows(
    batch: Batch,
    rows: Iterable[ResultRow],
    *,
    server: str,
    profile: str,
    prices: PriceTable | None,
) -> list[LedgerRow]:
    """A ledger row per request of an ended batch."""
    from tui.store.ledger import LedgerRow

    at = ended_at(batch)
    where = endpoint(batch)
    return [
        LedgerRow(
            at=at,
            server=server,
            profile=profile,
            method="POST",
            endpoint=where,
            model=row.model,
            status=row.status,
            request_id=None,
            prompt_tokens=row.input_tokens,
            completion_tokens=row.output_tokens,
            cached_tokens=None,
            latency=0.0,
            ttft=None,
            cost=cost_of(row, prices),
            conversation_id=None,
            error=safe(row.error)[:500] if row.error else None,
            attempt=1,
            stream=False,
        )
        for row in rows
    ]
