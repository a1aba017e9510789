"""Servers and proxies that differ from the API, over real HTTP to the simulator's quirks:
each ends in the reply, or in a message that says what arrived and what to check."""

from __future__ import annotations

import time

import pytest

from tui.api.client import OpenAIClient
from tui.api.errors import (
    MalformedResponseError,
    RedirectError,
    ServerError,
    StreamInterruptedError,
)
from tui.app import LoomApp
from tui.areas.chat.api.resource import ChatResource
from tui.areas.chat.api.schemas import ChatCompletionRequest
from tui.areas.chat.widgets.messages import ReplyView
from tui.sim.faults import Fault
from tui.sim.server import SimServer
from tui.store.conversations import open_conversations

from .conftest import reopened, screen_text, send, settings_for, settle


def ask(text: str = "hello", **extra: object) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}], **extra}
    )


async def stream_all(client: OpenAIClient, request: ChatCompletionRequest) -> object:
    async with ChatResource(client).stream(request) as stream:
        async for _ in stream:
            pass
    return stream


async def test_a_server_that_ignores_stream_true_still_gives_its_answer(
    client: OpenAIClient, sim: SimServer
) -> None:
    sim.state.faults.add(Fault("ignore_stream"))
    stream = await stream_all(client, ask("no streaming here"))
    assert stream.text.startswith("You wrote:\n\n> no streaming here")  # type: ignore[attr-defined]
    assert stream.finish_reason == "stop" and stream.done  # type: ignore[attr-defined]
    assert stream.usage is not None and not stream.streamed  # type: ignore[attr-defined]


async def test_a_web_page_instead_of_events_is_named(client: OpenAIClient, sim: SimServer) -> None:
    sim.state.faults.add(Fault("html"))
    with pytest.raises(MalformedResponseError) as caught:
        await stream_all(client, ask())
    message = str(caught.value)
    assert "text/html" in message and "Sign in to the network" in message
    assert "<" not in message and "base URL" in message


async def test_an_html_error_page_becomes_a_short_text(
    client: OpenAIClient, sim: SimServer
) -> None:
    sim.state.faults.add(Fault("html_error", status=502), times=3)
    with pytest.raises(ServerError) as caught:
        await stream_all(client, ask())
    message = str(caught.value)
    assert caught.value.status == 502 and "Wi-Fi login (502)" in message
    assert "<" not in message and "var x" not in message and len(message) < 300


async def test_a_redirect_on_the_same_host_is_followed(
    client: OpenAIClient, sim: SimServer
) -> None:
    for code in (307, 308):
        sim.state.faults.add(Fault("redirect", status=code))
        stream = await stream_all(client, ask(f"moved {code}"))
        assert stream.text.startswith(f"You wrote:\n\n> moved {code}")  # type: ignore[attr-defined]
    models = await client.models.list()  # a GET follows a 301 too
    assert models


async def test_a_redirect_elsewhere_is_named_not_followed(
    client: OpenAIClient, sim: SimServer
) -> None:
    sim.state.faults.add(Fault("redirect_away", status=308))
    with pytest.raises(RedirectError) as caught:
        await stream_all(client, ask())
    assert "elsewhere.invalid" in caught.value.location
    assert "http://elsewhere.invalid/moved/v1" in str(caught.value)  # the base URL to use
    sim.state.faults.add(Fault("redirect", status=302))
    with pytest.raises(RedirectError, match="turn the request into a GET"):
        await stream_all(client, ask())


async def test_a_finished_stream_without_done_ends_after_a_short_grace(
    client: OpenAIClient, sim: SimServer
) -> None:
    from tui.areas.chat.api.resource import FINISH_GRACE

    sim.state.faults.add(Fault("no_done"))
    started = time.monotonic()
    stream = await stream_all(client, ask("no done", stream_options={"include_usage": True}))
    assert time.monotonic() - started < FINISH_GRACE + 5  # not the 10 s read timeout
    assert stream.done and stream.finish_reason == "stop"  # type: ignore[attr-defined]
    assert stream.usage is not None  # type: ignore[attr-defined]


async def test_tool_call_deltas_are_gathered(client: OpenAIClient, sim: SimServer) -> None:
    tools = [{"type": "function", "function": {"name": "lookup_loom", "parameters": {}}}]
    sim.state.faults.add(Fault("tool_calls"))
    stream = await stream_all(client, ask("which loom?", tools=tools))
    (call,) = stream.tool_calls  # type: ignore[attr-defined]
    assert call.name == "lookup_loom" and call.id.startswith("call_sim")
    assert call.arguments == '{"query": "which loom?", "units": "metric"}'
    assert stream.finish_reason == "tool_calls"  # type: ignore[attr-defined]


async def test_a_stream_cut_before_anything_arrived_says_so(
    client: OpenAIClient, sim: SimServer
) -> None:
    sim.state.faults.add(Fault("cut", after_chunks=0))
    with pytest.raises(StreamInterruptedError) as caught:
        await stream_all(client, ask())
    assert "before any of the reply arrived" in str(caught.value)
    assert "0 chunks" not in str(caught.value)


# --- the same, as a user sees them ------------------------------------------------------


async def test_tool_calls_are_shown_kept_and_shown_again(
    sim: SimServer, private_data_dir: object
) -> None:
    sim.state.faults.add(Fault("tool_calls"))
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "weather in Lyon")
        await settle(pilot, app)
        text = screen_text(app)
        assert "asked to call" in text and "get_weather" in text and "Lyon" in text
        assert "empty reply" not in text
    store = open_conversations(private_data_dir)  # type: ignore[arg-type]
    (conversation,) = store.conversations()
    reply = store.path(conversation.id)[-1]
    assert reply.finish_reason == "tool_calls" and reply.tool_calls[0]["name"] == "get_weather"
    again = LoomApp(settings_for(sim))
    async with again.run_test(size=(100, 30)) as pilot:
        await reopened(again, pilot)
        assert "get_weather" in screen_text(again)
        # The next turn tells the model what it asked for, in words.
        await send(pilot, again, "and now?")
        await settle(pilot, again)
        sent = sim.state.last_chat_body["messages"]
        assert sent[1]["role"] == "assistant" and "get_weather" in sent[1]["content"]


async def test_a_whole_answer_to_a_stream_request_is_shown(sim: SimServer) -> None:
    sim.state.faults.add(Fault("ignore_stream"))
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "all at once")
        await settle(pilot, app)
        reply = app.screen.query_one(ReplyView)
        assert reply.text.startswith("You wrote:\n\n> all at once") and reply.error is None
        assert "does not stream" in screen_text(app)


async def test_nothing_arrived_is_never_called_kept_above(sim: SimServer) -> None:
    sim.state.faults.add(Fault("cut", after_chunks=0))
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "cut at once")
        await settle(pilot, app)
        text = screen_text(app)
        assert "did not arrive" in text and "kept above" not in text
        assert "0 chunks" not in text


async def test_a_failed_reply_keeps_its_error_after_a_restart(sim: SimServer) -> None:
    sim.state.faults.add(Fault("status", status=404))
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "missing")
        await settle(pilot, app)
        assert "Not found (404)" in screen_text(app)
    again = LoomApp(settings_for(sim))
    async with again.run_test(size=(100, 30)) as pilot:
        await reopened(again, pilot)
        text = screen_text(again)
        assert "Not found (404)" in text and "incomplete" not in text
