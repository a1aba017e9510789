"""What replies cost: token usage times a price table shipped as data, which the user can
override with a prices.toml of their own."""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol


class Priced(Protocol):
    """What a price needs of a message: a stored one, or a turn of a chat session."""

    @property
    def role(self) -> str: ...
    @property
    def model(self) -> str | None: ...
    @property
    def prompt_tokens(self) -> int | None: ...
    @property
    def completion_tokens(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float
    cached_input: float | None = None


@dataclass(frozen=True, slots=True)
class TrainingPrice:
    """What fine-tuning a base model costs: per million training tokens, or per hour."""

    per_million: float | None = None
    per_hour: float | None = None


def _lookup(entries: dict[str, Any], model: str) -> Any:
    """The exact entry, else the longest entry the model id starts with."""
    if model in entries:
        return entries[model]
    prefixes = [name for name in entries if model.startswith(name + "-")]
    return entries[max(prefixes, key=len)] if prefixes else None


@dataclass(frozen=True, slots=True)
class PriceTable:
    """Prices by model id, and when they were taken."""

    models: dict[str, Price]
    as_of: str
    problems: tuple[str, ...] = ()
    """What was wrong with the user's file, if anything (it is then partly ignored)."""
    fine_tuned: dict[str, Price] = field(default_factory=dict)
    """Prices of using a model fine-tuned from each base."""
    training: dict[str, TrainingPrice] = field(default_factory=dict)
    """What training on each base costs."""
    batch_share: float = 0.5
    """The share of the standard price a request costs in a batch (the Batch API's
    discount: half)."""
    units: dict[str, dict[str, float]] = field(default_factory=dict)
    """Prices of what is not priced by the token, by model: an image of a size and
    quality (`image:1024x1024:hd`), a minute of audio, a character spoken."""

    def tokens_cost(
        self, model: str, prompt: int, completion: int = 0, cached: int = 0
    ) -> float | None:
        """Dollars for a request's tokens (`cached` of the prompt at the cached price);
        None if the model has no price."""
        price = self.price(model)
        if price is None:
            return None
        cached_price = price.cached_input if price.cached_input is not None else price.input
        return (
            (prompt - cached) * price.input + cached * cached_price + completion * price.output
        ) / 1e6

    def unit_cost(self, model: str, units: Sequence[tuple[str, float]]) -> float | None:
        """Dollars for `units` [(unit, how many)] of `model`; None if any is unpriced."""
        prices = _lookup(self.units, model)
        if not isinstance(prices, dict) or not units:
            return None
        total = 0.0
        for unit, count in units:
            if unit not in prices:
                return None
            total += prices[unit] * count
        return total

    def price(self, model: str) -> Price | None:
        """The exact entry, else the longest entry the model id starts with; a fine-tuned
        model (`ft:BASE:…`) is priced as fine-tuned BASE."""
        if model.startswith("ft:"):
            base = model.split(":")[1] if model.count(":") >= 1 else ""
            found = _lookup(self.fine_tuned, base)
            return found if isinstance(found, Price) else None
        found = _lookup(self.models, model)
        return found if isinstance(found, Price) else None

    def training_price(self, base: str) -> TrainingPrice | None:
        """What fine-tuning `base` costs, if known."""
        found = _lookup(self.training, base)
        return found if isinstance(found, TrainingPrice) else None


def user_prices_path() -> Path:
    """`$LOOM_PRICES`, else prices.toml in Loom's config folder (XDG_CONFIG_HOME)."""
    explicit = os.environ.get("LOOM_PRICES")
    if explicit:
        return Path(explicit)
    from platformdirs import user_config_dir

    return Path(user_config_dir("loom", appauthor=False)) / "prices.toml"


def _entries(data: dict[str, Any], origin: str, problems: list[str]) -> dict[str, Price]:
    models = data.get("models", {})
    if not isinstance(models, dict):
        problems.append(f"{origin}: [models] should be a table")
        return {}
    prices = {}
    for name, entry in models.items():
        try:
            prices[name] = Price(
                input=float(entry["input"]),
                output=float(entry["output"]),
                cached_input=(float(entry["cached_input"]) if "cached_input" in entry else None),
            )
        except (KeyError, TypeError, ValueError):
            problems.append(f"{origin}: model {name!r} needs numbers for input and output")
    return prices


Overrides = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
"""Price entries from the config file: (model, ((field, dollars), ...)), hashable."""


def overrides_of(prices: dict[str, dict[str, float]]) -> Overrides:
    """The config's [prices] table in the hashable form `load_prices` caches on."""
    return tuple(sorted((name, tuple(sorted(entry.items()))) for name, entry in prices.items()))


@functools.lru_cache(maxsize=4)
def load_prices(user_file: Path | None = None, overrides: Overrides = ()) -> PriceTable:
    """The shipped table, with a prices.toml of the user's and then the config file's
    [prices] laid over it."""
    shipped = tomllib.loads(
        resources.files("tui").joinpath("data/prices.toml").read_text(encoding="utf-8")
    )
    problems: list[str] = []
    models = _entries(shipped, "shipped prices", problems)
    fine_tuned = _entries({"models": shipped.get("fine_tuned", {})}, "shipped prices", problems)
    training = {
        name: TrainingPrice(entry.get("training"), entry.get("training_per_hour"))
        for name, entry in shipped.get("fine_tuned", {}).items()
    }
    as_of = str(shipped.get("as_of", "?"))
    path = user_file or user_prices_path()
    if path.exists():
        try:
            mine = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            problems.append(f"{path}: {error} (using the shipped prices)")
        else:
            models.update(_entries(mine, str(path), problems))
            as_of = str(mine.get("as_of", f"{as_of}, with your {path.name}"))
    if overrides:
        config = {name: dict(entry) for name, entry in overrides}
        models.update(_entries({"models": config}, "config [prices]", problems))
        as_of = f"{as_of}, with the config's [prices]"
    share = shipped.get("batch_share", 0.5)
    batch_share = float(share) if isinstance(share, int | float) and 0 < share <= 1 else 0.5
    units = {
        str(name): {str(u): float(v) for u, v in entry.items() if isinstance(v, int | float)}
        for name, entry in shipped.get("units", {}).items()
        if isinstance(entry, dict)
    }
    return PriceTable(models, as_of, tuple(problems), fine_tuned, training, batch_share, units)


def reply_cost(message: Priced, table: PriceTable) -> float | None:
    """Dollars for one reply, from its usage; None if its model or usage is unknown."""
    if message.role != "assistant" or message.model is None:
        return None
    price = table.price(message.model)
    if price is None or message.prompt_tokens is None or message.completion_tokens is None:
        return None
    return (message.prompt_tokens * price.input + message.completion_tokens * price.output) / 1e6


def reply_figures(message: Priced, table: PriceTable) -> str:
    """ "150 tok · $0.0001" for a reply's header ("" when the server sent no usage)."""
    if message.completion_tokens is None:
        return ""
    text = f"{message.completion_tokens:,} tok"
    cost = reply_cost(message, table)
    return text + (f" · ${cost:.4f}" if cost is not None else "")


def conversation_cost(messages: Sequence[Priced], table: PriceTable) -> str | None:
    """The cost of the replies shown, as text for the status line ("$0.0123", or with a
    note when some replies have no price)."""
    replies = [m for m in messages if m.role == "assistant" and m.completion_tokens is not None]
    if not replies:
        return None
    costs = [reply_cost(m, table) for m in replies]
    known = [c for c in costs if c is not None]
    tokens = sum((m.prompt_tokens or 0) + (m.completion_tokens or 0) for m in replies)
    if not known:
        return f"{tokens:,} tok, no price for this model"
    text = f"${sum(known):.4f}"
    if len(known) < len(costs):
        text += " (some replies unpriced)"
    return text


def estimate_tokens(chars: int) -> int:
    """A quick estimate of the tokens in `chars` characters, before sending (about four
    characters each for English; the server's count, shown after the reply, is the real
    one)."""
    return (chars + 3) // 4
