"""The simulator's one-shot text engines, deterministic and meaningful rather than random:

- **embeddings**: each text's words, word pairs and character trigrams are hashed to
  places of the vector (a sign each), weighted, summed and normalised to length 1 — so the
  same text gives the same vector, texts that share words and word-parts sit closer than
  unrelated ones, and any `dimensions` works;
- **moderations**: a small lexicon, printed in `LEXICON`, per category; each word found
  raises its category's score (graded: more and stronger words, a higher score), a parent
  category takes its sub-categories' score, and a category is flagged at `FLAG_AT`;
- **completions**: a base model's continuation of the prompt in the prompt's own words and a
  fixed vocabulary, token by token, with log probabilities and alternatives that a seed
  makes repeatable.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import random
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tui.sim.reply import tokenize

EMBEDDING_SIZES = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
"""The length of each embedding model's vectors (`dimensions` may ask for fewer)."""

_WORD = re.compile(r"[\w']+", re.UNICODE)


def _features(text: str) -> Iterable[tuple[str, float]]:
    words = [w.lower() for w in _WORD.findall(text)]
    for word in words:
        yield "w:" + word, 1.0
        padded = f"<{word}>"
        for i in range(len(padded) - 2):
            yield "c:" + padded[i : i + 3], 0.35
    for first, second in itertools.pairwise(words):
        yield f"b:{first} {second}", 0.5


def embed(text: str, size: int) -> list[float]:
    """The text's vector of `size` numbers, of length 1."""
    vector = [0.0] * size
    for feature, weight in _features(text):
        digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        number = int.from_bytes(digest, "little")
        for spread in range(2):
            place = (number >> (spread * 24)) % size
            sign = 1.0 if (number >> (48 + spread)) & 1 else -1.0
            vector[place] += sign * weight
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0.0:  # no word at all (punctuation only): a fixed direction
        vector[0] = 1.0
        return vector
    return [v / norm for v in vector]


def as_base64(vector: list[float]) -> str:
    """The vector as the API's `encoding_format: base64`: little-endian float32s."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


# --- moderations -------------------------------------------------------------------------------

CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
"""Every category of the spec's moderation result, in its order."""
IMAGE_CATEGORIES = frozenset(
    {
        "self-harm",
        "self-harm/intent",
        "self-harm/instructions",
        "sexual",
        "violence",
        "violence/graphic",
    }
)
"""The categories the spec applies to images as well as text."""
FLAG_AT = 0.5
"""A category whose score reaches this is flagged."""

LEXICON: dict[str, dict[str, float]] = {
    "violence": {
        "kill": 0.7, "murder": 0.8, "shoot": 0.6, "stab": 0.7, "attack": 0.45, "beat": 0.3,
        "hurt": 0.35, "weapon": 0.3, "gun": 0.35, "bomb": 0.6, "fight": 0.25, "punch": 0.4,
    },
    "violence/graphic": {"blood": 0.45, "gore": 0.8, "mutilate": 0.8, "corpse": 0.5},
    "harassment": {
        "idiot": 0.55, "stupid": 0.4, "loser": 0.5, "pathetic": 0.45, "worthless": 0.5,
        "shut up": 0.4, "ugly": 0.35,
    },
    "harassment/threatening": {"i will find you": 0.8, "watch your back": 0.7, "or else": 0.4},
    "hate": {"vermin": 0.6, "subhuman": 0.8, "go back to": 0.4},
    "hate/threatening": {"exterminate": 0.8, "wipe them out": 0.8},
    "illicit": {"steal": 0.5, "hack into": 0.6, "counterfeit": 0.6, "launder": 0.6, "drugs": 0.4},
    "illicit/violent": {"make a bomb": 0.9, "build a weapon": 0.7},
    "self-harm": {"hurt myself": 0.8, "self-harm": 0.7, "end my life": 0.9, "suicide": 0.7},
    "self-harm/intent": {"i want to die": 0.9, "end my life": 0.8},
    "self-harm/instructions": {"how to overdose": 0.9},
    "sexual": {"explicit": 0.45, "nude": 0.6, "porn": 0.8, "sex": 0.5},
    "sexual/minors": {},
}  # fmt: skip
"""Words and phrases that raise each category's score (lower case, matched as words)."""
PARENTS = {
    "harassment/threatening": "harassment",
    "hate/threatening": "hate",
    "illicit/violent": "illicit",
    "self-harm/intent": "self-harm",
    "self-harm/instructions": "self-harm",
    "sexual/minors": "sexual",
    "violence/graphic": "violence",
}
_THREATS = ("kill", "murder", "shoot", "stab", "hurt", "find you")


def _found(term: str, text: str) -> bool:
    return re.search(r"(?<![\w])" + re.escape(term) + r"(?![\w])", text) is not None


def scores(text: str) -> dict[str, float]:
    """Every category's score for a text: 1 - Π(1 - weight) over the terms found, a tiny
    baseline otherwise (repeatable: it comes from the text's hash)."""
    lower = text.lower()
    digest = hashlib.blake2b(lower.encode("utf-8"), digest_size=16).digest()
    found: dict[str, float] = {}
    for n, category in enumerate(CATEGORIES):
        keep = 1.0
        for term, weight in LEXICON.get(category, {}).items():
            if _found(term, lower):
                keep *= 1.0 - weight
        baseline = (digest[n] + 1) / 256 * 2e-4
        found[category] = round(max(baseline, 1.0 - keep), 6)
    # A threat aimed at someone is harassment that threatens, too.
    aimed = any(_found(w, lower) for w in ("you", "him", "her", "them"))
    if found["violence"] >= FLAG_AT and aimed and any(_found(t, lower) for t in _THREATS):
        found["harassment/threatening"] = max(found["harassment/threatening"], 0.6)
    for child, parent in PARENTS.items():
        found[parent] = max(found[parent], found[child])
    return found


def moderation_result(texts: list[str], images: list[str]) -> dict[str, Any]:
    """One `results` entry for a text (or the parts of one multi-modal input): the
    images are scored by the words of their URL or file name."""
    combined = {c: 0.0 for c in CATEGORIES}
    for part in texts:
        for category, score in scores(part).items():
            combined[category] = max(combined[category], score)
    image_scores = {c: 0.0 for c in CATEGORIES}
    for url in images:
        words = " ".join(_WORD.findall(url if not url.startswith("data:") else "image"))
        for category, score in scores(words).items():
            if category in IMAGE_CATEGORIES:
                image_scores[category] = max(image_scores[category], score)
    applied: dict[str, list[str]] = {}
    for category in CATEGORIES:
        kinds = ["text"] if texts or category not in IMAGE_CATEGORIES else []
        if images and category in IMAGE_CATEGORIES:
            kinds.append("image")
            combined[category] = max(combined[category], image_scores[category])
        applied[category] = kinds
    flags = {c: combined[c] >= FLAG_AT for c in CATEGORIES}
    return {
        "flagged": any(flags.values()),
        "categories": flags,
        "category_scores": combined,
        "category_applied_input_types": applied,
    }


# --- completions -------------------------------------------------------------------------------

_VOCABULARY = (
    "the loom weaves a thread through the warp and weft of every pattern it is given while "
    "the shuttle carries colour across the frame and the cards decide which threads rise "
    "so that a picture grows row by row from a simple rule repeated many times"
).split()


@dataclass
class Continuation:
    """One choice of a completion: its tokens, each token's log probability and its
    alternatives, and why it stopped."""

    tokens: list[str] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    alternatives: list[dict[str, float]] = field(default_factory=list)
    finish: str = "length"


def _top(token: str, chosen: float, rng: random.Random, top: int) -> dict[str, float]:
    """The `top` likeliest tokens at one place, `token` among them: the probability the
    chosen one leaves is shared by the alternatives, so that together they never pass 1."""
    if top <= 0:
        return {}
    left = max(0.0, 1.0 - math.exp(chosen))
    weights = sorted((rng.random() ** 2 for _ in range(top - 1)), reverse=True)
    share = 0.9 / (sum(weights) or 1.0)
    found = {token: round(chosen, 6)}
    for alt, weight in zip(_alternative_tokens(token, rng, top - 1), weights, strict=False):
        found[alt] = round(math.log(max(1e-9, left * weight * share)), 6)
    return dict(sorted(found.items(), key=lambda kv: -kv[1])[:top])


def _alternative_tokens(token: str, rng: random.Random, count: int) -> list[str]:
    lead = token[: len(token) - len(token.lstrip())] or " "
    pool = sorted(set(_VOCABULARY) - {token.strip()})
    return [lead + w for w in rng.sample(pool, min(count, len(pool)))]


def continue_prompt(
    prompt: str,
    *,
    seed: int,
    index: int,
    max_tokens: int,
    top: int,
    stop: list[str],
    temperature: float = 1.0,
) -> Continuation:
    """What a base model writes after `prompt`: words of the prompt and of a fixed
    vocabulary, `max_tokens` at most, cut at the first `stop` sequence."""
    rng = random.Random(f"{seed}\x00{index}\x00{prompt}")
    own = [w.lower() for w in _WORD.findall(prompt)][-40:]
    pool = own + list(_VOCABULARY)
    made = Continuation()
    text = ""
    spread = max(0.05, min(2.0, temperature))
    while len(made.tokens) < max_tokens:
        word = rng.choice(pool)
        pieces = tokenize(" " + word) or [" " + word]
        if len(made.tokens) % 11 == 10:
            pieces = ["."]
        for piece in pieces:
            if len(made.tokens) >= max_tokens:
                break
            candidate = text + piece
            cut = next((candidate.index(s) for s in stop if s and s in candidate), None)
            if cut is not None:
                made.finish = "stop"
                return made
            chosen = -abs(rng.gauss(0.0, 0.9 * spread)) * (0.25 if piece == "." else 1.0)
            made.tokens.append(piece)
            made.logprobs.append(round(chosen, 6))
            made.alternatives.append(_top(piece, chosen, rng, top))
            text = candidate
    return made


def prompt_logprobs(
    prompt: str, top: int, seed: int
) -> tuple[list[str], list[float | None], list[dict[str, float] | None]]:
    """The prompt's own tokens with log probabilities (for `echo`): the first has none,
    as the API gives."""
    rng = random.Random(f"{seed}\x00echo\x00{prompt}")
    tokens = tokenize(prompt)
    logprobs: list[float | None] = []
    tops: list[dict[str, float] | None] = []
    for n, token in enumerate(tokens):
        if n == 0:
            logprobs.append(None)
            tops.append(None)
            continue
        value = round(-abs(rng.gauss(1.5, 1.5)), 6)
        logprobs.append(value)
        tops.append(_top(token, value, rng, top))
    return tokens, logprobs, tops
