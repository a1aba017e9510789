"""What a model is, what it can take, what it costs and whether it is going away.

`GET /models` gives an id, an owner and a date. Other facts come, in this order, from what
the server itself sends with each model (OpenRouter's context length and prices, vLLM's
`max_model_len`, LM Studio's type and context, Ollama's details), from the config's
[models."ID"] tables, and from the dated table Loom ships (tui/data/models.toml); each fact
says where it came from. No Textual here.
"""

from __future__ import annotations

import datetime
import functools
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from tui.core.models import is_chat_model

if TYPE_CHECKING:
    from tui.core.pricing import PriceTable

KINDS = (
    "chat",
    "reasoning",
    "embedding",
    "image",
    "audio",
    "moderation",
    "fine-tuned",
    "checkpoint",
    "unknown",
)
"""What a model is for, in the order the browser groups them."""
SOON_DAYS = 90
"""A shutdown within this many days is shown as near."""

_KIND_PARTS = (
    ("moderation", "moderation"),
    ("embed", "embedding"),
    ("rerank", "embedding"),
    ("dall-e", "image"),
    ("gpt-image", "image"),
    ("sora", "image"),
    ("whisper", "audio"),
    ("tts", "audio"),
    ("transcribe", "audio"),
    ("realtime", "audio"),
    ("audio", "audio"),
)
_REASONING = re.compile(r"(^|[/:])(o\d|gpt-5|deepseek-r1|qwq)|reason|think", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact and where it came from ("server", "config", "Loom's table (2025-08-07)")."""

    value: Any
    source: str


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model as the browser shows it."""

    id: str
    owned_by: str
    created: int | None
    kind: Fact
    context_window: Fact | None = None
    max_output: Fact | None = None
    input_price: Fact | None = None
    """Dollars per million input tokens."""
    output_price: Fact | None = None
    deprecated: Fact | None = None
    shutdown: Fact | None = None
    replacement: Fact | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Every field the server sent beyond the spec's, kept as it came."""
    base: str | None = None
    """For a fine-tuned model or checkpoint: the model it was made from."""

    @property
    def chat(self) -> bool:
        """Whether the chat completions endpoint serves it."""
        return self.kind.value in ("chat", "reasoning", "fine-tuned", "checkpoint", "unknown")

    def ends(self, today: datetime.date | None = None) -> tuple[str, str] | None:
        """("past" | "soon" | "later", the date) when a shutdown or deprecation is known."""
        fact = self.shutdown or self.deprecated
        if fact is None:
            return None
        try:
            day = datetime.date.fromisoformat(str(fact.value))
        except ValueError:
            return ("later", str(fact.value))
        today = today or datetime.date.today()
        if day <= today:
            return ("past", day.isoformat())
        if (day - today).days <= SOON_DAYS:
            return ("soon", day.isoformat())
        return ("later", day.isoformat())


@dataclass(frozen=True, slots=True)
class Shipped:
    """Loom's own table of facts, and when it was taken."""

    models: dict[str, dict[str, Any]]
    as_of: str


@functools.cache
def shipped() -> Shipped:
    """The table in tui/data/models.toml."""
    data = tomllib.loads(
        resources.files("tui").joinpath("data/models.toml").read_text(encoding="utf-8")
    )
    return Shipped(dict(data.get("models", {})), str(data.get("as_of", "?")))


def _lookup(entries: dict[str, dict[str, Any]], model: str) -> dict[str, Any] | None:
    if model in entries:
        return entries[model]
    key = model.rsplit("/", 1)[-1]  # openai/gpt-4o on OpenRouter is gpt-4o
    if key in entries:
        return entries[key]
    # gpt-4o-2024-08-06 is gpt-4o; Ollama's llama3.2:3b is llama3.2.
    prefixes = [name for name in entries if key.startswith((name + "-", name + ":"))]
    return entries[max(prefixes, key=len)] if prefixes else None


def fine_tuned_base(model_id: str) -> str | None:
    """The base of `ft:BASE:org:suffix:id` (and of its checkpoints)."""
    if not model_id.startswith("ft:"):
        return None
    parts = model_id.split(":")
    return parts[1] if len(parts) > 1 and parts[1] else None


def short_name(model_id: str) -> str:
    """How a list names a model in little room: a fine-tuned model by its suffix (or job),
    a checkpoint with its step; others by their id."""
    if not model_id.startswith("ft:"):
        return model_id
    parts = model_id.split(":")
    name = (parts[3] if len(parts) > 3 and parts[3] else "") or (parts[4] if len(parts) > 4 else "")
    step = parts[-1].removeprefix("ckpt-step-") if parts[-1].startswith("ckpt-step-") else None
    label = f"ft {name or model_id[3:]}"
    return f"{label} @{step}" if step else label


def guess_kind(model_id: str) -> str:
    """The kind an id suggests, when nothing better is known."""
    if model_id.startswith("ft:"):
        return "checkpoint" if ":ckpt-step-" in model_id else "fine-tuned"
    lowered = model_id.lower()
    for part, kind in _KIND_PARTS:
        if part in lowered:
            return kind
    if _REASONING.search(model_id):
        return "reasoning"
    if is_chat_model(model_id) and re.search(
        r"gpt|llama|mistral|mixtral|qwen|gemma|phi|claude|gemini|command|deepseek|chat|instruct"
        r"|granite|falcon|yi-|olmo|nemotron|grok|kimi|glm",
        lowered,
    ):
        return "chat"
    return "unknown"


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and number >= 0 else None  # no NaN


def _from_server(extra: dict[str, Any]) -> dict[str, Any]:
    """Facts found among the fields a server sends beyond the spec's."""
    found: dict[str, Any] = {}
    # OpenRouter: context_length, pricing {prompt, completion} in dollars per token,
    # top_provider.max_completion_tokens, architecture.{modality, output_modalities}.
    for key in ("context_length", "max_model_len", "max_context_length", "context_window"):
        if _number(extra.get(key)):
            found["context_window"] = int(extra[key])
            break
    provider = extra.get("top_provider")
    if isinstance(provider, dict) and _number(provider.get("max_completion_tokens")):
        found["max_output"] = int(provider["max_completion_tokens"])
    pricing = extra.get("pricing")
    if isinstance(pricing, dict):
        for key, name in (("prompt", "input_price"), ("completion", "output_price")):
            per_token = _number(pricing.get(key))
            if per_token is not None:
                found[name] = round(per_token * 1e6, 6)
    architecture = extra.get("architecture")
    if isinstance(architecture, dict):
        out = architecture.get("output_modalities") or []
        modality = str(architecture.get("modality") or "")
        if "image" in out or modality.endswith("->image"):
            found["kind"] = "image"
        elif "audio" in out:
            found["kind"] = "audio"
    # LM Studio: type llm | vlm | embeddings.
    kind = extra.get("type")
    if kind in ("llm", "vlm"):
        found.setdefault("kind", "chat")
    elif kind in ("embeddings", "embedding"):
        found["kind"] = "embedding"
    return found


def describe(
    model_id: str,
    *,
    owned_by: str = "",
    created: int | None = None,
    extra: dict[str, Any] | None = None,
    config: dict[str, dict[str, Any]] | None = None,
    prices: PriceTable | None = None,
) -> ModelInfo:
    """Everything known of one model, each fact with its source."""
    extra = dict(extra or {})
    table = shipped()
    ours = f"Loom's table ({table.as_of})"
    layers: list[tuple[str, dict[str, Any]]] = [("server", _from_server(extra))]
    user = _lookup(config or {}, model_id)
    if user:
        layers.append(("config", user))
    base = fine_tuned_base(model_id)
    shipped_entry = _lookup(table.models, base or model_id)
    if shipped_entry:
        layers.append((ours, shipped_entry))

    def fact(name: str) -> Fact | None:
        for source, facts in layers:
            if facts.get(name) is not None:
                return Fact(facts[name], source)
        return None

    kind = fact("kind")
    if base is not None or kind is None:  # made by fine-tuning: so it is, whatever its base
        kind = Fact(guess_kind(model_id), "its id")
    input_price = fact("input_price")
    output_price = fact("output_price")
    chat_like = kind.value in ("chat", "reasoning", "fine-tuned", "checkpoint")
    # The price table is per chat token: gpt-4o's is not gpt-4o-transcribe's.
    if (input_price is None or output_price is None) and prices is not None and chat_like:
        price = prices.price(model_id)
        if price is not None:
            source = f"prices ({prices.as_of})"
            input_price = input_price or Fact(price.input, source)
            output_price = output_price or Fact(price.output, source)
    return ModelInfo(
        id=model_id,
        owned_by=owned_by,
        created=created or None,
        kind=kind,
        context_window=fact("context_window"),
        max_output=fact("max_output"),
        input_price=input_price,
        output_price=output_price,
        deprecated=fact("deprecated"),
        shutdown=fact("shutdown"),
        replacement=fact("replacement"),
        extra=extra,
        base=base,
    )


def tokens(value: Fact | None) -> str:
    """A token count, short: 128k, 1.0M."""
    if value is None:
        return "–"
    number = int(value.value)
    if number >= 1_000_000:
        return f"{number / 1_000_000:.1f}M"
    if number >= 10_000:
        return f"{number // 1000}k"
    return f"{number:,}"


def dollars(value: Fact | None) -> str:
    """A price per million tokens, short: $0.15, $10, free."""
    if value is None:
        return "–"
    number = float(value.value)
    if number == 0:
        return "free"
    return f"${number:.2f}" if number < 10 else f"${number:.0f}"
