"""Parameter ranges agree with the OpenAI spec; prices are computed from usage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tui.core.chat_params import PARAMS, ParamError, parse, parse_all
from tui.core.pricing import conversation_cost, load_prices, reply_cost
from tui.store.conversations import Message

from .spec import component_validator

EDGE_VALUES: dict[str, tuple[list[str], list[Any]]] = {
    # name: (accepted texts, values just outside the range, sent anyway to the spec)
    "temperature": (["0", "2", "0.7"], [-0.1, 2.1]),
    "top_p": (["0", "1"], [-0.01, 1.01]),
    "presence_penalty": (["-2", "2"], [-2.1, 2.1]),
    "frequency_penalty": (["-2", "2"], [-2.1, 2.1]),
    "max_completion_tokens": (["1", "4096"], []),
    "seed": (["-5", "42"], []),
    "reasoning_effort": (["low", "high"], ["extreme"]),
    "response_format": (["text", "json_object"], [{"type": "yaml"}]),
    "stop": (["END", "a|b|c|d"], [["a", "b", "c", "d", "e"]]),
}


def request(**params: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}], **params}


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.name)
def test_ranges_agree_with_the_spec(param: Any) -> None:
    validator = component_validator("CreateChatCompletionRequest")
    accepted, outside = EDGE_VALUES[param.name]
    for text in accepted:
        value = parse(param.name, text)
        errors = list(validator.iter_errors(request(**{param.name: value})))
        assert not errors, (param.name, text, errors[0].message if errors else "")
    for value in outside:
        assert list(validator.iter_errors(request(**{param.name: value}))), (param.name, value)
        text = "|".join(value) if isinstance(value, list) else str(value)
        if isinstance(value, dict):
            text = value["type"]
        with pytest.raises(ParamError):
            parse(param.name, text)


def test_messages_name_the_field_and_the_range() -> None:
    params, problems = parse_all({"temperature": "hot", "top_p": "1.5", "seed": "", "stop": "x"})
    assert params == {"stop": ["x"]}
    assert problems == [
        "temperature: 'hot' is not a number (randomness, 0 to 2)",
        "top_p: 1.5 is above 1 (nucleus sampling, 0 to 1)",
    ]


def reply(model: str, prompt: int, completion: int) -> Message:
    return Message(
        1, 1, "assistant", "x", model=model, prompt_tokens=prompt, completion_tokens=completion
    )


def test_costs_come_from_the_shipped_table_with_user_overrides(tmp_path: Path) -> None:
    table = load_prices(tmp_path / "none.toml")
    assert table.as_of
    # gpt-4o-mini: $0.15 in, $0.60 out per million tokens; dated ids match their family.
    assert reply_cost(reply("gpt-4o-mini", 1_000_000, 1_000_000), table) == pytest.approx(0.75)
    assert table.price("gpt-4o-2024-08-06") == table.price("gpt-4o")
    assert table.price("gpt-4o-mini-2024-07-18") == table.price("gpt-4o-mini")
    assert table.price("llama3:8b") is None
    mine = tmp_path / "prices.toml"
    mine.write_text('as_of = "mine"\n[models."llama3"]\ninput = 1\noutput = 2\n')
    table = load_prices(mine)
    assert reply_cost(reply("llama3-8b", 500_000, 500_000), table) == pytest.approx(1.5)
    broken = tmp_path / "broken.toml"
    broken.write_text("[models\n")
    assert "using the shipped prices" in load_prices(broken).problems[0]


def test_conversation_cost_text(tmp_path: Path) -> None:
    table = load_prices(tmp_path / "absent.toml")
    assert conversation_cost([reply("gpt-4o-mini", 1000, 1000)], table) == "$0.0008"
    assert (
        conversation_cost([reply("local-model", 10, 20)], table)
        == "30 tok, no price for this model"
    )
    assert conversation_cost([], table) is None


def test_the_config_file_prices_win(tmp_path: Path) -> None:
    from tui.core.pricing import overrides_of

    mine = tmp_path / "prices.toml"
    mine.write_text('[models."local"]\ninput = 1\noutput = 1\n')
    table = load_prices(mine, overrides_of({"local": {"input": 3.0, "output": 4.0}}))
    assert reply_cost(reply("local-7b", 1_000_000, 1_000_000), table) == pytest.approx(7.0)
