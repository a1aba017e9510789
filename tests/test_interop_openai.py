"""The official `openai` SDK, a second independent client, against the simulator."""

from __future__ import annotations

import json

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


def test_sdk_gets_n_choices_json_schema_logprobs_and_a_required_tool_call(sim: SimServer) -> None:
    from pydantic import BaseModel

    client = sdk(sim)
    ask = [{"role": "user", "content": "three kinds of loom"}]
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=ask, n=3)
    assert [c.index for c in reply.choices] == [0, 1, 2]
    texts = [c.message.content for c in reply.choices]
    assert len(set(texts)) == 3 and all(t and t.startswith("You wrote:") for t in texts)
    assert reply.usage is not None and reply.usage.completion_tokens > 30

    streamed = client.chat.completions.create(model="gpt-4o-mini", messages=ask, n=2, stream=True)
    parts: dict[int, str] = {0: "", 1: ""}
    for chunk in streamed:
        for choice in chunk.choices:
            parts[choice.index] += choice.delta.content or ""
    assert parts[0] == texts[0] and parts[1] == texts[1]

    json_object = client.chat.completions.create(
        model="gpt-4o-mini", messages=ask, response_format={"type": "json_object"}
    )
    assert isinstance(json.loads(json_object.choices[0].message.content or ""), dict)

    class Loom(BaseModel):
        name: str
        shafts: int
        hand_operated: bool
        parts: list[str]

    parsed = client.chat.completions.parse(model="gpt-4o-mini", messages=ask, response_format=Loom)
    loom = parsed.choices[0].message.parsed
    assert isinstance(loom, Loom) and loom.parts

    probed = client.chat.completions.create(
        model="gpt-4o-mini", messages=ask, logprobs=True, top_logprobs=3, max_completion_tokens=8
    )
    content = probed.choices[0].logprobs.content  # type: ignore[union-attr]
    assert content is not None and len(content) == 8
    assert "".join(t.token for t in content) == probed.choices[0].message.content
    assert all(len(t.top_logprobs) == 3 and t.logprob <= 0 for t in content)
    validator = component_validator("CreateChatCompletionResponse")
    validator.validate(probed.model_dump(mode="json", exclude_unset=True))

    tools = [
        {
            "type": "function",
            "function": {
                "name": "count_threads",
                "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
            },
        }
    ]
    called = client.chat.completions.create(
        model="gpt-4o-mini", messages=ask, tools=tools, tool_choice="required"
    )
    choice = called.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.tool_calls
    assert choice.message.tool_calls[0].function.name == "count_threads"  # type: ignore[union-attr]
    plain = client.chat.completions.create(model="gpt-4o-mini", messages=ask, tools=tools)
    assert plain.choices[0].message.tool_calls is None  # "auto": no call unless asked


def test_sdk_upload_with_expires_after_gets_expires_at(sim: SimServer) -> None:
    client = sdk(sim)
    made = client.files.create(
        file=("t.jsonl", b'{"a": 1}\n'),
        purpose="batch",
        expires_after={"anchor": "created_at", "seconds": 7200},
    )
    assert made.expires_at == made.created_at + 7200
    with pytest.raises(openai.BadRequestError):
        client.files.create(
            file=("t.jsonl", b"{}\n"),
            purpose="batch",
            expires_after={"anchor": "created_at", "seconds": 5},
        )


def test_sdk_bracketed_list_parameters_group_and_filter_usage(sim: SimServer) -> None:
    import time

    admin = openai.OpenAI(base_url=sim.base_url, api_key="sk-admin-sdk-test", max_retries=0)
    start = int(time.time()) - 7 * 86400
    grouped = admin.get(
        "/organization/usage/completions",
        cast_to=object,
        options={"params": {"start_time": start, "group_by": ["model"], "limit": 7}},
    )
    rows = [r for b in grouped["data"] for r in b["results"]]  # type: ignore[index]
    assert rows and all(r.get("model") for r in rows)
    model = rows[0]["model"]
    filtered = admin.get(
        "/organization/usage/completions",
        cast_to=object,
        options={
            "params": {"start_time": start, "group_by": ["model"], "models": [model], "limit": 7}
        },
    )
    models = {r["model"] for b in filtered["data"] for r in b["results"]}  # type: ignore[index]
    assert models == {model}
