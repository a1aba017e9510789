"""`/v1/batches` in the simulator: create, list, retrieve, cancel, as the official spec
shapes them; each batch's lines answered by the simulator's own routes (engine.py). And the
demo's batches, one in every state, one of them filling its counts as you watch."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.areas.batches.sim.engine import (
    BatchesState,
    SimBatch,
    Timing,
    validate_input,
)
from tui.areas.batches.spec import COMPLETION_WINDOWS, ENDPOINTS, MAX_BYTES
from tui.sim.files import add_file
from tui.sim.gate import Gate
from tui.sim.inner import Inner
from tui.sim.state import InvalidRequest, SimState, cursor_page, error_response, json_object

ROUTE = "batches"


def parse_create(body: dict[str, Any], sim: SimState) -> dict[str, Any]:
    """A `CreateBatchRequest` checked as the API checks it (InvalidRequest naming the
    parameter at fault)."""
    file_id = body.get("input_file_id")
    if not isinstance(file_id, str) or not file_id:
        raise InvalidRequest("Missing required parameter: 'input_file_id'.", "input_file_id")
    endpoint = body.get("endpoint")
    if endpoint not in ENDPOINTS:
        raise InvalidRequest(
            f"Invalid value for 'endpoint': expected one of {', '.join(ENDPOINTS)}.", "endpoint"
        )
    window = body.get("completion_window")
    if window not in COMPLETION_WINDOWS:
        raise InvalidRequest(
            "Invalid value for 'completion_window': only '24h' is supported.",
            "completion_window",
        )
    metadata = body.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict) or len(metadata) > 16:
            raise InvalidRequest("'metadata' must be an object of at most 16 pairs.", "metadata")
        for key, value in metadata.items():
            if not isinstance(value, str) or len(key) > 64 or len(value) > 512:
                raise InvalidRequest(
                    "Each metadata key is at most 64 characters and each value a string of "
                    "at most 512.",
                    "metadata",
                )
    expires = body.get("output_expires_after")
    seconds = None
    if expires is not None:
        ok = isinstance(expires, dict) and expires.get("anchor") == "created_at"
        seconds = expires.get("seconds") if isinstance(expires, dict) else None
        if not ok or not isinstance(seconds, int) or not 3600 <= seconds <= 2_592_000:
            raise InvalidRequest(
                "'output_expires_after' needs anchor 'created_at' and seconds from 3600 to "
                "2592000.",
                "output_expires_after",
            )
    entry = sim.files.get(file_id)
    if entry is None:
        raise InvalidRequest(f"No such File object: {file_id}", "input_file_id")
    if entry["object"].get("purpose") != "batch":
        raise InvalidRequest(
            f"The file {file_id} was uploaded for {entry['object'].get('purpose')!r}; a "
            "batch's input must be uploaded with purpose 'batch'.",
            "input_file_id",
        )
    if len(entry["content"]) > MAX_BYTES:
        raise InvalidRequest("The input file is larger than 200 MB.", "input_file_id")
    return {
        "input_file_id": file_id,
        "endpoint": endpoint,
        "completion_window": window,
        "metadata": metadata,
        "output_expires_after": seconds,
        "content": entry["content"],
    }


def make_batch(
    sim: SimState,
    parsed: dict[str, Any],
    *,
    authorization: str,
    created_at: float | None = None,
    timing: Timing | None = None,
) -> SimBatch:
    """A new batch from a checked request, its input validated now (shown as `failed`
    once its validating stage is over)."""
    state: BatchesState = sim.batches
    lines, errors = validate_input(parsed["content"], parsed["endpoint"])
    batch = SimBatch(
        id=f"batch_sim{sim.config.seed:04d}{sim.next_id():08d}",
        endpoint=parsed["endpoint"],
        input_file_id=parsed["input_file_id"],
        completion_window=parsed["completion_window"],
        created_at=state.now() if created_at is None else created_at,
        lines=lines,
        errors=errors,
        timing=timing or state.timing,
        authorization=authorization,
        metadata=parsed.get("metadata"),
        output_expires_after=parsed.get("output_expires_after"),
    )
    state.batches[batch.id] = batch
    return batch


def batch_routes(sim: SimState, gate: Gate) -> list[Route]:
    """`/v1/batches` and `/v1/batches/{batch_id}` (and its cancel)."""
    state: BatchesState = sim.batches

    async def brought_up(request: Request, batches: list[SimBatch]) -> float:
        """Each batch brought up to now: the lines whose time came answered; the moment
        they were brought up to, which is the moment they are shown at (answering lines
        takes time: a batch shown a moment later could be completed without its files)."""
        now = state.now()
        waiting = [b for b in batches if len(b.results) < b.due(now) or not b.files_made]
        if not waiting:
            return now
        inners: dict[str, Inner] = {}
        try:
            for batch in waiting:
                inner = inners.get(batch.authorization)
                if inner is None:
                    inner = inners[batch.authorization] = Inner(
                        request.app, sim.inner_token, batch.authorization
                    )
                await batch.advance(now, inner.post, sim)
        finally:
            for inner in inners.values():
                await inner.aclose()
        return now

    def missing(batch_id: str, headers: dict[str, str]) -> Response:
        return error_response(
            404, f"No batch found with id '{batch_id}'.", param="batch_id", headers=headers
        )

    async def create(request: Request) -> Response:
        headers, _, early = gate.prelude(request, ROUTE)
        if early is not None:
            return early
        body = await json_object(request)
        if body is None:
            return error_response(400, "The body must be a JSON object.", headers=headers)
        try:
            parsed = parse_create(body, sim)
        except InvalidRequest as exc:
            return error_response(400, exc.message, param=exc.param, headers=headers)
        batch = make_batch(sim, parsed, authorization=request.headers.get("authorization", ""))
        return JSONResponse(batch.to_json(state.now()), headers=headers)

    async def list_batches(request: Request) -> Response:
        headers, _, early = gate.prelude(request, ROUTE)
        if early is not None:
            return early
        try:
            limit = int(request.query_params.get("limit", 20))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return error_response(
                400, "Invalid 'limit': expected 1 to 100.", param="limit", headers=headers
            )
        batches = state.newest_first()
        after = request.query_params.get("after")
        if after:
            ids = [b.id for b in batches]
            batches = batches[ids.index(after) + 1 :] if after in ids else []
        page = batches[:limit]
        now = await brought_up(request, page)
        data = [b.to_json(now) for b in page]
        listing = cursor_page(data, len(batches) > limit)
        # first_id and last_id are strings in the spec, and not required: none when empty.
        listing = {k: v for k, v in listing.items() if v is not None}
        return JSONResponse(listing, headers=headers)

    async def found(
        request: Request,
    ) -> tuple[dict[str, str], SimBatch | None, Response | None, float]:
        """(headers, the batch, or the answer, the moment it was brought up to)."""
        headers, _, early = gate.prelude(request, ROUTE)
        if early is not None:
            return headers, None, early, 0.0
        batch_id = request.path_params["batch_id"]
        batch = state.batches.get(batch_id)
        if batch is None:
            return headers, None, missing(batch_id, headers), 0.0
        now = await brought_up(request, [batch])
        return headers, batch, None, now

    async def retrieve(request: Request) -> Response:
        headers, batch, answer, now = await found(request)
        if batch is None:
            assert answer is not None
            return answer
        return JSONResponse(batch.to_json(now), headers=headers)

    async def cancel(request: Request) -> Response:
        headers, batch, answer, now = await found(request)
        if batch is None:
            assert answer is not None
            return answer
        status, _ = batch.stage(now)
        if status not in ("validating", "in_progress", "finalizing"):
            return error_response(
                409,
                f"Cannot cancel a batch with status '{status}'.",
                param="batch_id",
                headers=headers,
            )
        batch.cancel_at = now
        return JSONResponse(batch.to_json(await brought_up(request, [batch])), headers=headers)

    return [
        Route("/v1/batches", create, methods=["POST"]),
        Route("/v1/batches", list_batches, methods=["GET"]),
        Route("/v1/batches/{batch_id}", retrieve, methods=["GET"]),
        Route("/v1/batches/{batch_id}/cancel", cancel, methods=["POST"]),
    ]


# --- the demo ----------------------------------------------------------------------------

QUESTIONS = (
    "Summarise this support ticket in one sentence: the printer on floor 3 jams daily.",
    "Classify the sentiment of: 'The update fixed everything, thank you!'",
    "Translate into French: 'Your order has shipped.'",
    "Write a subject line for a refund confirmation email.",
    "Extract the product name from: 'My Loomis X2 stopped charging.'",
    "Is this a bug report or a feature request: 'Please add dark mode.'",
)


def chat_lines(count: int, *, model: str = "gpt-4o-mini", start: int = 0) -> list[dict[str, Any]]:
    """`count` chat-completion lines of a batch input (`ticket-0001`, …)."""
    return [
        {
            "custom_id": f"ticket-{n:04d}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {
                "model": model,
                "messages": [
                    {"role": "system", "content": "You answer support questions briefly."},
                    {"role": "user", "content": QUESTIONS[n % len(QUESTIONS)]},
                ],
                "max_tokens": 60,
            },
        }
        for n in range(start, start + count)
    ]


def jsonl(rows: list[Any]) -> bytes:
    """Rows as a JSONL file (strings kept as the raw line)."""
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows).encode()


DEMO_KEY = "Bearer sk-sim-demo"
"""What the demo's own batches are asked with (the demo simulator takes any key)."""


def seed_demo(sim: SimState, now: float | None = None) -> None:
    """Batches in every state for `loom --demo`; one in progress fills its counts live."""
    state: BatchesState = sim.batches
    now = state.now() if now is None else now

    def batch(
        name: str,
        rows: list[Any],
        *,
        ago: float,
        timing: Timing,
        cancel_after: float | None = None,
        metadata: dict[str, str] | None = None,
    ) -> SimBatch:
        file_id = add_file(sim, f"{name}.jsonl", jsonl(rows), created_at=now - ago, purpose="batch")
        parsed = {
            "input_file_id": file_id,
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
            "metadata": {"description": name, **(metadata or {})},
            "content": sim.files[file_id]["content"],
        }
        made = make_batch(sim, parsed, authorization=DEMO_KEY, created_at=now - ago, timing=timing)
        if cancel_after is not None:
            made.cancel_at = made.created_at + cancel_after
        return made

    quick = Timing(validating=20, per_request=1.0, finalizing=30, cancelling=20)
    # Done yesterday: 40 lines, three refused by the chat route (a temperature of 5).
    nightly = chat_lines(40)
    for n in (7, 19, 33):
        nightly[n]["body"]["temperature"] = 5
    batch("nightly-eval", nightly, ago=86_400 + 3_600, timing=quick)
    # Its input did not validate: a line that is not JSON, a repeated custom_id.
    broken: list[Any] = chat_lines(12)
    broken[4] = '{"custom_id": "ticket-0004", "method": "POST", "url": '
    broken[9] = {**chat_lines(1, start=2)[0]}
    batch("draft-import", broken, ago=7_200, timing=quick)
    # Cancelled halfway through, with what it had done.
    batch("tone-check", chat_lines(60), ago=5_400, timing=quick, cancel_after=50)
    # The window closed before it finished.
    slow = Timing(validating=60, per_request=3_000, finalizing=30, cancelling=20)
    batch("archive-tagging", chat_lines(40), ago=90_000, timing=slow)
    # The one to watch: 240 tickets, one every 2.5 s.
    live = Timing(validating=15, per_request=2.5, finalizing=20, cancelling=15)
    batch("support-tickets", chat_lines(240), ago=60, timing=live, metadata={"team": "support"})
    # Just sent: validating for 45 s, then 30 quick lines.
    batch("weekly-digest", chat_lines(30), ago=5, timing=Timing(45, 1.5, 20, 15))
