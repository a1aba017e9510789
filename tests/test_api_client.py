"""The API client against the simulator over real loopback HTTP."""

from __future__ import annotations

import time

import pytest

from tui.api import errors
from tui.api.client import OpenAIClient, RetryPolicy, mask_key
from tui.areas.chat.api.resource import ChatResource
from tui.areas.chat.api.schemas import ChatCompletionRequest, ChatMessage, StreamOptions
from tui.sim.faults import Fault
from tui.sim.server import SimServer

from .conftest import free_port


def chat(prompt: str, **extra: object) -> ChatCompletionRequest:
    return ChatCompletionRequest(
        model="gpt-4o-mini",
        messages=[ChatMessage(role="user", content=prompt)],
        **extra,  # type: ignore[arg-type]
    )


async def test_lists_and_retrieves_models(client: OpenAIClient) -> None:
    models = await client.models.list()
    ids = [m.id for m in models]
    assert "gpt-4o-mini" in ids and ids == sorted(ids)
    model = await client.models.retrieve("gpt-4o")
    assert model.id == "gpt-4o" and model.object == "model"


async def test_unknown_model_is_not_found_with_server_details(client: OpenAIClient) -> None:
    with pytest.raises(errors.NotFoundError) as caught:
        await client.models.retrieve("no-such-model")
    err = caught.value
    assert err.status == 404 and err.code == "model_not_found"
    assert "no-such-model" in err.message
    assert err.request_id and err.request_id.startswith("req_")


async def test_json_completion_quotes_the_prompt(client: OpenAIClient) -> None:
    result = await ChatResource(client).create(chat("What is a loom?"))
    content = result.choices[0].message.content or ""
    assert content.startswith("You wrote:\n\n> What is a loom?")
    assert "```" in content
    assert result.usage is not None and result.usage.completion_tokens > 20
    assert result.choices[0].finish_reason == "stop"


async def test_stream_yields_chunks_and_final_usage(client: OpenAIClient) -> None:
    request = chat("stream me", stream_options=StreamOptions(include_usage=True))
    chunks = []
    async with ChatResource(client).stream(request) as stream:
        async for chunk in stream:
            chunks.append(chunk)
    assert stream.done and stream.finish_reason == "stop"
    assert "> stream me" in stream.text
    final = chunks[-1]
    assert final.choices == [] and final.usage is not None
    assert all(c.usage is None for c in chunks[:-1])
    assert final.usage.completion_tokens == sum(
        1 for c in chunks for ch in c.choices if ch.delta.content
    )
    assert stream.usage == final.usage


async def test_stream_without_usage_option_has_no_usage(client: OpenAIClient) -> None:
    async with ChatResource(client).stream(chat("no usage")) as stream:
        async for _ in stream:
            pass
    assert stream.usage is None and stream.text


async def test_max_completion_tokens_gives_finish_length(client: OpenAIClient) -> None:
    request = chat(
        "short", max_completion_tokens=5, stream_options=StreamOptions(include_usage=True)
    )
    async with ChatResource(client).stream(request) as stream:
        async for _ in stream:
            pass
    assert stream.finish_reason == "length"
    assert stream.usage is not None and stream.usage.completion_tokens == 5


async def test_missing_key_is_authentication_error(sim: SimServer) -> None:
    async with OpenAIClient(base_url=sim.base_url, api_key=None) as anonymous:
        with pytest.raises(errors.AuthenticationError) as caught:
            await anonymous.models.list()
    assert caught.value.status == 401 and "API key" in caught.value.message


async def test_invalid_body_is_bad_request_naming_the_param(client: OpenAIClient) -> None:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "robot", "content": "hi"}]}
    with pytest.raises(errors.BadRequestError) as caught:
        await client.request_json("POST", "/chat/completions", json_body=body)
    assert caught.value.param == "messages[0].role"
    assert caught.value.type == "invalid_request_error"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (422, errors.UnprocessableEntityError),
        (500, errors.ServerError),
        (503, errors.ServerError),
    ],
)
async def test_each_status_maps_to_its_typed_error(
    sim: SimServer, client: OpenAIClient, status: int, kind: type[errors.APIError]
) -> None:
    sim.state.faults.add(Fault("status", status=status), times=3, route="models")
    with pytest.raises(kind) as caught:
        await client.models.list()
    err = caught.value
    assert type(err) is kind
    assert err.status == status and err.code == f"simulated_{status}"
    assert str(status) in err.message and err.request_id


async def test_rate_limit_error_carries_retry_after_and_headers(sim: SimServer) -> None:
    sim.state.faults.add(Fault("rate_limit", seconds=2.5), times=1)
    async with OpenAIClient(
        base_url=sim.base_url, api_key="k", retry=RetryPolicy(max_retries=0)
    ) as c:
        with pytest.raises(errors.RateLimitError) as caught:
            await ChatResource(c).create(chat("x"))
    err = caught.value
    assert err.retry_after == pytest.approx(2.5)
    assert err.rate_limit is not None and err.rate_limit.remaining_requests == 0
    assert err.rate_limit.limit_requests == 10000 and err.code == "rate_limit_exceeded"


async def test_retry_honours_retry_after(sim: SimServer) -> None:
    sim.state.faults.add(Fault("rate_limit", seconds=0.3), times=2)
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    async with OpenAIClient(
        base_url=sim.base_url, api_key="k", retry=RetryPolicy(max_retries=2), sleep=sleep
    ) as c:
        result = await ChatResource(c).create(chat("after the limit"))
        statuses = [r.status for r in c.request_log]
    assert "> after the limit" in (result.choices[0].message.content or "")
    assert delays == [pytest.approx(0.3), pytest.approx(0.3)]
    assert statuses == [429, 429, 200]


async def test_retry_after_is_really_waited(sim: SimServer) -> None:
    sim.state.faults.add(Fault("rate_limit", seconds=0.2), times=1, route="models")
    async with OpenAIClient(base_url=sim.base_url, api_key="k") as c:
        started = time.monotonic()
        await c.models.list()
        elapsed = time.monotonic() - started
    assert elapsed >= 0.2


async def test_server_errors_back_off_exponentially_then_give_up(sim: SimServer) -> None:
    sim.state.faults.add(Fault("server_error"), times=3)
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    policy = RetryPolicy(max_retries=2, initial_delay=0.4, max_delay=10)
    async with OpenAIClient(base_url=sim.base_url, api_key="k", retry=policy, sleep=sleep) as c:
        with pytest.raises(errors.ServerError):
            await ChatResource(c).create(chat("x"))
        attempts = [r.attempt for r in c.request_log]
    assert attempts == [0, 1, 2]
    assert len(delays) == 2
    assert 0.3 <= delays[0] <= 0.4 and 0.6 <= delays[1] <= 0.8


async def test_retry_after_too_long_is_not_waited(sim: SimServer) -> None:
    sim.state.faults.add(Fault("rate_limit", seconds=120), times=1, route="models")
    async with OpenAIClient(base_url=sim.base_url, api_key="k") as c:
        with pytest.raises(errors.RateLimitError):
            await c.models.list()
        assert len(c.request_log) == 1


async def test_connection_refused_is_retried_then_raised() -> None:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    url = f"http://127.0.0.1:{free_port()}/v1"
    async with OpenAIClient(base_url=url, api_key="k", sleep=sleep) as c:
        with pytest.raises(errors.APIConnectionError) as caught:
            await c.models.list()
    assert "refused" in caught.value.message
    assert len(delays) == 2


async def test_cut_stream_raises_with_partial_text_and_is_not_retried(
    sim: SimServer, client: OpenAIClient
) -> None:
    sim.state.faults.add(Fault("cut", after_chunks=6), times=5)
    before = sim.state.chat_requests
    received = []
    with pytest.raises(errors.StreamInterruptedError) as caught:
        async with ChatResource(client).stream(chat("cut me")) as stream:
            async for chunk in stream:
                received.extend(c.delta.content or "" for c in chunk.choices)
    partial = caught.value.partial
    assert partial.text == "".join(received)
    assert partial.text.startswith("You wrote:") and len(partial.text) < 60
    assert sim.state.chat_requests - before == 1
    assert client.request_log.last is not None and client.request_log.last.error


async def test_stalled_stream_times_out_with_partial_text(sim: SimServer) -> None:
    sim.state.faults.add(Fault("stall", after_chunks=4, seconds=3), times=1)
    async with OpenAIClient(base_url=sim.base_url, api_key="k", read_timeout=0.5) as c:
        with pytest.raises(errors.StreamInterruptedError) as caught:
            async with ChatResource(c).stream(chat("stall")) as stream:
                async for _ in stream:
                    pass
    assert "sent nothing" in caught.value.message
    assert caught.value.partial.text.startswith("You wrote")


async def test_malformed_chunk_raises_with_partial_text(
    sim: SimServer, client: OpenAIClient
) -> None:
    sim.state.faults.add(Fault("malformed", after_chunks=3), times=1)
    with pytest.raises(errors.StreamInterruptedError) as caught:
        async with ChatResource(client).stream(chat("malformed")) as stream:
            async for _ in stream:
                pass
    assert "malformed" in caught.value.message
    assert caught.value.partial.chunks == 4


async def test_fault_by_header(sim: SimServer) -> None:
    async with OpenAIClient(base_url=sim.base_url, api_key="k") as c:
        c._http.headers["X-Loom-Sim-Fault"] = "status:403"
        with pytest.raises(errors.PermissionDeniedError):
            await c.models.list()
        c._http.headers["X-Loom-Sim-Fault"] = "cut:2"
        with pytest.raises(errors.StreamInterruptedError):
            async with ChatResource(c).stream(chat("header cut")) as stream:
                async for _ in stream:
                    pass
        c._http.headers["X-Loom-Sim-Fault"] = "explode"
        with pytest.raises(errors.BadRequestError) as caught:
            await c.models.list()
        assert "unknown fault" in caught.value.message


async def test_observer_sees_every_request(sim: SimServer, client: OpenAIClient) -> None:
    seen = []
    client.observers.append(seen.append)
    await client.models.list()
    async with ChatResource(client).stream(chat("observe")) as stream:
        async for _ in stream:
            pass
    assert [(r.method, r.path, r.status, r.stream) for r in seen] == [
        ("GET", "/models", 200, False),
        ("POST", "/chat/completions", 200, True),
    ]
    for record in seen:
        assert record.request_id and record.request_id.startswith("req_")
        assert record.ttfb is not None and 0 <= record.ttfb <= record.latency
        assert record.rate_limit is not None and record.rate_limit.limit_tokens == 2_000_000
        assert record.error is None


async def test_organization_and_project_headers_are_sent(sim: SimServer) -> None:
    async with OpenAIClient(
        base_url=sim.base_url, api_key="k", organization="org-abc", project="proj_xyz"
    ) as c:
        await c.models.list()
    headers = sim.state.last_headers
    assert sim.state.last_had_key and "authorization" not in headers
    assert headers["openai-organization"] == "org-abc"
    assert headers["openai-project"] == "proj_xyz"
    assert headers["user-agent"].startswith("loom/")


def test_key_is_never_in_repr() -> None:
    key = "sk-proj-fake-1234"
    c = OpenAIClient(api_key=key)
    assert key not in repr(c) and "1234" in repr(c)
    assert mask_key(key) == "sk-…1234"
    assert mask_key(None) == "(none)"
