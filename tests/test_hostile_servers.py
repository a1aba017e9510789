"""What a hostile or broken server sends is data: it chooses no path, shows no secret, makes
no endless work and no crash. Each test fails on the code before its fix (issue 24)."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest

from tui.api.client import OpenAIClient
from tui.areas.fine_tuning.api.resource import FineTuningResource
from tui.areas.fine_tuning.api.schemas import FineTuningJob
from tui.areas.fine_tuning.core.results import save_result_files
from tui.areas.usage.api.resource import UsageResource
from tui.core.safe_files import UnsafePath, inside, slug, write_inside

from .hostile import Hostile, hostile  # noqa: F401  (the fixture)

TRAVERSAL = "../../../../../../tmp/x/pwn"


async def test_a_job_id_that_is_a_path_is_saved_inside_the_folder(
    hostile: Hostile,  # noqa: F811
    tmp_path: Path,
) -> None:
    outside = tmp_path / "x"
    hostile.json(
        "GET",
        "/files/file-r1",
        {"id": "file-r1", "filename": "../../../metrics.csv", "bytes": 10, "purpose": "x"},
    )

    async def content(request: object) -> object:
        from starlette.responses import Response

        return Response(base64.b64encode(b"step,train_loss\n1,0.5\n"))

    hostile.on("GET", "/files/file-r1/content", content)
    job = FineTuningJob(id=TRAVERSAL, status="succeeded", result_files=["file-r1"])
    folder = tmp_path / "data" / "downloads"
    async with OpenAIClient(base_url=hostile.base_url, api_key="sk-test-fake-0001") as client:
        saved = await save_result_files(client, job, folder)
    assert len(saved) == 1 and saved[0].parent == folder.resolve()
    assert saved[0].read_bytes() == b"step,train_loss\n1,0.5\n"
    assert ".." not in saved[0].name and "/" not in saved[0].name
    assert not outside.exists() and not await asyncio.to_thread(Path("/tmp/x/pwn").exists)


def test_names_become_slugs_and_nothing_is_written_outside(tmp_path: Path) -> None:
    assert slug(TRAVERSAL) == "tmp-x-pwn"
    assert slug("..") == "file" and slug("/etc/passwd") == "etc-passwd"
    assert slug(".hidden") == "hidden" and len(slug("a" * 1000)) <= 120
    folder = tmp_path / "out"
    folder.mkdir()
    for name in ("../evil", "/abs", "..", "", "a/b"):
        with pytest.raises(UnsafePath):
            inside(folder, name)
    (folder / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafePath):
        write_inside(folder, "link", b"x")
    assert not (tmp_path / "elsewhere").exists()
    written = write_inside(folder, "fine.csv", "a,b\n")
    assert written.read_text() == "a,b\n" and not list(folder.glob(".*.part"))


# --- B. a key a server echoes is masked wherever it is drawn ---------------------------------

ADMIN_KEY = "sk-admin-" + "Q7w" * 14
OTHER_KEY = "sk-proj-" + "Zx9" * 12
"""A key Loom was never told of (a proxy's), echoed by the server too."""


async def test_an_admin_key_echoed_by_a_403_is_masked_on_the_usage_screen(
    hostile: Hostile,  # noqa: F811
) -> None:
    from tui.app import LoomApp
    from tui.areas.usage.screens.usage import UsageScreen
    from tui.config import Settings

    from .conftest import screen_text, until

    async def refuse(request: object) -> object:
        from starlette.responses import JSONResponse

        said = request.headers.get("authorization", "")  # type: ignore[attr-defined]
        return JSONResponse(
            {
                "error": {
                    "message": f"Header {said} may not read usage (also {OTHER_KEY})",
                    "type": "invalid_request_error",
                }
            },
            status_code=403,
        )

    hostile.on("GET", "/organization/usage/completions", refuse)
    settings = Settings(
        base_url=hostile.base_url, api_key="sk-test-fake-0001", admin_key=ADMIN_KEY, max_retries=0
    )
    app = LoomApp(settings, mode="usage")
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, UsageScreen)
        await until(lambda: screen.problem is not None, "the refusal to be shown")
        await pilot.pause()
        text = screen_text(app)
        assert "may not read usage" in text or "refused the key" in text
        assert ADMIN_KEY not in text and ADMIN_KEY[9:30] not in text
        assert OTHER_KEY not in text and OTHER_KEY[8:30] not in text
        assert "sk-…Q7wQ" in text or "sk-…" in text


# --- C. a profile's own headers are secrets -------------------------------------------------

HELICONE = "Bearer pk-helicone-" + "h5k" * 10


async def test_a_profile_header_is_masked_in_the_record_the_inspector_and_curl(
    sim: object,
) -> None:
    from tui.api.client import OpenAIClient
    from tui.areas.requests.core.replay import as_curl, as_python
    from tui.areas.requests.screens.inspector import RequestDetail

    base = sim.base_url  # type: ignore[attr-defined]
    async with OpenAIClient(
        base_url=base,
        api_key="sk-test-fake-0001",
        headers={"Helicone-Auth": HELICONE, "X-Title": "Loom tests", "x-api-key": "kx" * 10},
    ) as client:
        await client.models.list()
        record = client.request_log.last
    assert record is not None and record.request_headers is not None
    shown = repr(record.request_headers)
    assert HELICONE[7:] not in shown and "kx" * 10 not in shown
    assert record.request_headers["x-title"] == "Loom tests"
    curl = as_curl(record)
    assert '-h "helicone-auth: $helicone_auth"' in curl.lower()
    assert '-H "x-api-key: $OPENAI_API_KEY"' in curl
    assert "h5kh5k" not in curl and "kxkx" not in curl and "Loom tests" in curl
    python = as_python(record)
    assert "os.environ['HELICONE_AUTH']" in python and "h5kh5k" not in python
    assert "h5kh5k" not in RequestDetail(record).text().plain


# --- D. no endless work from a server -----------------------------------------------------

JOB = {
    "id": "ftjob-endless",
    "object": "fine_tuning.job",
    "created_at": 1_764_000_000,
    "model": "gpt-4o-mini",
    "status": "running",
    "training_file": "file-t",
}


def _event(n: int) -> dict[str, object]:
    return {
        "id": f"ftevent-{n}",
        "object": "fine_tuning.job.event",
        "created_at": 1_764_000_000 + n,
        "level": "info",
        "message": f"Step {n}",
        "type": "message",
    }


def _page(data: list[dict[str, object]], has_more: bool = True) -> dict[str, object]:
    return {"object": "list", "data": data, "has_more": has_more}


async def _client(hostile: Hostile) -> OpenAIClient:  # noqa: F811
    from tui.api.client import RetryPolicy

    return OpenAIClient(
        base_url=hostile.base_url, api_key="sk-test-fake-0001", retry=RetryPolicy(max_retries=0)
    )


async def test_events_that_ignore_after_are_listed_once_and_stop(
    hostile: Hostile,  # noqa: F811
) -> None:
    from tui.areas.fine_tuning.core.follower import JobFollower

    hostile.json("GET", "/fine_tuning/jobs/ftjob-endless", JOB)
    hostile.json(
        "GET",
        "/fine_tuning/jobs/ftjob-endless/events",
        _page([_event(n) for n in range(100, 0, -1)]),
    )
    hostile.json("GET", "/fine_tuning/jobs/ftjob-endless/checkpoints", _page([], False))
    async with await _client(hostile) as client:

        async def source() -> FineTuningResource:
            return FineTuningResource(client)

        follower = JobFollower(source, "ftjob-endless")
        await follower.poll()
        for _ in range(50):
            if not await follower.fetch_older():
                break
        state = follower.state
        assert state.history_complete and state.note and "same events again" in state.note
        assert len(state.lines) == 100 == len({line.id for line in state.lines})
        assert hostile.hits["/fine_tuning/jobs/ftjob-endless/events"] <= 3
        # The next poll pages back for new events: the same page again must end too.
        hostile.json(
            "GET",
            "/fine_tuning/jobs/ftjob-endless/events",
            _page([_event(n) for n in range(300, 200, -1)]),
        )
        from tui.api.errors import PagingStopped

        with pytest.raises(PagingStopped, match="same page again"):
            await follower.poll()
        assert hostile.hits["/fine_tuning/jobs/ftjob-endless/events"] <= 6


async def test_endless_events_and_checkpoints_stop_at_a_bound(
    hostile: Hostile,  # noqa: F811
) -> None:
    from starlette.requests import Request

    from tui.areas.fine_tuning.core.follower import JobFollower

    async def events(request: Request) -> dict[str, object]:
        after = request.query_params.get("after")
        top = int(after.rsplit("-", 1)[1]) if after else 10**9
        return _page([_event(n) for n in range(top - 1, top - 101, -1)])

    async def checkpoints(request: Request) -> dict[str, object]:
        after = request.query_params.get("after")
        top = int(after.rsplit("-", 1)[1]) if after else 10**9
        return _page(
            [
                {
                    "id": f"ftckpt-{n}",
                    "object": "fine_tuning.job.checkpoint",
                    "created_at": 1,
                    "fine_tuned_model_checkpoint": f"ft:x:ckpt-step-{n}",
                    "step_number": n,
                    "metrics": {},
                    "fine_tuning_job_id": "ftjob-endless",
                }
                for n in range(top - 1, top - 101, -1)
            ]
        )

    hostile.json("GET", "/fine_tuning/jobs/ftjob-endless", JOB)
    hostile.on("GET", "/fine_tuning/jobs/ftjob-endless/events", events)
    hostile.on("GET", "/fine_tuning/jobs/ftjob-endless/checkpoints", checkpoints)
    async with await _client(hostile) as client:

        async def source() -> FineTuningResource:
            return FineTuningResource(client)

        follower = JobFollower(source, "ftjob-endless", history_pages=20)
        await follower.poll()
        assert len(follower.state.checkpoints) == 1000  # ten pages, then stopped
        assert follower.state.note and "still said there was more" in follower.state.note
        while await follower.fetch_older():
            pass
        assert hostile.hits["/fine_tuning/jobs/ftjob-endless/events"] == 21
        assert hostile.hits["/fine_tuning/jobs/ftjob-endless/checkpoints"] == 10
        assert follower.state.note and "stopped fetching the history" in follower.state.note


async def test_an_endless_job_list_stops_and_usage_pages_that_repeat_end(
    hostile: Hostile,  # noqa: F811
) -> None:
    from starlette.requests import Request

    from tui.api.errors import PagingStopped

    async def jobs(request: Request) -> dict[str, object]:
        after = request.query_params.get("after")
        top = int(after.rsplit("-", 1)[1]) if after else 10**9
        return _page([{**JOB, "id": f"ftjob-{n}"} for n in range(top - 1, top - 101, -1)])

    hostile.on("GET", "/fine_tuning/jobs", jobs)
    hostile.json(
        "GET",
        "/organization/costs",
        {"object": "page", "data": [], "has_more": True, "next_page": "page_again"},
    )
    async with await _client(hostile) as client:
        seen: list[str] = []
        with pytest.raises(PagingStopped, match="after 5 pages"):
            async for job in FineTuningResource(client).list(max_pages=5):
                seen.append(job.id)
        assert len(seen) == 500 and hostile.hits["/fine_tuning/jobs"] == 5
        pages = 0
        with pytest.raises(PagingStopped, match="same next_page"):
            async for _ in UsageResource(client).costs(start_time=0):
                pages += 1
        assert pages == 2 and hostile.hits["/organization/costs"] == 2


async def test_the_cockpit_shows_an_endless_job_list_as_far_as_it_came(
    hostile: Hostile,  # noqa: F811
) -> None:
    from starlette.requests import Request
    from textual.widgets import DataTable

    from tui.app import LoomApp
    from tui.areas.fine_tuning.core.service import JOB_PAGES, LIST_PAGE
    from tui.config import Settings

    from .conftest import screen_text, until

    async def jobs(request: Request) -> dict[str, object]:
        after = request.query_params.get("after")
        top = int(after.rsplit("-", 1)[1]) if after else 10**9
        return _page([{**JOB, "id": f"ftjob-{n}"} for n in range(top - 1, top - 101, -1)])

    hostile.on("GET", "/fine_tuning/jobs", jobs)
    newest = "/fine_tuning/jobs/ftjob-999999999"
    hostile.json("GET", newest, {**JOB, "id": "ftjob-999999999"})
    hostile.json("GET", newest + "/events", _page([], False))
    hostile.json("GET", newest + "/checkpoints", _page([], False))
    settings = Settings(base_url=hostile.base_url, api_key="sk-test-fake-0001", max_retries=0)
    app = LoomApp(settings, mode="fine-tuning")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await until(lambda: bool(getattr(screen, "problem", None)), "the list to stop", 60)
        table = screen.query_one("#jobs", DataTable)
        assert table.row_count == JOB_PAGES * LIST_PAGE
        assert hostile.hits["/fine_tuning/jobs"] == JOB_PAGES
        await pilot.pause()
        assert "showing the 5,000 jobs that came" in screen_text(app)


# --- 1, 2c. outsized numbers in headers and usage: every request still works and is kept -----

HUGE_HEADERS = {
    "x-ratelimit-limit-requests": "1e400",
    "x-ratelimit-remaining-requests": "-inf",
    "x-ratelimit-limit-tokens": "inf",
    "x-ratelimit-remaining-tokens": "-5",
    "x-ratelimit-reset-requests": "1e400s",
    "retry-after-ms": "1e400",
}


def _stream_answer(text: str, prompt_tokens: int) -> bytes:
    import json

    chunks = [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": text}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {
            "choices": [],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": 10**30,
                "total_tokens": 10**31,
                "prompt_tokens_details": {"cached_tokens": 10**29},
            },
        },
    ]
    body = ""
    for n, chunk in enumerate(chunks):
        full = {
            "id": f"chatcmpl-{n}",
            "object": "chat.completion.chunk",
            "created": 10**17,
            "model": "gpt-4o-mini",
            **chunk,
        }
        body += f"data: {json.dumps(full)}\n\n"
    return (body + "data: [DONE]\n\n").encode()


async def test_outsized_headers_and_usage_lose_no_reply_and_no_ledger_row(
    hostile: Hostile,  # noqa: F811
) -> None:
    from starlette.requests import Request
    from starlette.responses import Response

    from tui.app import LoomApp
    from tui.areas.chat.widgets.messages import ReplyView
    from tui.config import Settings
    from tui.store.conversations import open_conversations

    from .conftest import say, screen_text

    asked = []

    async def chat(request: Request) -> Response:
        asked.append(1)
        body = _stream_answer(f"Answer number {len(asked)}.", 10**30)
        return Response(body, media_type="text/event-stream", headers=HUGE_HEADERS)

    hostile.on("POST", "/chat/completions", chat)
    hostile.json("GET", "/models", {"object": "list", "data": []}, **HUGE_HEADERS)
    settings = Settings(base_url=hostile.base_url, api_key="sk-test-fake-0001", max_retries=0)
    app = LoomApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        for n in (1, 2, 3):
            await say(pilot, app, f"question {n}")
        assert "Answer number 3." in screen_text(app)
        assert "went wrong" not in screen_text(app)
        replies = list(app.screen.query(ReplyView))
        assert len(replies) == 3
        await app.services.ledger.flush()
        records = [r for r in app.services.requests if r.path == "/chat/completions"]
        assert len(records) == 3
        limit = records[-1].rate_limit
        assert limit is not None and limit.limit_requests is None
        assert {name for name, _ in limit.unusable} >= {
            "x-ratelimit-limit-requests",
            "x-ratelimit-remaining-requests",
            "x-ratelimit-limit-tokens",
            "x-ratelimit-remaining-tokens",
        }
        rows = await app.services.store.run("test", lambda r: r.ledger.rows(0, 10**10))
        assert len([row for row in rows if row["endpoint"] == "/chat/completions"]) == 3
        from tui.areas.requests.screens.inspector import RequestDetail

        detail = RequestDetail(records[-1]).text().plain
        assert "'1e400' is not a usable number" in detail
    store = open_conversations(settings.store_dir)
    [row] = store.overview()
    conversation = row.conversation
    saved = [m for m in store.messages(conversation.id) if m.role == "assistant"]
    assert [m.content for m in saved] == [f"Answer number {n}." for n in (1, 2, 3)]


# --- 2b. dates in the year three million ----------------------------------------------------

FAR = 10**17


def _far_job(status: str = "running", **extra: object) -> dict[str, object]:
    return {**JOB, "created_at": FAR, "estimated_finish": FAR, "status": status, **extra}


def _far_event(n: int) -> dict[str, object]:
    return {**_event(n), "created_at": FAR + n, "type": "metrics", "data": {"step": 1e400}}


async def test_far_future_dates_list_jobs_events_and_models(
    hostile: Hostile,  # noqa: F811
) -> None:
    from textual.widgets import DataTable

    from tui.app import LoomApp
    from tui.areas.fine_tuning.screens.event_log import EventLog
    from tui.config import Settings

    from .conftest import screen_text, until

    hostile.json("GET", "/fine_tuning/jobs", _page([_far_job()], False))
    hostile.json("GET", "/fine_tuning/jobs/ftjob-endless", _far_job())
    hostile.json(
        "GET",
        "/fine_tuning/jobs/ftjob-endless/events",
        _page([_far_event(2), _far_event(1)], False),
    )
    hostile.json("GET", "/fine_tuning/jobs/ftjob-endless/checkpoints", _page([], False))
    hostile.json(
        "GET",
        "/models",
        {"object": "list", "data": [{"id": "far-model", "created": FAR, "owned_by": "x"}]},
    )
    settings = Settings(base_url=hostile.base_url, api_key="sk-test-fake-0001", max_retries=0)
    app = LoomApp(settings, mode="fine-tuning")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        table = screen.query_one("#jobs", DataTable)
        await until(lambda: table.row_count == 1, "the far-future job to be listed")
        await pilot.press("2")
        log = screen.query_one(EventLog)
        await until(lambda: "Step 2" in screen_text(app), "the events to be shown")
        assert log.is_mounted
        await app.go_to("models")
        await until(lambda: "far-model" in screen_text(app), "the model to be listed")
        assert "asking the server" not in screen_text(app)


def test_far_future_events_are_printed_by_watch(hostile: Hostile) -> None:  # noqa: F811
    import os
    import subprocess
    import sys

    hostile.json("GET", "/fine_tuning/jobs/ftjob-endless", _far_job("succeeded"))
    hostile.json(
        "GET",
        "/fine_tuning/jobs/ftjob-endless/events",
        _page([_far_event(2), _far_event(1)], False),
    )
    hostile.json("GET", "/fine_tuning/jobs/ftjob-endless/checkpoints", _page([], False))
    done = subprocess.run(
        [sys.executable, "-m", "tui", "fine-tuning", "watch", "ftjob-endless"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "OPENAI_BASE_URL": hostile.base_url,
            "OPENAI_API_KEY": "sk-test-fake-0001",
        },
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "–  Step 1" in done.stdout and "–  Step 2" in done.stdout
    assert "status: ✓ succeeded" in done.stdout and "Traceback" not in done.stderr


async def test_outsized_usage_figures_chart_and_print_as_json(
    hostile: Hostile,  # noqa: F811
) -> None:
    import json
    import time

    from starlette.requests import Request

    from tui.areas.usage.core.book import Query, UsageBook
    from tui.areas.usage.core.export import to_csv, to_json
    from tui.widgets.bar_chart import BarChart, Stack

    now = int(time.time()) // 86400 * 86400

    async def usage(request: Request) -> dict[str, object]:
        results = [
            {"model": "a", "input_tokens": 1e308, "output_tokens": 1e308},
            {"model": "a", "input_tokens": 1e308, "output_tokens": "1e400"},
            {"model": "b", "input_tokens": 1e9, "output_tokens": 10},
            {"model": "b", "input_tokens": -1e9, "output_tokens": 10},
            {"model": "c", "input_tokens": 720, "output_tokens": 0},
        ]
        return {
            "object": "page",
            "data": [
                {"start_time": now, "end_time": now + 86400, "results": results},
                {"start_time": FAR, "end_time": FAR, "results": results},
            ],
            "has_more": False,
            "next_page": None,
        }

    hostile.on("GET", "/organization/usage/completions", usage)
    from tui.config import Settings
    from tui.core.services import Services

    services = Services(
        Settings(base_url=hostile.base_url, api_key="sk-test-fake-0001", admin_key="sk-admin-x" * 3)
    )
    try:
        dataset = await UsageBook(services.context).fetch_org(
            Query(source="org", metric="tokens", days=1, width="1d", group="model")
        )
    finally:
        await services.aclose()
    assert dataset.unusable == 4  # three results with endless or negative figures, a bucket
    body = json.loads(to_json(dataset))  # strict JSON: no Infinity, no NaN
    assert body["totals"] == {"b": 1_000_000_010, "c": 720}
    assert "720.0" not in to_csv(dataset) and ",720\r\n" in to_csv(dataset)
    from textual.app import App, ComposeResult

    chart = BarChart()

    class OneChart(App[None]):
        def compose(self) -> ComposeResult:
            yield chart

    async with OneChart().run_test(size=(40, 12)) as pilot:
        chart.show([0, 1], [Stack("x", [1e9, -1e9]), Stack("y", [float("inf"), 5.0])])
        await pilot.pause()
        assert chart._column_values() == [[1e9, 0.0], [0.0, 5.0]]
        assert "█" in str(chart.render()) or "▇" in str(chart.render())


# --- 2f. costs in the currency the server names --------------------------------------------


async def test_costs_in_euros_are_shown_and_written_in_euros(
    hostile: Hostile,  # noqa: F811
) -> None:
    import csv
    import io
    import json
    import time

    from tui.areas.usage.core.book import Query, UsageBook, money
    from tui.areas.usage.core.export import to_csv, to_json
    from tui.config import Settings
    from tui.core.services import Services

    now = int(time.time()) // 86400 * 86400
    hostile.json(
        "GET",
        "/organization/costs",
        {
            "object": "page",
            "data": [
                {
                    "start_time": now,
                    "end_time": now + 86400,
                    "results": [
                        {"line_item": "gpt-4o, input", "amount": {"value": 42.5, "currency": "eur"}}
                    ],
                }
            ],
            "has_more": False,
        },
    )
    services = Services(
        Settings(base_url=hostile.base_url, api_key="sk-test-fake-0001", admin_key="sk-admin-x" * 3)
    )
    try:
        dataset = await UsageBook(services.context).fetch_org(
            Query(source="org", metric="cost", days=1, width="1d", group="line_item")
        )
    finally:
        await services.aclose()
    assert dataset.currency == "eur"
    assert money(42.5, dataset.currency) == "€42.50" and money(3, "chf") == "3.00 CHF"
    assert money(0.0012) == "$0.0012"  # never $0.00 beside a share
    rows = list(csv.reader(io.StringIO(to_csv(dataset))))
    assert rows[1][2] == "eur" and "dollars" not in to_csv(dataset)
    assert json.loads(to_json(dataset))["currency"] == "eur"
