"""The Batch API against the simulator over loopback: batches through their real life on
an accelerated clock, each line answered by the simulator's own chat route (real bodies,
real error lines), validation errors with line numbers, cancelling with partial output,
paging, the official SDK, and output files streamed down."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest

from tui.api.client import OpenAIClient, RetryPolicy
from tui.api.errors import BadRequestError, ConflictError, NotFoundError
from tui.areas.batches.api.resource import BatchesResource
from tui.areas.batches.api.schemas import Batch, OutputLine
from tui.areas.batches.sim.engine import Timing
from tui.areas.batches.sim.routes import chat_lines, jsonl
from tui.sim.app import SimConfig
from tui.sim.faults import Fault
from tui.sim.server import SimServer

from .spec import component_validator

FAST = Timing(validating=0.1, per_request=0.01, finalizing=0.1, cancelling=0.1)


@pytest.fixture(scope="module")
def batch_server() -> Iterator[SimServer]:
    """A simulator whose batches run a line every 10 ms."""
    with SimServer(SimConfig(seed=5, timing={"batches": FAST})) as server:
        yield server


@pytest.fixture
async def api(batch_server: SimServer) -> AsyncIterator[OpenAIClient]:
    batch_server.state.faults.clear()
    async with OpenAIClient(
        base_url=batch_server.base_url,
        api_key="sk-test-fake-0005",
        retry=RetryPolicy(max_retries=0),
        read_timeout=20,
    ) as client:
        yield client
    batch_server.state.faults.clear()


async def _submit(client: OpenAIClient, rows: list[Any], endpoint: str = "/v1/chat/completions"):
    upload = await client.files.upload("batch", data=jsonl(rows), filename="in.jsonl")
    return await BatchesResource(client).create(upload.id, endpoint, metadata={"run": "t"})


async def _ended(client: OpenAIClient, batch_id: str, seconds: float = 15.0) -> tuple[Batch, set]:
    seen: set[str] = set()
    for _ in range(int(seconds / 0.02)):
        batch = await BatchesResource(client).retrieve(batch_id)
        seen.add(batch.status)
        if batch.finished:
            return batch, seen
        await asyncio.sleep(0.02)
    raise AssertionError(f"batch {batch_id} did not end within {seconds:g} s (saw {seen})")


async def _lines(client: OpenAIClient, file_id: str) -> list[OutputLine]:
    raw = b"".join([piece async for piece in client.files.content_chunks(file_id)])
    return [OutputLine.model_validate_json(line) for line in raw.splitlines() if line.strip()]


async def test_a_batch_runs_each_line_through_the_chat_route(api: OpenAIClient) -> None:
    rows = chat_lines(12)
    rows[3]["body"]["temperature"] = 5  # the chat route refuses it: an error line
    made = await _submit(api, rows)
    assert made.status == "validating" and made.metadata == {"run": "t"}
    assert made.counts.total == 0 and made.expires_at == made.created_at + 86_400
    done, seen = await _ended(api, made.id)
    assert done.status == "completed" and "in_progress" in seen
    assert (done.counts.total, done.counts.completed, done.counts.failed) == (12, 11, 1)
    assert done.model == "gpt-4o-mini"
    assert [name for name, _ in done.stages()] == [
        "created",
        "in progress",
        "finalizing",
        "completed",
    ]
    assert done.usage is not None and (done.usage.input_tokens or 0) > 0
    assert done.output_file_id and done.error_file_id
    outputs = await _lines(api, done.output_file_id)
    assert len(outputs) == 11 and all(o.response and o.response.status_code == 200 for o in outputs)
    body = outputs[0].response.body if outputs[0].response else None
    assert body["object"] == "chat.completion" and body["choices"][0]["message"]["content"]
    errors = await _lines(api, done.error_file_id)
    assert [e.custom_id for e in errors] == ["ticket-0003"]
    refused = errors[0].response
    assert refused is not None and refused.status_code == 400
    assert "temperature" in json.dumps(refused.body)
    # The lines are the spec's chat completion objects.
    validator = component_validator("CreateChatCompletionResponse")
    validator.validate(body)
    assert (await api.files.retrieve(done.output_file_id)).purpose == "batch_output"


async def test_an_unknown_model_and_an_unserved_endpoint_fail_inside_the_batch(
    api: OpenAIClient,
) -> None:
    made = await _submit(api, chat_lines(3, model="no-such-model"))
    done, _ = await _ended(api, made.id)
    assert done.status == "completed" and done.counts.failed == 3 and not done.output_file_id
    assert done.error_file_id is not None
    lines = await _lines(api, done.error_file_id)
    assert {line.response.status_code for line in lines if line.response} == {404}
    assert "no-such-model" in json.dumps(lines[0].response.body if lines[0].response else None)
    # The simulator serves no /v1/videos: each line says so, as a server without it would.
    rows = [
        {"custom_id": f"v{n}", "method": "POST", "url": "/v1/videos", "body": {"model": "sora-2"}}
        for n in range(2)
    ]
    made = await _submit(api, rows, endpoint="/v1/videos")
    done, _ = await _ended(api, made.id)
    assert done.counts.failed == 2
    assert done.error_file_id is not None
    unserved = await _lines(api, done.error_file_id)
    assert all(line.response and line.response.status_code == 404 for line in unserved)


async def test_a_file_that_does_not_validate_fails_with_its_line_numbers(
    api: OpenAIClient,
) -> None:
    rows: list[Any] = chat_lines(6)
    rows[1] = "{not json"
    rows[3] = dict(chat_lines(1, start=0)[0])  # ticket-0000 again
    rows[4]["url"] = "/v1/embeddings"
    rows[5]["body"]["model"] = "gpt-4o"
    made = await _submit(api, rows)
    done, _ = await _ended(api, made.id)
    assert done.status == "failed" and done.failed_at and done.counts.total == 0
    assert done.errors is not None
    found = {(e.line, e.code) for e in done.errors.data}
    assert found == {
        (2, "invalid_json_line"),
        (4, "duplicate_custom_id"),
        (5, "invalid_url"),
        (6, "mismatched_model"),
    }
    assert not done.output_file_id and not done.error_file_id


async def test_cancelling_keeps_what_was_done_and_an_ended_batch_cannot_be_cancelled(
    batch_server: SimServer, api: OpenAIClient
) -> None:
    slow = Timing(validating=0.05, per_request=0.05, finalizing=0.1, cancelling=0.2)
    state = batch_server.state.batches
    made = await _submit(api, chat_lines(400))
    state.batches[made.id].timing = slow
    for _ in range(200):
        if (await BatchesResource(api).retrieve(made.id)).counts.completed >= 3:
            break
        await asyncio.sleep(0.02)
    asked = await BatchesResource(api).cancel(made.id)
    assert asked.status == "cancelling" and asked.cancelling_at
    done, _ = await _ended(api, made.id)
    assert done.status == "cancelled" and done.cancelled_at
    assert 3 <= done.counts.completed < 400
    assert done.output_file_id is not None
    assert len(await _lines(api, done.output_file_id)) == done.counts.completed
    with pytest.raises(ConflictError, match="status 'cancelled'"):
        await BatchesResource(api).cancel(made.id)
    with pytest.raises(NotFoundError):
        await BatchesResource(api).retrieve("batch_nope")


async def test_create_is_checked_as_the_api_checks_it(api: OpenAIClient) -> None:
    resource = BatchesResource(api)
    tuned = await api.files.upload("fine-tune", data=jsonl(chat_lines(1)), filename="t.jsonl")
    with pytest.raises(BadRequestError, match="purpose 'batch'"):
        await resource.create(tuned.id, "/v1/chat/completions")
    with pytest.raises(BadRequestError, match="endpoint"):
        await resource.create(tuned.id, "/v1/nowhere")
    with pytest.raises(BadRequestError, match="No such File"):
        await resource.create("file-missing", "/v1/chat/completions")
    good = await api.files.upload("batch", data=jsonl(chat_lines(1)), filename="b.jsonl")
    with pytest.raises(BadRequestError, match="seconds from 3600"):
        await resource.create(good.id, "/v1/chat/completions", output_expires_after=60)


async def test_batches_are_listed_newest_first_page_by_page(api: OpenAIClient) -> None:
    made = [await _submit(api, chat_lines(1)) for _ in range(3)]
    listed = [b.id async for b in BatchesResource(api).list(page_size=2)]
    positions = [listed.index(b.id) for b in made]
    assert positions == sorted(positions, reverse=True)  # newest first
    assert len(listed) == len(set(listed))


async def test_the_batchs_lines_take_no_fault_meant_for_the_client(
    batch_server: SimServer, api: OpenAIClient
) -> None:
    batch_server.state.faults.add(Fault("server_error"), route="chat")
    made = await _submit(api, chat_lines(4))
    done, _ = await _ended(api, made.id)
    assert done.counts.completed == 4
    assert batch_server.state.faults.take("chat") is not None  # still there for the client


def test_the_official_sdk_creates_lists_retrieves_and_cancels(batch_server: SimServer) -> None:
    client = openai.OpenAI(base_url=batch_server.base_url, api_key="sk-sdk-test", max_retries=0)
    small = client.files.create(file=("one.jsonl", jsonl(chat_lines(1))), purpose="batch")
    for _ in range(2):  # so that a page of two has more, whichever tests ran before
        client.batches.create(
            input_file_id=small.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    # 3,000 lines take 30 s at 10 ms each: still running when cancelled, however busy the
    # machine is.
    upload = client.files.create(file=("in.jsonl", jsonl(chat_lines(3000))), purpose="batch")
    made = client.batches.create(
        input_file_id=upload.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"by": "sdk"},
    )
    assert made.status == "validating" and made.metadata == {"by": "sdk"}
    validator = component_validator("Batch")
    validator.validate(made.model_dump(mode="json", exclude_unset=True))
    assert client.batches.retrieve(made.id).id == made.id
    assert made.id in [b.id for b in client.batches.list(limit=5)]
    cancelled = client.batches.cancel(made.id)
    assert cancelled.status in ("cancelling", "cancelled")
    validator.validate(cancelled.model_dump(mode="json", exclude_unset=True))
    listed = client.batches.list(limit=2)
    assert len(listed.data) == 2 and listed.has_more
    for batch in listed.data:
        validator.validate(batch.model_dump(mode="json", exclude_unset=True))


async def test_a_batch_that_ends_while_followed_puts_its_real_usage_in_the_ledger_once(
    batch_server: SimServer, tmp_path: Any
) -> None:
    from tui.core.services import Services

    from .conftest import settings_for

    services = Services(settings_for(batch_server, data_dir=str(tmp_path)))
    try:
        service = services.area("batches")
        rows: list[Any] = chat_lines(5)
        rows[4]["body"]["temperature"] = 9  # answered with a 400 inside the batch
        batch = await service.submit(jsonl(rows), "/v1/chat/completions")
        follower = service.follower(batch.id)
        for _ in range(750):
            await follower.poll()
            if follower.outcome() is not None:
                break
            await asyncio.sleep(0.02)
        assert follower.status == "completed", follower.status

        def ledger(repos: Any) -> list[dict[str, Any]]:
            return [r for r in repos.ledger.rows(0, 1e12) if r["endpoint"].endswith("(batch)")]

        kept: list[dict[str, Any]] = []

        async def counted() -> bool:
            kept[:] = await services.store.run("reading", ledger)
            return len(kept) == 5

        for _ in range(500):
            if await counted():
                break
            await asyncio.sleep(0.02)
        assert len(kept) == 5, kept
        ended = follower.state.batch
        assert ended is not None and ended.output_file_id
        client = await services.client()
        answered = await _lines(client, ended.output_file_id)
        usage = [line.response.body["usage"] for line in answered if line.response]
        assert sum(r["prompt_tokens"] for r in kept) == sum(u["prompt_tokens"] for u in usage)
        assert sum(r["completion_tokens"] or 0 for r in kept) == sum(
            u["completion_tokens"] for u in usage
        )
        assert all(r["endpoint"] == "/chat/completions (batch)" for r in kept)
        assert sorted(r["status"] for r in kept) == [200, 200, 200, 200, 400]
        price = services.prices().price("gpt-4o-mini")
        assert price is not None
        good = next(r for r in kept if r["status"] == 200)
        full = (
            good["prompt_tokens"] * price.input + good["completion_tokens"] * price.output
        ) / 1e6
        assert good["cost"] == pytest.approx(full * services.prices().batch_share)
        assert services.prices().batch_share == 0.5
        assert await service.account(ended) == 0  # read again: never counted twice
        assert await counted() and len(kept) == 5
    finally:
        await services.aclose()
