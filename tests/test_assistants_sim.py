"""The simulator's Assistants API over loopback: the beta header asked for, assistants made
and changed, a thread's run going `queued → in_progress → completed` on its clock, a
streamed run's events in the spec's names and order, a function tool called when the user
asks for it and answered with submitted outputs, steps recorded, and the official SDK
reading all of it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tui.sim.app import SimConfig
from tui.sim.server import SimServer

from .spec import component_validator

BETA = {"Authorization": "Bearer sk-test-1", "OpenAI-Beta": "assistants=v2"}


@pytest.fixture
def base() -> Iterator[str]:
    with SimServer(SimConfig(seed=5)) as server:
        yield server.base_url


def _events(reply: httpx.Response) -> list[tuple[str, Any]]:
    found = []
    for block in reply.text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        data = lines["data"]
        found.append((lines["event"], data if data == "[DONE]" else json.loads(data)))
    return found


def test_the_beta_header_is_asked_for(base: str) -> None:
    refused = httpx.get(base + "/assistants", headers={"Authorization": "Bearer sk-test-1"})
    assert refused.status_code == 400 and "OpenAI-Beta" in refused.json()["error"]["message"]
    listed = httpx.get(base + "/assistants", headers=BETA).json()
    component_validator("ListAssistantsResponse").validate(listed)
    assert [a["name"] for a in listed["data"]] == ["Docs searcher", "Weaver's helper"]


def test_a_run_goes_through_its_life_on_the_clock(base: str) -> None:
    helper = httpx.get(base + "/assistants?order=asc", headers=BETA).json()["data"][0]
    thread = httpx.post(
        base + "/threads",
        json={"messages": [{"role": "user", "content": "How do I thread a loom?"}]},
        headers=BETA,
    ).json()
    component_validator("ThreadObject").validate(thread)
    run = httpx.post(
        base + f"/threads/{thread['id']}/runs", json={"assistant_id": helper["id"]}, headers=BETA
    ).json()
    component_validator("RunObject").validate(run)
    assert run["status"] == "queued"
    seen = [run["status"]]
    for _ in range(100):
        now = httpx.get(base + f"/threads/{thread['id']}/runs/{run['id']}", headers=BETA).json()
        if now["status"] != seen[-1]:
            seen.append(now["status"])
        if now["status"] == "completed":
            break
        time.sleep(0.05)
    assert seen == ["queued", "in_progress", "completed"]
    component_validator("RunObject").validate(now)
    assert now["usage"]["total_tokens"] > 0
    messages = httpx.get(base + f"/threads/{thread['id']}/messages", headers=BETA).json()
    component_validator("ListMessagesResponse").validate(messages)
    assert [m["role"] for m in messages["data"]] == ["assistant", "user"]
    steps = httpx.get(base + f"/threads/{thread['id']}/runs/{run['id']}/steps", headers=BETA)
    component_validator("ListRunStepsResponse").validate(steps.json())
    assert (
        steps.json()["data"][0]["step_details"]["message_creation"]["message_id"]
        == (messages["data"][0]["id"])
    )


def test_a_streamed_run_asks_for_its_tool_and_takes_the_output(base: str) -> None:
    helper = httpx.get(base + "/assistants?order=asc", headers=BETA).json()["data"][0]
    streamed = httpx.post(
        base + "/threads/runs",
        json={
            "assistant_id": helper["id"],
            "thread": {"messages": [{"role": "user", "content": "What is the weather in Porto?"}]},
            "stream": True,
        },
        headers=BETA,
    )
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events = _events(streamed)
    names = [name for name, _ in events]
    assert names == [
        "thread.run.created",
        "thread.run.queued",
        "thread.run.in_progress",
        "thread.run.step.created",
        "thread.run.step.in_progress",
        "thread.run.step.delta",
        "thread.run.requires_action",
        "done",
    ]
    run = events[-2][1]
    component_validator("RunObject").validate(run)
    call = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"])["city"] == "Porto"
    path = f"/threads/{run['thread_id']}/runs/{run['id']}"
    wrong = httpx.post(
        base + path + "/submit_tool_outputs",
        json={"tool_outputs": [{"tool_call_id": "nope", "output": "x"}]},
        headers=BETA,
    )
    assert wrong.status_code == 400
    answered = httpx.post(
        base + path + "/submit_tool_outputs",
        json={
            "tool_outputs": [{"tool_call_id": call["id"], "output": "18°C, sunny"}],
            "stream": True,
        },
        headers=BETA,
    )
    after = _events(answered)
    names = [name for name, _ in after]
    assert names[:4] == [
        "thread.run.queued",
        "thread.run.in_progress",
        "thread.run.step.completed",
        "thread.run.step.created",
    ]
    assert names[-3:] == ["thread.run.step.completed", "thread.run.completed", "done"]
    text = "".join(
        d["delta"]["content"][0]["text"]["value"] for n, d in after if n == "thread.message.delta"
    )
    assert text.startswith("The tool answered: 18°C, sunny")
    for name, data in after:
        if name == "thread.message.delta":
            component_validator("MessageDeltaObject").validate(data)
        elif name.startswith("thread.message."):
            component_validator("MessageObject").validate(data)
        elif name.startswith("thread.run.step."):
            component_validator("RunStepObject").validate(data)
        elif name.startswith("thread.run."):
            component_validator("RunObject").validate(data)
    steps = httpx.get(base + path + "/steps?order=asc", headers=BETA).json()["data"]
    assert [s["type"] for s in steps] == ["tool_calls", "message_creation"]
    assert steps[0]["step_details"]["tool_calls"][0]["function"]["output"] == "18°C, sunny"


def test_a_run_is_cancelled_and_a_busy_thread_refuses_messages(base: str) -> None:
    helper = httpx.get(base + "/assistants?order=asc", headers=BETA).json()["data"][0]
    thread = httpx.post(base + "/threads", headers=BETA).json()
    httpx.post(
        base + f"/threads/{thread['id']}/messages", json={"content": "call the tool"}, headers=BETA
    )
    run = httpx.post(
        base + f"/threads/{thread['id']}/runs", json={"assistant_id": helper["id"]}, headers=BETA
    ).json()
    busy = httpx.post(
        base + f"/threads/{thread['id']}/messages", json={"content": "more"}, headers=BETA
    )
    assert busy.status_code == 400
    path = f"/threads/{thread['id']}/runs/{run['id']}"
    assert httpx.post(base + path + "/cancel", headers=BETA).json()["status"] == "cancelling"
    assert httpx.get(base + path, headers=BETA).json()["status"] == "cancelled"
    assert httpx.post(base + path + "/cancel", headers=BETA).status_code == 400


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK's: Assistants is retired
def test_the_official_sdk_reads_it_all(base: str) -> None:
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=base, api_key="sk-test-1")
    made = client.beta.assistants.create(
        model="gpt-4o-mini",
        name="Tester",
        tools=[{"type": "function", "function": {"name": "lookup", "parameters": {}}}],
    )
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "use a tool"}])
    with client.beta.threads.runs.stream(thread_id=thread.id, assistant_id=made.id) as stream:
        for _ in stream:
            pass
        run = stream.current_run
    assert run is not None and run.status == "requires_action"
    call = run.required_action.submit_tool_outputs.tool_calls[0]
    with client.beta.threads.runs.submit_tool_outputs_stream(
        thread_id=thread.id, run_id=run.id, tool_outputs=[{"tool_call_id": call.id, "output": "42"}]
    ) as stream:
        stream.until_done()
        assert stream.current_run is not None and stream.current_run.status == "completed"
    listed = client.beta.threads.messages.list(thread_id=thread.id)
    assert listed.data[0].content[0].text.value.startswith("The tool answered: 42")
    steps = client.beta.threads.runs.steps.list(thread_id=thread.id, run_id=run.id)
    assert len(steps.data) == 2
    assert client.beta.assistants.delete(made.id).deleted
