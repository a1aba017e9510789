"""Usage and cost, as the usage screen and `loom usage` show them: from the organisation's
usage API (an admin key) or from Loom's own ledger (any key, any server), in one shape.

The organisation's data is asked for once per range and bucket width, grouped by every
field at once, and kept (in memory and in the store): switching what is shown or how it
is grouped adds it up again here, from results already fetched — never a new request.
No Textual here.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.core.context import AreaContext, AreaService
from tui.core.words import money

RANGES = {"today": 0, "7 days": 7, "30 days": 30, "90 days": 90}
WIDTHS = {"1m": 60, "1h": 3600, "1d": 86400}
METRICS = {
    "tokens": ("input", "cached input", "output"),
    "requests": ("requests",),
    "images": ("images",),
    "audio seconds": ("seconds",),
    "cost": ("dollars",),
}
"""What can be shown, and the parts each one's bars are stacked from."""
ORG_GROUPS = {
    "tokens": ("model", "project_id", "api_key_id", "user_id"),
    "requests": ("model", "project_id", "api_key_id", "user_id"),
    "images": ("model", "project_id", "api_key_id", "user_id"),
    "audio seconds": ("model", "project_id", "api_key_id", "user_id"),
    "cost": ("line_item", "project_id", "api_key_id"),
}
LEDGER_GROUPS = ("model", "endpoint", "profile", "server")
ENDPOINTS = {
    "tokens": "completions",
    "requests": "completions",
    "images": "images",
    "audio seconds": "audio_transcriptions",
    "cost": "costs",
}
SHOWN_GROUPS = 6
"""Groups drawn on their own; the rest are drawn together as "other"."""
ADMIN_KEYS = "https://platform.openai.com/settings/organization/admin-keys"


class NeedsAdminKey(Exception):
    """The organisation's usage needs an admin key, and there is none that works."""


@dataclass(frozen=True, slots=True)
class Query:
    """What to show."""

    source: str = "ledger"
    """"org" (the organisation's usage API) or "ledger" (Loom's own)."""
    metric: str = "tokens"
    days: int = 30
    """0 for today."""
    width: str = "1d"
    group: str | None = "model"
    start: int | None = None
    """A custom range's start (Unix seconds), else from `days`."""
    end: int | None = None

    def span(self, now: float | None = None) -> tuple[int, int]:
        """(start, end) in Unix seconds, the start on a bucket's edge."""
        now = time.time() if now is None else now
        end = int(self.end or now)
        if self.start is not None:
            start = self.start
        elif self.days == 0:
            local = time.localtime(now)
            start = int(now) - (local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec)
        else:
            start = int(now) - self.days * 86400
        step = WIDTHS[self.width]
        return start // step * step if step >= 3600 and self.start is None else start, end


@dataclass
class Dataset:
    """Buckets, and for each group its stacked parts per bucket."""

    query: Query
    starts: list[int] = field(default_factory=list)
    width: int = 86400
    parts: tuple[str, ...] = ()
    values: dict[str, list[list[float]]] = field(default_factory=dict)
    """group -> part -> one value per bucket."""
    pages: int = 0
    pages_expected: int = 0
    complete: bool = False
    problem: str | None = None
    """What stopped the fetch part way (what arrived is kept)."""
    fetched_at: float | None = None
    currency: str = "usd"
    """What costs are in, as the server names it (`usd`, `eur`); several are joined
    with `+` (and added up as they are: Loom converts nothing)."""
    unusable: int = 0
    """Results (or buckets) left out because a figure or a time in them was not a usable
    number (`1e400`, negative, a date no clock can show)."""

    def totals(self) -> dict[str, float]:
        """Each group's total over the range, largest first (groups with nothing left out:
        the ledger's requests that used no tokens)."""
        sums = {group: sum(sum(part) for part in parts) for group, parts in self.values.items()}
        return dict(
            sorted(((g, v) for g, v in sums.items() if v), key=lambda kv: kv[1], reverse=True)
        )

    def total(self) -> float:
        """Everything shown, added up."""
        return sum(self.totals().values())

    def bucket_total(self, index: int) -> float:
        """One bucket, every group and part."""
        return sum(parts[p][index] for parts in self.values.values() for p in range(len(parts)))

    def rows(self) -> list[tuple[int, str, str, float]]:
        """(bucket start, group, part, value) for every non-zero value (CSV, JSON)."""
        out = []
        for group, parts in self.values.items():
            for p, name in enumerate(self.parts):
                for index, value in enumerate(parts[p]):
                    if value:
                        out.append((self.starts[index], group, name, value))
        out.sort()
        return out


def _result_parts(metric: str, result: dict[str, Any]) -> tuple[float, ...] | None:
    """What one result of the organisation's API adds to each part of `metric`; None when
    a figure it holds is not a usable amount (`1e400`, negative, not a number)."""
    from tui.api.values import amount

    def figure(value: Any) -> float:
        if value is None or value == "":
            return 0.0
        got = amount(value)
        if got is None:
            raise ValueError(value)
        return got

    try:
        if metric == "tokens":
            cached = figure(result.get("input_cached_tokens"))
            return (
                max(0.0, figure(result.get("input_tokens")) - cached),
                cached,
                figure(result.get("output_tokens")),
            )
        if metric == "requests":
            return (figure(result.get("num_model_requests")),)
        if metric == "images":
            return (figure(result.get("images")),)
        if metric == "audio seconds":
            return (figure(result.get("seconds")),)
        money = result.get("amount") or {}
        return (figure(money.get("value")) if isinstance(money, dict) else 0.0,)
    except ValueError:
        return None


def _currency_of(result: Any) -> str | None:
    """The currency a cost result names (`usd`), letters and digits only."""
    paid = result.get("amount") if isinstance(result, dict) else None
    if not isinstance(paid, dict):
        return None
    code = "".join(ch for ch in str(paid.get("currency") or "usd").lower() if ch.isalnum())
    return code[:8] or "usd"


def _label(value: Any) -> str:
    return "(none)" if value in (None, "") else str(value)


class UsageBook:
    """What the usage screen knows: fetched pages by query, and sums made of them."""

    def __init__(self, context: AreaContext) -> None:
        self.context = context
        self._pages: dict[str, list[dict[str, Any]]] = {}
        """Raw buckets by fetch key (endpoint, range, width)."""
        self._sums: dict[tuple[Any, ...], Dataset] = {}

    # --- the organisation ----------------------------------------------------------------

    def _key(self, query: Query, start: int, end: int) -> str:
        endpoint = ENDPOINTS[query.metric]
        width = "1d" if endpoint == "costs" else query.width
        return json.dumps(
            [self.context.settings().base_url, endpoint, start // 60, end // 3600, width]
        )

    async def fetch_org(
        self, query: Query, on_page: Callable[[Dataset], None] | None = None
    ) -> Dataset:
        """The organisation's usage for `query`, page by page (`on_page` is told after each
        with what has arrived); kept, so asking again is not a request. NeedsAdminKey when
        there is no admin key or the key is refused."""
        from tui.api.errors import (
            APIError,
            AuthenticationError,
            PagingStopped,
            PermissionDeniedError,
        )
        from tui.core.text import safe
        from tui.store.errors import StoreError

        start, end = query.span()
        key = self._key(query, start, end)
        buckets = self._pages.get(key)
        if buckets is None:
            stored = None
            try:
                stored = await self.context.store().run(
                    "reading kept usage", lambda r: r.area("usage").get(key)
                )
            except StoreError:
                stored = None
            if stored is not None:
                buckets = self._pages[key] = stored
        if buckets is not None:
            return self._sum(query, buckets, complete=True)
        admin = await self.context.admin_client()
        if admin is None:
            raise NeedsAdminKey(self._no_admin_words())
        from tui.areas.usage.api.resource import UsageResource

        resource = UsageResource(admin)
        endpoint = ENDPOINTS[query.metric]
        width = "1d" if endpoint == "costs" else query.width
        step = WIDTHS[width]
        per_page = 180 if endpoint == "costs" else {"1m": 1440, "1h": 168, "1d": 31}[width]
        expected = max(1, -(-((end - start) // step + 1) // per_page))
        arrived: list[dict[str, Any]] = []
        # The range says how many pages there can be: a server that goes on past twice
        # that is stopped (the buckets that came are shown, and the problem says why).
        bound = 2 * expected + 2
        if endpoint == "costs":
            pages = resource.costs(
                start_time=start, end_time=end, group_by=ORG_GROUPS["cost"], max_pages=bound
            )
        else:
            pages = resource.usage(
                endpoint,
                start_time=start,
                end_time=end,
                bucket_width=width,
                group_by=ORG_GROUPS[query.metric],
                max_pages=bound,
            )
        count = 0
        problem = None
        try:
            async for page in pages:
                count += 1
                arrived += [b.model_dump(mode="json") for b in page.data]
                if on_page is not None:
                    partial = self._sum(query, arrived, complete=False, keep=False)
                    partial.pages, partial.pages_expected = count, max(expected, count)
                    on_page(partial)
        except (AuthenticationError, PermissionDeniedError) as error:
            raise NeedsAdminKey(self._no_admin_words(refused=safe(str(error)))) from error
        except PagingStopped as error:
            problem = f"{safe(str(error))}: showing the {count} page(s) that came"
        except APIError as error:
            if not arrived:
                raise
            problem = (
                f"page {count + 1} failed ({safe(str(error))}); showing the {count} that "
                "arrived: the buckets after them are missing"
            )
        dataset = self._sum(query, arrived, complete=problem is None, keep=problem is None)
        dataset.pages, dataset.pages_expected, dataset.problem = count, count, problem
        if problem is None:
            self._pages[key] = arrived
            with contextlib.suppress(StoreError):  # kept in memory; the store says why
                await self.context.store().run(
                    "keeping usage", lambda r: r.area("usage").put(key, arrived)
                )
        return dataset

    def _no_admin_words(self, refused: str | None = None) -> str:
        settings = self.context.settings()
        where = f"the profile {settings.profile!r}" if settings.profile else "your config's profile"
        said = f"The server refused the key: {refused}. " if refused else ""
        return (
            f"{said}The organisation's usage and costs need an admin key: create one at "
            f'{ADMIN_KEYS} and put it in {where} as admin_key_env = "OPENAI_ADMIN_KEY" (or '
            "set OPENAI_ADMIN_KEY). Loom's own ledger (o) works with any key."
        )

    def _sum(
        self, query: Query, buckets: list[dict[str, Any]], *, complete: bool, keep: bool = True
    ) -> Dataset:
        """Add fetched results up for `query`. Kept results are added up once for every
        grouping of the metric together, so switching grouping later is a lookup."""
        memo = (id(buckets), len(buckets), query)
        if keep and memo in self._sums:
            return self._sums[memo]
        groups: list[str | None] = [None, *ORG_GROUPS[query.metric]] if keep else [query.group]
        if query.group not in groups:
            groups.append(query.group)
        parts = METRICS[query.metric]
        unusable = sum(1 for b in buckets if not b.get("start_time"))
        # (Kept under the key of the list given: the filtered copy's id would be stale,
        # and could be reused by another list.)
        buckets = [b for b in buckets if b.get("start_time")]  # a time no clock can show
        starts = [int(b["start_time"]) for b in buckets]
        width = (starts[1] - starts[0]) if len(starts) > 1 else WIDTHS[query.width]
        count = len(buckets)
        sums: dict[str | None, dict[str, list[list[float]]]] = {g: {} for g in groups}
        measure = _result_parts
        metric = query.metric
        for index, bucket in enumerate(buckets):
            for result in bucket.get("results") or []:
                amounts = measure(metric, result) if isinstance(result, dict) else None
                if amounts is None:
                    unusable += 1
                    continue
                for g in groups:
                    label = _label(result.get(g)) if g else "all"
                    table = sums[g]
                    series = table.get(label)
                    if series is None:
                        series = table[label] = [[0.0] * count for _ in parts]
                    for p, amount in enumerate(amounts):
                        series[p][index] += amount
        currency = "usd"
        if metric == "cost":
            named = {
                "".join(ch for ch in str(paid.get("currency") or "usd").lower() if ch.isalnum())[:8]
                or "usd"
                for b in buckets
                for result in b.get("results") or []
                if isinstance(result, dict) and isinstance(paid := result.get("amount"), dict)
            }
            currency = "+".join(sorted(str(code) for code in named)) or "usd"
            parts = (currency,)
        fetched = time.time()
        wanted = None
        for g in groups:
            dataset = Dataset(
                Query(
                    query.source, query.metric, query.days, query.width, g, query.start, query.end
                ),
                starts,
                width,
                parts,
                sums[g],
                complete=complete,
                fetched_at=fetched,
                currency=currency,
                unusable=unusable,
            )
            if g == query.group:
                wanted = dataset
            if keep:
                self._sums[(memo[0], memo[1], dataset.query)] = dataset
        assert wanted is not None
        return wanted

    # --- the ledger ------------------------------------------------------------------------

    async def from_ledger(self, query: Query) -> Dataset:
        """Loom's own ledger for `query` (added up by the store, from its hourly roll-up)."""
        start, end = query.span()
        step = WIDTHS[query.width]
        group = query.group if query.group in LEDGER_GROUPS else None
        await self.context.ledger().flush()  # the requests of the last second too
        rows = await self.context.store().run(
            "adding up the ledger", lambda r: r.ledger.totals(start, end, step, group)
        )
        count = max(1, -(-(end - start) // step))
        starts = [start + n * step for n in range(count)]
        parts = METRICS[query.metric]
        values: dict[str, list[list[float]]] = {}
        for bucket, name, figures in rows:
            index = (bucket - start) // step
            if not 0 <= index < count:
                continue
            label = _label(name) if group else "all"
            series = values.setdefault(label, [[0.0] * count for _ in parts])
            amounts: tuple[float, ...]
            if query.metric == "tokens":
                cached = figures["cached_tokens"]
                amounts = (figures["prompt_tokens"] - cached, cached, figures["completion_tokens"])
            elif query.metric == "requests":
                amounts = (figures["requests"],)
            elif query.metric == "cost":
                amounts = (figures["cost"],)
            else:
                amounts = (0.0,)  # images and audio are not among the requests Loom makes
            for p, amount in enumerate(amounts):
                series[p][index] += amount
        return Dataset(query, starts, step, parts, values, complete=True, fetched_at=time.time())


def short(value: float, metric: str, currency: str = "usd") -> str:
    """A figure in a few characters: 1.2M tokens, $3.40, €42.50, 12 requests."""
    if metric == "cost":
        return money(value, currency)
    if value >= 1e9:
        return f"{value / 1e9:.1f}G"
    if value >= 1e6:
        return f"{value / 1e6:.1f}M"
    if value >= 1e4:
        return f"{value / 1e3:.0f}k"
    if value >= 1e3:
        return f"{value / 1e3:.1f}k"
    return f"{value:,.0f}"


class UsageService(AreaService):
    """The usage area's service: what was fetched and added up, kept while the app runs."""

    def __init__(self, context: AreaContext) -> None:
        super().__init__(context)
        self.book = UsageBook(context)

    def forget(self) -> None:
        """Ask everything again (the kept pages are forgotten)."""
        self.book = UsageBook(self.context)

    def server_changed(self) -> None:
        """Another server: what was kept was its."""
        self.forget()

    @property
    def ledger_problem(self) -> str | None:
        """Why the ledger is not being written now, if it is not."""
        return self.context.ledger().problem
