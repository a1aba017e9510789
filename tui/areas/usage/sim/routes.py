"""The simulator's organisation usage and costs: 90 days of made-up but consistent activity.

Activity is a list of records, each one minute of one model's use by one project, user
and key; every answer sums the records in each bucket, so the totals agree however the
data is grouped or bucketed (a day is the sum of its hours, a model's share the sum over
projects). Usage needs an admin key (`sk-admin-…`), as OpenAI's does.
"""

from __future__ import annotations

import base64
import bisect
import math
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.sim.gate import Gate
from tui.sim.state import SimState, error_response, listed

DAYS = 90
WIDTHS = {"1m": 60, "1h": 3600, "1d": 86400}
LIMITS = {"1m": (60, 1440), "1h": (24, 168), "1d": (7, 31)}
"""Bucket width: (default, most) buckets a page."""
PROJECTS = ("proj_docs", "proj_support", "proj_research")
USERS = ("user-ana", "user-ben", "user-chen", "user-dara")
KEYS = ("key_ci", "key_laptop", "key_server")
CHAT_MODELS = (
    "gpt-4o-mini-2024-07-18",
    "gpt-4o-2024-08-06",
    "gpt-4.1-2025-04-14",
    "gpt-4.1-mini-2025-04-14",
    "gpt-5-mini-2025-08-07",
    "o4-mini-2025-04-16",
)
PRICES = {  # dollars per million tokens: input, cached input, output
    "gpt-4o-mini": (0.15, 0.075, 0.60),
    "gpt-4o": (2.50, 1.25, 10.00),
    "gpt-4.1": (2.00, 0.50, 8.00),
    "gpt-4.1-mini": (0.40, 0.10, 1.60),
    "gpt-5-mini": (0.25, 0.025, 2.00),
    "o4-mini": (1.10, 0.275, 4.40),
    "text-embedding-3-small": (0.02, 0.02, 0.0),
}
GROUPS = {
    "completions": ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier"),
    "embeddings": ("project_id", "user_id", "api_key_id", "model"),
    "moderations": ("project_id", "user_id", "api_key_id", "model"),
    "images": ("project_id", "user_id", "api_key_id", "model", "size", "source"),
    "audio_speeches": ("project_id", "user_id", "api_key_id", "model"),
    "audio_transcriptions": ("project_id", "user_id", "api_key_id", "model"),
    "vector_stores": ("project_id",),
    "code_interpreter_sessions": ("project_id",),
    "costs": ("project_id", "line_item", "api_key_id"),
}
AMOUNTS = {
    "completions": (
        "input_tokens",
        "input_cached_tokens",
        "output_tokens",
        "input_audio_tokens",
        "output_audio_tokens",
        "num_model_requests",
    ),
    "embeddings": ("input_tokens", "num_model_requests"),
    "moderations": ("input_tokens", "num_model_requests"),
    "images": ("images", "num_model_requests"),
    "audio_speeches": ("characters", "num_model_requests"),
    "audio_transcriptions": ("seconds", "num_model_requests"),
    "vector_stores": ("usage_bytes",),
    "code_interpreter_sessions": ("num_sessions",),
}


@dataclass(frozen=True, slots=True)
class Record:
    """One minute of one use."""

    at: int
    kind: str
    fields: tuple[tuple[str, Any], ...]
    """project_id, user_id, api_key_id, model, batch, size, source…"""
    amounts: tuple[tuple[str, float], ...]


def _family(model: str) -> str:
    for name in sorted(PRICES, key=len, reverse=True):
        if model.startswith(name):
            return name
    return model


@dataclass
class UsageData:
    """Every record of the 90 days before `now`, oldest first."""

    seed: int = 0
    now: float = field(default_factory=lambda: time.time())
    models: tuple[str, ...] = CHAT_MODELS
    density: float = 0.35
    """How likely each chat model is used in a given hour."""
    records: list[Record] = field(default_factory=list)
    times: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, sim: Any) -> UsageData:
        """The usage of a simulator: its seed, and the models and density its config
        names (90 days made on the first request for it)."""
        config = sim.config
        return cls(
            seed=config.seed,
            models=config.usage_models or CHAT_MODELS,
            density=config.usage_density,
        )

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        end = int(self.now) // 3600 * 3600
        start = end - DAYS * 86400
        for hour in range(start, end, 3600):
            day = (hour - start) // 86400
            weekday = (hour // 86400 + 3) % 7  # 1970-01-01 was a Thursday
            busy = 0.35 if weekday >= 5 else 1.0
            of_day = 0.3 + 0.7 * math.sin(math.pi * ((hour // 3600) % 24) / 24) ** 2
            growth = 0.6 + 0.8 * day / DAYS
            for n, model in enumerate(self.models):
                if rng.random() > self.density * busy * (1.2 if n < 2 else 0.8):
                    continue
                scale = growth * of_day * (3.0 if "mini" in model else 1.0)
                inputs = int(rng.uniform(2000, 60000) * scale)
                requests = max(1, inputs // rng.randint(600, 2500))
                self._add(
                    hour + rng.randrange(3600) // 60 * 60,
                    "completions",
                    {
                        "project_id": PROJECTS[rng.randrange(len(PROJECTS))],
                        "user_id": USERS[rng.randrange(len(USERS))],
                        "api_key_id": KEYS[rng.randrange(len(KEYS))],
                        "model": model,
                        "batch": rng.random() < 0.1,
                        "service_tier": "default",
                    },
                    {
                        "input_tokens": inputs,
                        "input_cached_tokens": int(inputs * rng.uniform(0, 0.5)),
                        "output_tokens": int(inputs * rng.uniform(0.1, 0.6)),
                        "input_audio_tokens": 0,
                        "output_audio_tokens": 0,
                        "num_model_requests": requests,
                    },
                )
            if rng.random() < 0.3:
                tokens = int(rng.uniform(5000, 200000) * growth)
                self._add(
                    hour + 60 * rng.randrange(60),
                    "embeddings",
                    self._who(rng, "text-embedding-3-small"),
                    {"input_tokens": tokens, "num_model_requests": max(1, tokens // 3000)},
                )
            if rng.random() < 0.2:
                self._add(
                    hour + 60 * rng.randrange(60),
                    "moderations",
                    self._who(rng, "omni-moderation-latest"),
                    {
                        "input_tokens": rng.randint(200, 9000),
                        "num_model_requests": rng.randint(1, 30),
                    },
                )
            if rng.random() < 0.05:
                count = rng.randint(1, 6)
                self._add(
                    hour + 60 * rng.randrange(60),
                    "images",
                    {
                        **self._who(rng, "dall-e-3"),
                        "size": "1024x1024",
                        "source": "image.generation",
                    },
                    {"images": count, "num_model_requests": count},
                )
            if rng.random() < 0.06:
                self._add(
                    hour + 60 * rng.randrange(60),
                    "audio_transcriptions",
                    self._who(rng, "whisper-1"),
                    {"seconds": rng.randint(30, 1800), "num_model_requests": rng.randint(1, 4)},
                )
            if rng.random() < 0.04:
                self._add(
                    hour + 60 * rng.randrange(60),
                    "audio_speeches",
                    self._who(rng, "tts-1"),
                    {"characters": rng.randint(300, 9000), "num_model_requests": rng.randint(1, 5)},
                )
            if (hour // 3600) % 24 == 0:
                for project in PROJECTS:
                    self._add(
                        hour,
                        "vector_stores",
                        {"project_id": project},
                        {"usage_bytes": int(2e8 * (1 + PROJECTS.index(project)) * growth)},
                    )
            if rng.random() < 0.08:
                self._add(
                    hour + 60 * rng.randrange(60),
                    "code_interpreter_sessions",
                    {"project_id": PROJECTS[rng.randrange(len(PROJECTS))]},
                    {"num_sessions": rng.randint(1, 5)},
                )
        self.records.sort(key=lambda r: r.at)
        self.times = [r.at for r in self.records]

    def _who(self, rng: random.Random, model: str) -> dict[str, Any]:
        return {
            "project_id": PROJECTS[rng.randrange(len(PROJECTS))],
            "user_id": USERS[rng.randrange(len(USERS))],
            "api_key_id": KEYS[rng.randrange(len(KEYS))],
            "model": model,
        }

    def _add(self, at: int, kind: str, fields: dict[str, Any], amounts: dict[str, float]) -> None:
        self.records.append(Record(at, kind, tuple(fields.items()), tuple(amounts.items())))

    def between(self, start: int, end: int) -> Iterable[Record]:
        """The records from `start` (inclusive) to `end` (exclusive)."""
        first = bisect.bisect_left(self.times, start)
        last = bisect.bisect_left(self.times, end)
        return self.records[first:last]


def cost_lines(record: Record) -> list[tuple[str, float]]:
    """(line item, dollars) of one record, as the costs endpoint itemises them."""
    fields = dict(record.fields)
    amounts = dict(record.amounts)
    model = str(fields.get("model", ""))
    family = _family(model)
    lines: list[tuple[str, float]] = []
    if record.kind in ("completions", "embeddings") and family in PRICES:
        price_in, price_cached, price_out = PRICES[family]
        cached = amounts.get("input_cached_tokens", 0.0)
        lines.append((f"{family}, input", (amounts["input_tokens"] - cached) * price_in / 1e6))
        if cached:
            lines.append((f"{family}, cached input", cached * price_cached / 1e6))
        if amounts.get("output_tokens"):
            lines.append((f"{family}, output", amounts["output_tokens"] * price_out / 1e6))
    elif record.kind == "images":
        lines.append(("dall-e-3, images", amounts["images"] * 0.04))
    elif record.kind == "audio_transcriptions":
        lines.append(("whisper-1, audio", amounts["seconds"] / 60 * 0.006))
    elif record.kind == "audio_speeches":
        lines.append(("tts-1, characters", amounts["characters"] * 15 / 1e6))
    elif record.kind == "vector_stores":
        lines.append(("file search storage", amounts["usage_bytes"] / 1e9 * 0.10 / 24))
    elif record.kind == "code_interpreter_sessions":
        lines.append(("code interpreter", amounts["num_sessions"] * 0.03))
    return lines


def _page_token(index: int) -> str:
    return "page_" + base64.urlsafe_b64encode(str(index).encode()).decode().rstrip("=")


def _page_index(token: str) -> int | None:
    try:
        body = token.removeprefix("page_")
        return int(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        return None


class Invalid(Exception):
    """A parameter the API would refuse."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def answer(data: UsageData, kind: str, query: Any, now: float) -> dict[str, Any]:
    """The page the API gives for `kind` ("completions", …, or "costs") and a query
    (a Starlette QueryParams: single and repeated values)."""
    try:
        start = int(query.get("start_time", ""))
    except ValueError:
        raise Invalid(
            "Missing or invalid 'start_time': a Unix time in seconds.", "start_time"
        ) from None
    try:
        end = int(query.get("end_time") or now)
    except ValueError:
        raise Invalid("Invalid 'end_time': a Unix time in seconds.", "end_time") from None
    width_name = query.get("bucket_width", "1d")
    if width_name not in WIDTHS or (kind == "costs" and width_name != "1d"):
        allowed = "1d" if kind == "costs" else "1m, 1h or 1d"
        raise Invalid(f"Invalid 'bucket_width': expected {allowed}.", "bucket_width")
    width = WIDTHS[width_name]
    default, most = (7, 180) if kind == "costs" else LIMITS[width_name]
    try:
        limit = int(query.get("limit", default))
    except ValueError:
        limit = 0
    if not 1 <= limit <= most:
        raise Invalid(f"Invalid 'limit': from 1 to {most} for {width_name} buckets.", "limit")
    if end <= start:
        raise Invalid("'end_time' must be after 'start_time'.", "end_time")
    groups = listed(query, "group_by")
    for group in groups:
        if group not in GROUPS[kind]:
            raise Invalid(
                f"Invalid 'group_by' value {group!r}: one of {', '.join(GROUPS[kind])}.", "group_by"
            )
    filters = {
        "project_id": set(listed(query, "project_ids")),
        "user_id": set(listed(query, "user_ids")),
        "api_key_id": set(listed(query, "api_key_ids")),
        "model": set(listed(query, "models")),
    }
    batch = query.get("batch")
    first = start // width * width if width_name != "1m" else start // 60 * 60
    index = 0
    if query.get("page"):
        found = _page_index(query["page"])
        if found is None:
            raise Invalid("Invalid 'page': use the next_page of the last answer.", "page")
        index = found
    buckets: list[dict[str, Any]] = []
    bucket_start = first + index * width
    source_kind = None if kind == "costs" else kind
    result_object = (
        "organization.costs.result" if kind == "costs" else f"organization.usage.{kind}.result"
    )
    while bucket_start < end and len(buckets) < limit:
        bucket_end = bucket_start + width
        sums: dict[tuple[Any, ...], dict[str, Any]] = {}
        for record in data.between(max(bucket_start, start), min(bucket_end, end)):
            if source_kind is not None and record.kind != source_kind:
                continue
            fields = dict(record.fields)
            if any(wanted and fields.get(name) not in wanted for name, wanted in filters.items()):
                continue
            if batch is not None and str(fields.get("batch", False)).lower() != batch.lower():
                continue
            if kind == "costs":
                for line, dollars in cost_lines(record):
                    values = {**fields, "line_item": line}
                    key = tuple(values.get(g) for g in groups)
                    entry = sums.setdefault(
                        key, {"object": result_object, "amount": {"value": 0.0, "currency": "usd"}}
                    )
                    entry["amount"]["value"] += dollars
                    for g in groups:
                        entry[g] = values.get(g)
                continue
            key = tuple(fields.get(g) for g in groups)
            entry = sums.setdefault(
                key, {"object": result_object, **dict.fromkeys(AMOUNTS[kind], 0)}
            )
            for name, amount in record.amounts:
                entry[name] += amount
            for g in groups:
                entry[g] = fields.get(g)
        results = list(sums.values())
        for entry in results:
            if kind == "costs":
                entry["amount"]["value"] = round(entry["amount"]["value"], 6)
            else:
                for name in AMOUNTS[kind]:
                    entry[name] = int(entry[name])
            if kind != "costs":
                for g in GROUPS[kind]:
                    entry.setdefault(g, None)
        buckets.append(
            {
                "object": "bucket",
                "start_time": bucket_start,
                "end_time": bucket_end,
                "results": results,
            }
        )
        bucket_start = bucket_end
        index += 1
    more = bucket_start < end
    return {
        "object": "page",
        "data": buckets,
        "has_more": more,
        "next_page": _page_token(index) if more else None,
    }


def usage_routes(sim: SimState, gate: Gate) -> list[Route]:
    """`/v1/organization/usage/{kind}` and `/v1/organization/costs`."""

    def handler(kind: str) -> Any:
        async def serve(request: Request) -> Response:
            headers, _, early = gate.prelude(request, "usage")
            if early is not None:
                return early
            denied = gate.admin_only(request, headers, "api.usage.read")
            if denied is not None:
                return denied
            try:
                page = answer(sim.usage, kind, request.query_params, time.time())
            except Invalid as exc:
                return error_response(400, exc.message, param=exc.param, headers=headers)
            return JSONResponse(page, headers=headers)

        return serve

    routes = [
        Route(f"/v1/organization/usage/{kind}", handler(kind), methods=["GET"]) for kind in AMOUNTS
    ]
    routes.append(Route("/v1/organization/costs", handler("costs"), methods=["GET"]))
    return routes
