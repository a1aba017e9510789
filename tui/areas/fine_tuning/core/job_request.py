"""The create-job form's fields as a `CreateFineTuningJobRequest`, each checked against the
spec's ranges, with what is wrong named by field. No Textual: tested on its own."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

METHODS = ("supervised", "dpo", "reinforcement")
GRADER_EXAMPLE = {
    "type": "string_check",
    "name": "exact answer",
    "input": "{{sample.output_text}}",
    "reference": "{{item.reference_answer}}",
    "operation": "eq",
}
"""A grader a reinforcement job can start from: the answer must equal the example's
`reference_answer` field."""
GRADER_TYPES = ("string_check", "text_similarity", "python", "score_model", "multi")


@dataclass
class JobForm:
    """What the user typed, as text (the form keeps it as typed; nothing is lost)."""

    training: str = ""
    validation: str = ""
    method: str = "supervised"
    model: str = "gpt-4o-mini-2024-07-18"
    n_epochs: str = "auto"
    batch_size: str = "auto"
    learning_rate_multiplier: str = "auto"
    beta: str = "auto"
    suffix: str = ""
    seed: str = ""
    metadata: str = ""
    grader: str = field(default_factory=lambda: json.dumps(GRADER_EXAMPLE, indent=1))


def _auto_or(
    text: str,
    name: str,
    kind: type,
    low: float,
    high: float,
    errors: dict[str, str],
    *,
    open_low: bool = False,
) -> Any:
    value = text.strip().lower()
    if value in ("", "auto"):
        return "auto"
    try:
        number: float = int(value) if kind is int else float(value)
    except ValueError:
        errors[name] = f"“auto” or {'a whole number' if kind is int else 'a number'}"
        return None
    if not math.isfinite(number):
        errors[name] = "a finite number"
        return None
    if number < low or number > high or (open_low and number == low):
        low_words = f"more than {low:g}" if open_low else f"{low:g}"
        errors[name] = (
            f"from {low_words} to {high:g}" if not open_low else f"{low_words}, up to {high:g}"
        )
        return None
    return number


def build(
    form: JobForm, training_file: str, validation_file: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """(the request body, problems by field name); the body is only usable when there are
    no problems."""
    errors: dict[str, str] = {}
    method = form.method if form.method in METHODS else "supervised"
    hyper: dict[str, Any] = {
        "n_epochs": _auto_or(form.n_epochs, "n_epochs", int, 1, 50, errors),
        "batch_size": _auto_or(form.batch_size, "batch_size", int, 1, 256, errors),
        "learning_rate_multiplier": _auto_or(
            form.learning_rate_multiplier,
            "learning_rate_multiplier",
            float,
            0,
            1e6,
            errors,
            open_low=True,
        ),
    }
    if method == "dpo":
        hyper["beta"] = _auto_or(form.beta, "beta", float, 0, 2, errors, open_low=True)
    inner: dict[str, Any] = {"hyperparameters": {k: v for k, v in hyper.items() if v != "auto"}}
    if method == "reinforcement":
        try:
            grader = json.loads(form.grader)
        except ValueError as error:
            errors["grader"] = f"not JSON ({error})"
            grader = None
        if grader is not None and (
            not isinstance(grader, dict) or grader.get("type") not in GRADER_TYPES
        ):
            errors["grader"] = "an object whose type is one of " + ", ".join(GRADER_TYPES)
        inner["grader"] = grader
    model = form.model.strip()
    if not model:
        errors["model"] = "a base model to fine-tune"
    body: dict[str, Any] = {
        "model": model,
        "training_file": training_file,
        "method": {"type": method, method: inner},
    }
    if validation_file:
        body["validation_file"] = validation_file
    suffix = form.suffix.strip()
    if suffix:
        if len(suffix) > 64:
            errors["suffix"] = "at most 64 characters"
        body["suffix"] = suffix
    seed = form.seed.strip()
    if seed:
        try:
            number = int(seed)
        except ValueError:
            errors["seed"] = "a whole number from 0 to 2147483647"
        else:
            if not 0 <= number <= 2147483647:
                errors["seed"] = "a whole number from 0 to 2147483647"
            body["seed"] = number
    metadata = form.metadata.strip()
    if metadata:
        pairs: dict[str, str] = {}
        for part in metadata.split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                errors["metadata"] = "key=value pairs separated by commas"
                break
            pairs[key.strip()] = value.strip()
        if len(pairs) > 16:
            errors["metadata"] = "at most 16 pairs"
        elif any(len(k) > 64 or len(v) > 512 for k, v in pairs.items()):
            errors["metadata"] = "keys up to 64 characters, values up to 512"
        body["metadata"] = pairs
    return body, errors


SINGLE_REQUEST = 64 * 1024 * 1024
"""Files up to this size go in one request; larger ones in 64 MB parts (resumable)."""
