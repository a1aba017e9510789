"""The official `openai` SDK, a second independent client, against the simulator."""

from __future__ import annotations

import openai
import pytest

from tui.sim.faults import Fault
from tui.sim.server import SimServer

from .spec import component_validator


def sdk(sim: SimServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=sim.base_url, api_key="sk-sdk-test", max_retries=0)


def test_sdk_lists_and_retrieves_models(sim: SimServer) -> None:
    client = sdk(sim)
    ids = [m.id for m in client.models.list()]
    assert "gpt-4o-mini" in ids
    assert client.models.retrieve("gpt-4.1").owned_by == "loom-simulator"


def test_sdk_streams_a_chat_completion(sim: SimServer) -> None:
    client = sdk(sim)
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "interop, please"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("You wrote:\n\n> interop, please")
    assert "```" in text
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finish == ["stop"]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 10
    validator = component_validator("CreateChatCompletionStreamResponse")
    for chunk in chunks:
        validator.validate(chunk.model_dump(mode="json", exclude_unset=True))


def test_sdk_json_completion_and_errors(sim: SimServer) -> None:
    client = sdk(sim)
    reply = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "json"}], max_completion_tokens=4
    )
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage is not None and reply.usage.completion_tokens == 4
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    sim.state.faults.add(Fault("rate_limit", seconds=1), route="chat")
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    assert caught.value.response.headers["retry-after"] == "1"
