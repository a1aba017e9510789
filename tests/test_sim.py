"""The simulator itself: determinism, validation, pacing and its own command."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from tui.sim.app import SimConfig
from tui.sim.faults import Fault, FaultSyntaxError
from tui.sim.reply import compose_reply, count_tokens, tokenize
from tui.sim.server import SimServer

AUTH = {"Authorization": "Bearer sim-key"}


def body(prompt: str, **extra: object) -> dict[str, object]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}], **extra}


def test_reply_is_deterministic_for_a_seed_and_quotes_verbatim() -> None:
    prompt = "first line\n\nthird line with ünïcödé 🧵"
    a = compose_reply(prompt, seed=3)
    assert a == compose_reply(prompt, seed=3)
    assert a != compose_reply(prompt, seed=4)
    assert a.startswith("You wrote:\n\n> first line\n>\n> third line with ünïcödé 🧵\n\n")
    assert "```" in a and "\n- **" in a


def test_tokenizer_round_trips_and_long_replies_reach_their_length() -> None:
    text = compose_reply("x", seed=1, min_tokens=5000)
    assert "".join(tokenize(text)) == text
    assert 5000 <= count_tokens(text) < 5200


def test_fault_parsing() -> None:
    assert Fault.parse("cut:5") == Fault("cut", after_chunks=5)
    assert Fault.parse("stall:2:3") == Fault("stall", after_chunks=3, seconds=2.0)
    assert Fault.parse("rate_limit:0.5").seconds == 0.5
    assert Fault.parse("status:418").status == 418
    with pytest.raises(FaultSyntaxError):
        Fault.parse("status:200")
    with pytest.raises(FaultSyntaxError):
        Fault.parse("meteor")


def test_validation_names_the_parameter(sim: SimServer) -> None:
    url = sim.base_url + "/chat/completions"
    cases = [
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
        ({"model": "gpt-4o-mini", "messages": []}, "messages"),
        (body("x", temperature=3), "temperature"),
        (body("x", max_completion_tokens=0), "max_completion_tokens"),
        (body("x", stream="yes"), "stream"),
        (body("x", stop=[1, 2]), "stop"),
        (body("x", tools=6.7e16), "tools"),  # schemathesis found this one a 500
    ]
    for payload, param in cases:
        response = httpx.post(url, json=payload, headers=AUTH)
        assert response.status_code == 400, payload
        assert response.json()["error"]["param"] == param
    broken = httpx.post(url, content=b"{not json", headers=AUTH)
    assert broken.status_code == 400 and broken.json()["error"]["type"] == "invalid_request_error"


def test_stop_sequence_and_image_parts(sim: SimServer) -> None:
    url = sim.base_url + "/chat/completions"
    reply = httpx.post(url, json=body("hello", stop=["\n\n"]), headers=AUTH).json()
    assert reply["choices"][0]["message"]["content"] == "You wrote:"
    parts = [
        {"type": "text", "text": "what is in this picture?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
    payload = {"model": "gpt-4o", "messages": [{"role": "user", "content": parts}]}
    reply = httpx.post(url, json=payload, headers=AUTH).json()
    assert "> what is in this picture?" in reply["choices"][0]["message"]["content"]


def test_wrong_key_is_rejected_when_a_key_is_required() -> None:
    with SimServer(SimConfig(api_key="sk-right-key-1234")) as server:
        wrong = httpx.get(
            server.base_url + "/models", headers={"Authorization": "Bearer sk-wrong-key-9999"}
        )
        right = httpx.get(
            server.base_url + "/models", headers={"Authorization": "Bearer sk-right-key-1234"}
        )
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    assert "sk-wrong-key-9999" not in wrong.text
    assert right.status_code == 200


def test_tokens_per_second_paces_the_stream() -> None:
    with SimServer(SimConfig(tokens_per_second=400)) as server:
        started = time.monotonic()
        with httpx.stream(
            "POST",
            server.base_url + "/chat/completions",
            json=body("pace", stream=True, max_completion_tokens=80),
            headers=AUTH,
        ) as response:
            events = [line for line in response.iter_lines() if line.startswith("data: ")]
        elapsed = time.monotonic() - started
    assert events[-1] == "data: [DONE]"
    assert elapsed >= 79 / 400


def test_demo_server_command_serves_and_prints_its_url() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "demo-server", "--port", "0", "--seed", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line
        base = line.split("at ", 1)[1].strip()
        assert base.endswith("/v1")
        response = None
        for _ in range(100):
            try:
                response = httpx.get(base + "/models", headers=AUTH)
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        assert response is not None, "the demo server never answered"
        assert response.status_code == 200
        assert any(m["id"] == "gpt-4o-mini" for m in response.json()["data"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_demo_server_refuses_a_public_address() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui", "demo-server", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "loopback" in result.stderr


def test_quirk_faults_parse() -> None:
    assert Fault.parse("ignore_stream") == Fault("ignore_stream")
    assert Fault.parse("html_error:504") == Fault("html_error", status=504)
    assert Fault.parse("redirect") == Fault("redirect", status=307)
    assert Fault.parse("redirect_away:308") == Fault("redirect_away", status=308)
    for bad in ("redirect:200", "html_error:200"):
        with pytest.raises(FaultSyntaxError):
            Fault.parse(bad)
