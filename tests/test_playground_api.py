"""The playground's endpoints against the simulator over loopback: embeddings that mean
something (the same text, the same vector; related texts closer than unrelated ones;
`dimensions` and base64 honoured), moderations from a lexicon (a threat is violence, a
plain sentence is nothing), completions with real log probabilities, `echo`, `suffix`,
`n` and streaming — through the official SDK, Loom's own client, and the spec's shapes."""

from __future__ import annotations

import base64
import json
import math
import struct
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openai
import pytest

from tui.api.client import OpenAIClient, RetryPolicy
from tui.api.errors import BadRequestError, NotFoundError
from tui.areas.playground.api.resource import PlaygroundResource
from tui.areas.playground.core.service import InputError
from tui.core.services import Services
from tui.sim.server import SimServer

from .conftest import settings_for
from .spec import component_validator

AUTH = {"Authorization": "Bearer sk-test-fake-0001"}


def _sdk(sim: SimServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=sim.base_url, api_key="sk-sdk-test", max_retries=0)


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embeddings_mean_something_and_honour_dimensions_and_base64(sim: SimServer) -> None:
    client = _sdk(sim)
    texts = [
        "The cat sat on the mat",
        "A cat was sitting on a mat",
        "Quarterly tax returns are due in April",
        "The cat sat on the mat",
    ]
    made = client.embeddings.create(model="text-embedding-3-small", input=texts)
    vectors = [d.embedding for d in made.data]
    assert [len(v) for v in vectors] == [1536] * 4
    assert vectors[0] == vectors[3]  # the same text, the same vector
    assert all(math.isclose(_cos(v, v), 1.0, rel_tol=1e-6) for v in vectors)  # normalised
    assert _cos(vectors[0], vectors[1]) > _cos(vectors[0], vectors[2]) + 0.2
    assert made.usage.prompt_tokens > 0 and made.usage.total_tokens == made.usage.prompt_tokens
    large = client.embeddings.create(model="text-embedding-3-large", input="hi", dimensions=256)
    assert len(large.data[0].embedding) == 256
    assert (
        len(client.embeddings.create(model="text-embedding-3-large", input="hi").data[0].embedding)
        == 3072
    )
    raw = httpx.post(
        sim.base_url + "/embeddings",
        json={"model": "text-embedding-3-small", "input": texts[0], "encoding_format": "base64"},
        headers=AUTH,
    ).json()
    packed = base64.b64decode(raw["data"][0]["embedding"])
    decoded = struct.unpack(f"<{len(packed) // 4}f", packed)
    assert len(decoded) == 1536
    assert all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(decoded, vectors[0], strict=True))
    validator = component_validator("CreateEmbeddingResponse")
    validator.validate(made.model_dump(mode="json", exclude_unset=True))


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"model": "text-embedding-3-small", "input": ""}, "cannot be empty"),
        ({"model": "text-embedding-3-small", "input": ["a"] * 2049}, "at most 2048 inputs"),
        ({"model": "text-embedding-3-small", "input": "word " * 9000}, "maximum context length"),
        ({"model": "gpt-4o-mini", "input": "hi"}, "does not support the embeddings"),
        ({"model": "text-embedding-3-small", "input": "hi", "dimensions": 5000}, "at most 1536"),
    ],
)
def test_embeddings_refuse_what_the_api_refuses(
    sim: SimServer, body: dict[str, Any], words: str
) -> None:
    answer = httpx.post(sim.base_url + "/embeddings", json=body, headers=AUTH)
    assert answer.status_code == 400, answer.text
    assert words in answer.json()["error"]["message"]


def test_moderations_flag_threats_as_violence_and_leave_a_plain_sentence(sim: SimServer) -> None:
    client = _sdk(sim)
    made = client.moderations.create(
        input=["I will kill you", "The weather is lovely today", "You are a pathetic idiot"]
    )
    threat, plain_one, insult = made.results
    assert threat.flagged and threat.categories.violence
    assert threat.categories.harassment_threatening
    assert threat.category_scores.violence >= 0.5
    assert not plain_one.flagged and max(plain_one.category_scores.model_dump().values()) < 0.01
    assert insult.flagged and insult.categories.harassment and not insult.categories.violence
    graded = client.moderations.create(input=["I will hurt you", "I will kill and stab you"])
    assert graded.results[1].category_scores.violence > graded.results[0].category_scores.violence
    component_validator("CreateModerationResponse").validate(
        made.model_dump(mode="json", by_alias=True, exclude_unset=True)
    )
    parts = client.moderations.create(
        model="omni-moderation-latest",
        input=[
            {"type": "text", "text": "look at this"},
            {"type": "image_url", "image_url": {"url": "https://example.com/blood-and-gore.png"}},
        ],
    )
    (one,) = parts.results
    assert one.flagged and one.categories.violence_graphic
    applied = one.category_applied_input_types.model_dump(by_alias=True)
    assert applied["violence/graphic"] == ["text", "image"] and applied["hate"] == ["text"]
    wrong = httpx.post(
        sim.base_url + "/moderations", json={"model": "gpt-4o", "input": "x"}, headers=AUTH
    )
    assert wrong.status_code == 400 and "does not support the moderations" in wrong.text


def test_completions_give_logprobs_echo_suffix_and_n(sim: SimServer) -> None:
    client = _sdk(sim)
    made = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Once upon a time", max_tokens=12, logprobs=3, n=2
    )
    assert len(made.choices) == 2 and made.choices[0].text != made.choices[1].text
    first = made.choices[0]
    assert first.finish_reason == "length" and first.logprobs is not None
    tokens = first.logprobs.tokens or []
    assert len(tokens) == 12 and "".join(tokens) == first.text
    for token, logprob, top in zip(
        tokens, first.logprobs.token_logprobs or [], first.logprobs.top_logprobs or [], strict=True
    ):
        assert logprob <= 0 and token in top and len(top) == 3
        assert sum(math.exp(v) for v in top.values()) <= 1.0 + 1e-6  # a distribution
    assert first.logprobs.text_offset == [
        len("Once upon a time") + sum(len(t) for t in tokens[:k]) for k in range(len(tokens))
    ]
    assert made.usage is not None and made.usage.completion_tokens == 24
    again = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Once upon a time", max_tokens=12, logprobs=3, n=2
    )
    assert again.choices[0].text == first.text  # the same seed, the same completion
    echoed = client.completions.create(
        model="davinci-002", prompt="Hello there", max_tokens=3, echo=True, logprobs=1
    )
    assert echoed.choices[0].text.startswith("Hello there")
    assert echoed.choices[0].logprobs is not None
    assert (echoed.choices[0].logprobs.token_logprobs or [0])[0] is None  # the first has none
    stopped = client.completions.create(
        model="davinci-002", prompt="the loom", max_tokens=200, stop=["."], suffix=" The end."
    )
    assert stopped.choices[0].finish_reason == "stop" and "." not in stopped.choices[0].text
    component_validator("CreateCompletionResponse").validate(
        made.model_dump(mode="json", exclude_unset=True)
    )
    chat_model = httpx.post(
        sim.base_url + "/completions", json={"model": "gpt-4o", "prompt": "x"}, headers=AUTH
    )
    assert chat_model.status_code == 400 and "completions (legacy)" in chat_model.text
    instruct_on_chat = httpx.post(
        sim.base_url + "/chat/completions",
        json={"model": "gpt-3.5-turbo-instruct", "messages": [{"role": "user", "content": "x"}]},
        headers=AUTH,
    )
    assert instruct_on_chat.status_code == 404


def test_a_streamed_completion_matches_the_spec_chunk_by_chunk(sim: SimServer) -> None:
    validator = component_validator("CreateCompletionResponse")
    body = {
        "model": "gpt-3.5-turbo-instruct",
        "prompt": "The shuttle",
        "max_tokens": 9,
        "logprobs": 2,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with httpx.stream("POST", sim.base_url + "/completions", json=body, headers=AUTH) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        events = [line[6:] for line in answer.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    for chunk in chunks:
        # The spec has no stream shape for completions: chunks are its completion, with
        # `finish_reason` null until a choice ends (as the API sends them).
        shaped = json.loads(json.dumps(chunk))
        for choice in shaped["choices"]:
            if choice["finish_reason"] is None:
                choice["finish_reason"] = "length"
        validator.validate(shaped)
    ends = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert ends[-1] == "length" and set(ends[:-1]) == {None}
    texts = [c["choices"][0]["text"] for c in chunks if c["choices"]]
    assert len([t for t in texts if t]) == 9
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 9


@pytest.fixture
async def api(sim: SimServer) -> AsyncIterator[OpenAIClient]:
    async with OpenAIClient(
        base_url=sim.base_url, api_key="sk-test-fake-0003", retry=RetryPolicy(max_retries=0)
    ) as client:
        yield client


async def test_loom_streams_a_completion_and_keeps_what_came_when_it_breaks(
    api: OpenAIClient, sim: SimServer
) -> None:
    from tui.api.errors import StreamInterruptedError
    from tui.areas.playground.core.completions import Choices
    from tui.sim.faults import Fault

    resource = PlaygroundResource(api)
    choices = Choices()
    body = {"model": "gpt-3.5-turbo-instruct", "prompt": "Weave", "max_tokens": 20, "logprobs": 4}
    async for chunk in resource.stream(body):
        choices.take(chunk)
    (choice,) = choices.ordered()
    assert len(choice.tokens) == 20 and choice.finish_reason == "length"
    assert choice.text == "".join(t.text for t in choice.tokens)
    assert all(len(t.alternatives) == 4 for t in choice.tokens)
    assert choices.completion_tokens == 20 and choices.prompt_tokens == 1
    sim.state.faults.add(Fault("cut", after_chunks=5), route="completions")
    broken = Choices()
    with pytest.raises(StreamInterruptedError) as caught:
        async for chunk in resource.stream(body):
            broken.take(chunk)
    assert "after 5 tokens" in caught.value.message
    assert len(broken.ordered()[0].tokens) == 5


async def test_the_service_embeds_decodes_base64_and_prices_the_tokens(
    sim: SimServer, tmp_path: Any
) -> None:
    services = Services(settings_for(sim, data_dir=str(tmp_path)))
    try:
        service = services.area("playground")
        texts = ["red apples", "green apples", "a tax form"]
        plain_vectors = await service.embed(texts)
        packed = await service.embed(texts, encoding="base64", dimensions=64)
        assert plain_vectors.dimensions == 1536 and packed.dimensions == 64
        matrix = plain_vectors.similarity()
        assert matrix[0][1] > matrix[0][2]
        assert [i for i, _ in plain_vectors.neighbours(0)] == [1, 2]
        price = services.prices().price("text-embedding-3-small")
        assert price is not None and plain_vectors.cost == pytest.approx(
            plain_vectors.tokens * price.input / 1e6
        )
        with pytest.raises(InputError, match="text 2 is empty"):
            await service.embed(["one", "  ", "three"])
        with pytest.raises(BadRequestError, match="maximum context length"):
            await service.embed(["word " * 9000])
        with pytest.raises(NotFoundError):
            await service.embed(["x"], model="no-such-embedder")
        await service.remember("embeddings", "red apples\ngreen apples")
        await service.remember("embeddings", "a tax form")
        assert await service.history("embeddings") == ["a tax form", "red apples\ngreen apples"]
    finally:
        await services.aclose()
