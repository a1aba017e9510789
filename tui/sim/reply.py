"""Deterministic Markdown replies and a simple tokenizer for the simulator."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

_TOKEN = re.compile(r"\s*\S{1,6}|\s+")

_WORDS = (
    "stream token model latency cache prompt reply context window batch tuning "
    "loop buffer frame render queue budget signal worker layer socket schema "
    "request header status chunk event usage cost terminal keyboard screen"
).split()

_TOPICS = [
    ("Streaming", "tokens arrive one server-sent event at a time"),
    ("Usage", "prompt and completion tokens are counted for every reply"),
    ("Faults", "rate limits, server errors and cut streams can be asked for"),
    ("Determinism", "the same seed and prompt give the same reply"),
    ("Speed", "tokens per second are set when the simulator starts"),
]

_CODE = [
    (
        "python",
        'def greet(name: str) -> str:\n    """Say hello."""\n    return f"Hello, {name}!"\n',
    ),
    (
        "bash",
        'curl -s "$OPENAI_BASE_URL/models" \\\n  -H "Authorization: Bearer $OPENAI_API_KEY"\n',
    ),
    ("json", '{\n  "model": "gpt-4o-mini",\n  "stream": true\n}\n'),
    ("rust", 'fn main() {\n    println!("tokens: {}", 42);\n}\n'),
]


def tokenize(text: str) -> list[str]:
    """Split text into token-sized pieces whose concatenation is the text."""
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    """How many tokens the simulator counts in a text."""
    return len(_TOKEN.findall(text))


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 12))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))


def _sections(rng: random.Random) -> Iterator[str]:
    """Endless Markdown blocks: paragraphs, lists, headings and fenced code."""
    n = 0
    while True:
        n += 1
        yield _paragraph(rng)
        kind = n % 3
        if kind == 1:
            topics = rng.sample(_TOPICS, 3)
            yield "\n".join(f"- **{name}**: {text}." for name, text in topics)
        elif kind == 2:
            lang, code = rng.choice(_CODE)
            yield f"```{lang}\n{code}```"
        else:
            yield f"## Part {n // 3 + 1}"


def compose_reply(prompt: str, *, seed: int, min_tokens: int | None = None) -> str:
    """The simulator's reply to a prompt: it quotes the prompt, then shows some Markdown.

    With `min_tokens`, more sections are added until the reply has at least that many tokens.
    """
    rng = random.Random(f"{seed}\x00{prompt}")
    quoted = "\n".join(f"> {line}" if line else ">" for line in prompt.splitlines()) or ">"
    blocks = [
        f"You wrote:\n\n{quoted}",
        _paragraph(rng),
        "What this simulated reply shows:\n\n"
        + "\n".join(f"- **{name}**: {text}." for name, text in rng.sample(_TOPICS, 3)),
    ]
    lang, code = rng.choice(_CODE)
    blocks.append(f"```{lang}\n{code}```")
    blocks.append(_paragraph(rng))
    text = "\n\n".join(blocks)
    if min_tokens is not None and count_tokens(text) < min_tokens:
        parts = [text]
        total = count_tokens(text)
        for block in _sections(rng):
            parts.append(block)
            total += count_tokens(block)
            if total >= min_tokens:
                break
        text = "\n\n".join(parts)
    return text
