"""Moderation results in words: flagged or not, each category with its score, the
categories sorted by score, and which input types each was applied to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.areas.playground.api.schemas import ModerationResult


@dataclass(frozen=True)
class Score:
    category: str
    score: float
    flagged: bool
    applied: tuple[str, ...]


def scores(result: ModerationResult) -> list[Score]:
    """Every category of a result, highest score first (flagged ones before others of
    the same score); categories without a score count as 0."""
    made = [
        Score(
            category,
            float(result.category_scores.get(category) or 0.0),
            bool(result.categories.get(category)),
            tuple(result.category_applied_input_types.get(category) or ()),
        )
        for category in dict.fromkeys([*result.category_scores, *result.categories])
    ]
    return sorted(made, key=lambda s: (-s.score, not s.flagged, s.category))


def flagged_words(result: ModerationResult) -> str:
    """`flagged: violence, harassment/threatening` or `not flagged`."""
    names = [s.category for s in scores(result) if s.flagged]
    return "flagged: " + ", ".join(names) if names else "not flagged"


def bar(score: float, width: int = 20) -> str:
    """A score of 0 to 1 as a bar of eighths."""
    score = min(1.0, max(0.0, score))
    eighths = round(score * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")).ljust(width, "·")
