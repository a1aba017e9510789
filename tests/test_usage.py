"""Usage and cost: the simulator's 90 days agree however they are grouped, bucketed or
paged; the client follows pages; the usage book keeps what it fetched and adds it up
without asking again, says plainly when an admin key is needed, and keeps what arrived
when a page fails; Loom's ledger records every request in a real store; the inspector
lists requests and copies them as a curl command that works; the screens and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tui.api.client import OpenAIClient
from tui.app import LoomApp
from tui.areas.chat.api.resource import ChatResource
from tui.areas.chat.api.schemas import ChatCompletionRequest
from tui.areas.requests.core.replay import as_curl, as_python
from tui.areas.requests.screens.inspector import RequestDetail, RequestsScreen
from tui.areas.usage.core.book import NeedsAdminKey, Query, UsageBook
from tui.areas.usage.screens.usage import UsageScreen
from tui.config import Settings
from tui.core.services import Services
from tui.sim.app import SimConfig
from tui.sim.faults import Fault
from tui.sim.server import SimServer

from .conftest import say, screen_text, settings_for, until

ADMIN = {"Authorization": "Bearer sk-admin-test-0001"}


@pytest.fixture(scope="module")
def usage_sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=21)) as server:
        yield server


def _get(sim: SimServer, path: str, **params: Any) -> dict[str, Any]:
    response = httpx.get(sim.base_url + path, params=params, headers=ADMIN, timeout=30)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _all(sim: SimServer, path: str, **params: Any) -> list[dict[str, Any]]:
    buckets: list[dict[str, Any]] = []
    page = None
    for _ in range(1000):  # bounded: a simulator that never ends its pages fails the test
        got = _get(sim, path, **params, **({"page": page} if page else {}))
        buckets += got["data"]
        if not got["has_more"]:
            return buckets
        page = got["next_page"]
    raise AssertionError(f"{path} was still paging after 1000 pages")


def _tokens(buckets: list[dict[str, Any]], field: str = "input_tokens") -> int:
    return sum(r[field] for b in buckets for r in b["results"])


def test_the_same_totals_however_grouped_bucketed_or_paged(usage_sim: SimServer) -> None:
    now = int(time.time())
    start = (now - 7 * 86400) // 86400 * 86400
    by_day = _all(
        usage_sim,
        "/organization/usage/completions",
        start_time=start,
        end_time=now,
        bucket_width="1d",
        limit=31,
    )
    by_hour = _all(
        usage_sim,
        "/organization/usage/completions",
        start_time=start,
        end_time=now,
        bucket_width="1h",
        limit=168,
    )
    by_model = _all(
        usage_sim,
        "/organization/usage/completions",
        start_time=start,
        end_time=now,
        group_by="model",
        limit=31,
    )
    paged = _all(
        usage_sim,
        "/organization/usage/completions",
        start_time=start,
        end_time=now,
        bucket_width="1d",
        limit=2,
    )
    total = _tokens(by_day)
    assert total > 0
    assert _tokens(by_hour) == _tokens(by_model) == _tokens(paged) == total
    assert len(paged) == len(by_day) and len(by_hour) >= 24 * 7
    assert len({r["model"] for b in by_model for r in b["results"]}) >= 4  # one result a model
    only = _all(
        usage_sim,
        "/organization/usage/completions",
        start_time=start,
        end_time=now,
        models="gpt-4o-2024-08-06",
        limit=31,
    )
    assert 0 < _tokens(only) < total
    costs = _all(usage_sim, "/organization/costs", start_time=start, end_time=now, limit=180)
    by_item = _all(
        usage_sim,
        "/organization/costs",
        start_time=start,
        end_time=now,
        limit=180,
        group_by="line_item",
    )
    value = sum(r["amount"]["value"] for b in costs for r in b["results"])
    assert value > 0
    assert sum(r["amount"]["value"] for b in by_item for r in b["results"]) == pytest.approx(
        value, rel=1e-6
    )


def test_the_api_rules_of_usage(usage_sim: SimServer) -> None:
    base = usage_sim.base_url
    now = int(time.time())
    plain = httpx.get(
        base + "/organization/usage/completions",
        params={"start_time": now - 86400},
        headers={"Authorization": "Bearer sk-plain"},
    )
    assert plain.status_code == 403 and "admin key" in plain.json()["error"]["message"]
    for params, param in (
        ({}, "start_time"),
        ({"start_time": now, "bucket_width": "1w"}, "bucket_width"),
        ({"start_time": now - 86400, "limit": 32}, "limit"),
        ({"start_time": now - 86400, "group_by": "line_item"}, "group_by"),
    ):
        refused = httpx.get(base + "/organization/usage/completions", params=params, headers=ADMIN)
        assert refused.status_code == 400 and refused.json()["error"]["param"] == param
    hourly_costs = httpx.get(
        base + "/organization/costs",
        params={"start_time": now - 86400, "bucket_width": "1h"},
        headers=ADMIN,
    )
    assert hourly_costs.status_code == 400


def test_every_usage_answer_matches_the_spec(usage_sim: SimServer) -> None:
    from .spec import component_validator

    validator = component_validator("UsageResponse")
    now = int(time.time())
    for kind in (
        "completions",
        "embeddings",
        "moderations",
        "images",
        "audio_speeches",
        "audio_transcriptions",
        "vector_stores",
        "code_interpreter_sessions",
    ):
        body = _get(usage_sim, f"/organization/usage/{kind}", start_time=now - 3 * 86400, limit=3)
        errors = sorted(validator.iter_errors(body), key=str)
        assert not errors, f"{kind}: {errors[0].message}"
    costs = _get(usage_sim, "/organization/costs", start_time=now - 3 * 86400, group_by="line_item")
    assert not list(validator.iter_errors(costs))


async def test_the_book_pages_keeps_and_adds_up_without_asking_again(
    usage_sim: SimServer, tmp_path: Path
) -> None:
    settings = Settings(
        base_url=usage_sim.base_url,
        api_key="sk-test",
        admin_key="sk-admin-test",
        data_dir=tmp_path,
        max_retries=0,
    )
    services = Services(settings)
    book = UsageBook(services.context)
    seen: list[int] = []
    query = Query(source="org", metric="tokens", days=90, width="1d", group="model")
    dataset = await book.fetch_org(query, lambda partial: seen.append(partial.pages))
    assert seen == [1, 2, 3] and dataset.complete and len(dataset.starts) >= 90
    admin = await services.admin_client()
    assert admin is not None
    asked = len(admin.request_log)
    by_project = await book.fetch_org(
        Query(source="org", metric="tokens", days=90, width="1d", group="project_id")
    )
    requests = await book.fetch_org(
        Query(source="org", metric="requests", days=90, width="1d", group=None)
    )
    assert len(admin.request_log) == asked  # kept: grouping and metric changes ask nothing
    assert by_project.total() == pytest.approx(dataset.total())
    assert requests.total() > 0
    again = UsageBook(services.context)  # as after a restart: kept in the store too
    assert (await again.fetch_org(query)).total() == pytest.approx(dataset.total())
    assert len(admin.request_log) == asked
    await services.aclose()


async def test_no_admin_key_says_what_to_do_and_a_failed_page_keeps_what_came(
    usage_sim: SimServer, tmp_path: Path
) -> None:
    plain = Services(Settings(base_url=usage_sim.base_url, api_key="sk-test", data_dir=tmp_path))
    with pytest.raises(NeedsAdminKey, match=r"create one at https://platform\.openai\.com"):
        await UsageBook(plain.context).fetch_org(Query(source="org"))
    refused = Services(
        Settings(
            base_url=usage_sim.base_url,
            api_key="sk-test",
            admin_key="sk-not-admin",
            data_dir=tmp_path,
        )
    )
    with pytest.raises(NeedsAdminKey, match="refused the key"):
        await UsageBook(refused.context).fetch_org(Query(source="org", days=7))
    admin = Services(
        Settings(
            base_url=usage_sim.base_url,
            api_key="sk-test",
            admin_key="sk-admin-x",
            data_dir=tmp_path,
            max_retries=0,
        )
    )
    usage_sim.state.faults.clear()

    def fail_next(partial: Any) -> None:
        usage_sim.state.faults.add(Fault("server_error"), times=5, route="usage")

    half = await UsageBook(admin.context).fetch_org(
        Query(source="org", metric="tokens", days=90, width="1d"), fail_next
    )
    usage_sim.state.faults.clear()
    assert not half.complete and half.problem and "page 2 failed" in half.problem
    assert len(half.starts) == 31  # the first page's buckets are kept
    for services in (plain, refused, admin):
        await services.aclose()


async def test_the_ledger_records_every_request_in_a_real_store(
    sim: SimServer, tmp_path: Path
) -> None:
    settings = settings_for(sim, data_dir=tmp_path)
    app = LoomApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await say(pilot, app, "count me")
        await say(pilot, app, "and me")
        services = app.services
        await services.ledger.flush()
        rows = await services.store.run("read", lambda r: r.ledger.rows(0, time.time() + 1))
        chats = [r for r in rows if r["endpoint"] == "/chat/completions"]
        assert len(chats) == 2 and all(r["model"] == "gpt-4o-mini" for r in chats)
        assert all(r["prompt_tokens"] and r["completion_tokens"] and r["cost"] for r in chats)
        conversation = app.screen.session.conversation_id
        assert chats[-1]["conversation_id"] == conversation and chats[-1]["ttft"] is not None
        assert any(r["endpoint"] == "/models" for r in rows)
        book = UsageBook(services.context)
        tokens = await book.from_ledger(
            Query(source="ledger", metric="tokens", days=0, width="1h", group="model")
        )
        assert tokens.totals()["gpt-4o-mini"] == sum(
            r["prompt_tokens"] + r["completion_tokens"] for r in chats
        )
        cost = await book.from_ledger(
            Query(source="ledger", metric="cost", days=0, width="1h", group=None)
        )
        assert cost.total() == pytest.approx(sum(r["cost"] for r in chats))


async def test_ledger_rows_wait_while_the_store_fails(sim: SimServer, tmp_path: Path) -> None:
    from tui.store.errors import StoreFailure

    services = Services(settings_for(sim, data_dir=tmp_path))
    client = await services.client()
    original = services.store.run
    failing = True

    async def run(what: str, job: Any) -> Any:
        if failing and "ledger" in what:
            raise StoreFailure(what, "the disk is full (simulated)")
        return await original(what, job)

    services.store.run = run  # type: ignore[method-assign]
    await client.models.list()
    await services.ledger.flush()
    assert services.ledger.problem and len(services.ledger.waiting) == 1
    failing = False
    await client.models.list()
    await services.ledger.flush()
    assert services.ledger.problem is None and services.ledger.written == 2
    await services.aclose()


async def test_copy_as_curl_works_and_never_holds_the_key(sim: SimServer, tmp_path: Path) -> None:
    import asyncio

    secret = "sk-test-fake-0001"
    async with OpenAIClient(base_url=sim.base_url, api_key=secret) as client:
        await client.models.list()
        record = client.request_log.last
    assert record is not None
    command = as_curl(record)
    assert secret not in command and "$OPENAI_API_KEY" in command
    done = await asyncio.to_thread(
        subprocess.run,
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
        env={**os.environ, "OPENAI_API_KEY": secret},
    )
    assert done.returncode == 0, done.stderr
    assert "gpt-4o-mini" in {m["id"] for m in json.loads(done.stdout)["data"]}
    python = as_python(record)
    assert secret not in python and "client.models.list()" in python
    compile(python, "replay.py", "exec")


async def test_the_usage_screen_shows_90_days_with_totals_matching_the_table(
    tmp_path: Path,
) -> None:
    settings = Settings.load({}, demo=True, data_dir=str(tmp_path), config=os.devnull)
    app = LoomApp(settings, mode="usage")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, UsageScreen)
        await until(
            lambda: screen.dataset is not None and screen.dataset.complete, "90 days", seconds=20
        )
        dataset = screen.dataset
        assert dataset is not None and len(dataset.starts) >= 90
        text = screen_text(app)
        assert "ORGANISATION" in text and "90 days" in text
        # At 80 columns the lines above and below the chart are whole.
        lines = text.splitlines()
        assert any(line.strip().endswith("by model (g)") for line in lines)
        assert any("←/→" in line and not line.rstrip().endswith("…") for line in lines)
        from tui.widgets.row_table import RowTable

        rows = screen.query_one(RowTable).rows
        assert rows[-1].key == "(total)"
        shown_total = rows[-1].cells[2].plain
        from tui.areas.usage.core.book import short

        assert shown_total == short(dataset.total(), "tokens")
        await pilot.press("left")  # the cursor says what the last bar holds
        assert ":" in screen.query_one("#usage-readout").render().plain  # type: ignore[union-attr]
        await pilot.press("m", "m", "m", "m")  # cost
        await until(
            lambda: (
                screen.want.metric == "cost"
                and screen.dataset is not None
                and screen.dataset.query.metric == "cost"
            ),
            "costs",
        )
        await pilot.press("e")
        await until(
            lambda: any("Wrote" in n.message for n in app._notifications), "the CSV written"
        )
        written = next(
            Path(n.message.split("Wrote ", 1)[1])
            for n in app._notifications
            if "Wrote" in n.message
        )
        lines = written.read_text().splitlines()
        assert lines[0].startswith("bucket_start,") and len(lines) > 10
        total = sum(float(line.rsplit(",", 1)[1]) for line in lines[1:])
        assert total == pytest.approx(screen.dataset.total(), rel=1e-4)  # type: ignore[union-attr]


async def test_without_an_admin_key_the_ledger_is_shown_and_the_org_says_why(
    sim: SimServer,
) -> None:
    app = LoomApp(settings_for(sim), mode="usage")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, UsageScreen)
        await until(lambda: screen.dataset is not None, "the ledger")
        assert "LOOM'S LEDGER" in screen_text(app)
        await pilot.press("o")
        await until(lambda: screen.problem is not None, "the words about the admin key")
        assert "need an admin key" in screen.problem  # type: ignore[operator]
        assert app.is_running


async def test_the_inspector_lists_requests_and_shows_one_in_full(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await say(pilot, app, "inspect this")
        await pilot.press("f8")
        await until(lambda: isinstance(app.screen, RequestsScreen), "the inspector")
        screen = app.screen
        await until(
            lambda: any(r.path == "/chat/completions" for r in screen.records), "the chat request"
        )
        assert "POST /chat/completions" in screen_text(app) and "100%" in screen_text(app)
        from tui.widgets.row_table import RowTable

        table = screen.query_one(RowTable)
        table.cursor = next(
            n for n, r in enumerate(screen.records) if r.path == "/chat/completions"
        )
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, RequestDetail), "the request in full")
        text = screen_text(app)
        assert "first token" in text and "rate limits" in text and "sk-test-fake-0001" not in text
        await pilot.press("c")
        await until(lambda: any("curl command" in n.message for n in app._notifications), "copied")


async def test_the_inspector_keeps_its_row_fits_80_columns_and_draws_gauges_wide(
    sim: SimServer,
) -> None:
    from tui.widgets.row_table import RowTable

    app = LoomApp(settings_for(sim), mode="requests")
    async with app.run_test(size=(80, 24)) as pilot:
        client = await app.services.client()
        for _ in range(3):
            await client.models.list()
        async with ChatResource(client).stream(
            ChatCompletionRequest.model_validate(
                {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}]}
            )
        ) as stream:
            async for _ in stream:
                pass
        screen = app.screen
        assert isinstance(screen, RequestsScreen)
        await until(lambda: len(screen.records) >= 4, "the requests listed")
        table = screen.query_one(RowTable)
        table.cursor = 2
        chosen = table.current.key if table.current is not None else None
        await client.models.list()  # a newer request is listed at the top
        await until(lambda: len(screen.records) >= 5, "the new request listed")
        await pilot.pause()
        assert table.current is not None and table.current.key == chosen
        text = screen_text(app)
        assert "⇣ POST /chat/completions" in text  # the stream's mark is never cut off
        assert "…" not in next(line for line in text.splitlines() if "time" in line)
    wide = LoomApp(settings_for(sim), mode="requests")
    async with wide.run_test(size=(120, 30)):
        client = await wide.services.client()
        await client.models.list()
        await until(lambda: "▰" in screen_text(wide), "gauges from 110 columns")


def test_loom_usage_prints_json_and_csv(usage_sim: SimServer, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OPENAI_BASE_URL": usage_sim.base_url,
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_ADMIN_KEY": "sk-admin-test",
        "LOOM_DATA_DIR": str(tmp_path),
    }

    def loom(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui", "usage", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    org = loom("--org", "--json", "--days", "7")
    assert org.returncode == 0, org.stderr
    body = json.loads(org.stdout)
    assert body["source"] == "org" and body["totals"] and len(body["buckets"]) >= 7
    csv = loom("--org", "--csv", "--days", "7", "--group", "project_id")
    assert csv.returncode == 0 and csv.stdout.startswith("bucket_start,project_id,part,tokens")
    ledger = loom("--json")
    assert ledger.returncode == 0 and json.loads(ledger.stdout)["source"] == "ledger"
    wrong = loom("--group", "line_item", "--json")
    assert wrong.returncode == 2 and "one of" in wrong.stderr
    no_admin = subprocess.run(
        [sys.executable, "-m", "tui", "usage", "--org", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={k: v for k, v in env.items() if k != "OPENAI_ADMIN_KEY"},
    )
    assert no_admin.returncode == 1 and "admin key" in no_admin.stderr
    assert "Traceback" not in no_admin.stderr + wrong.stderr


def test_every_grouping_is_added_up_once_even_beside_a_bucket_without_a_time() -> None:
    """Fetched usage is added up for every grouping at once, so switching grouping is a
    lookup — also when a hostile server sent a bucket no clock can show (it is left out,
    and the sums are still kept under the results as fetched)."""
    book = UsageBook(Services(Settings(base_url="http://127.0.0.1:9/v1", api_key="k")).context)
    result = {"input_tokens": 5, "output_tokens": 3, "model": "gpt-4o", "project_id": "p1"}
    fetched = [
        {"start_time": 1_780_000_000 + 3600 * n, "results": [dict(result)]} for n in range(3)
    ]
    fetched.append({"start_time": None, "results": [dict(result)]})
    by_model = Query(source="org", metric="tokens", days=1, width="1h", group="model")
    by_project = Query(source="org", metric="tokens", days=1, width="1h", group="project_id")
    first = book._sum(by_model, fetched, complete=True)
    assert first.unusable == 1 and sum(first.totals().values()) == 3 * 8
    kept = book._sums.get((id(fetched), len(fetched), by_project))
    assert kept is not None, "the other groupings were not kept under the fetched results"
    assert book._sum(by_project, fetched, complete=True) is kept
    assert list(kept.totals()) == ["p1"]
