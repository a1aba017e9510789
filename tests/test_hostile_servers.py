"""What a hostile or broken server sends is data: it chooses no path, shows no secret, makes
no endless work and no crash. Each test fails on the code before its fix (issue 24)."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest

from tui.api.client import OpenAIClient
from tui.api.schemas import FineTuningJob
from tui.core.results import save_result_files
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
    from tui.config import Settings
    from tui.screens.usage import UsageScreen

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
    from tui.core.replay import as_curl, as_python
    from tui.screens.requests import RequestDetail

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
    from tui.core.fine_tuning import JobFollower

    hostile.json("GET", "/fine_tuning/jobs/ftjob-endless", JOB)
    hostile.json(
        "GET",
        "/fine_tuning/jobs/ftjob-endless/events",
        _page([_event(n) for n in range(100, 0, -1)]),
    )
    hostile.json("GET", "/fine_tuning/jobs/ftjob-endless/checkpoints", _page([], False))
    async with await _client(hostile) as client:

        async def source() -> OpenAIClient:
            return client

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

    from tui.core.fine_tuning import JobFollower

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

        async def source() -> OpenAIClient:
            return client

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
            async for job in client.fine_tuning.list(max_pages=5):
                seen.append(job.id)
        assert len(seen) == 500 and hostile.hits["/fine_tuning/jobs"] == 5
        pages = 0
        with pytest.raises(PagingStopped, match="same next_page"):
            async for _ in client.usage.costs(start_time=0):
                pages += 1
        assert pages == 2 and hostile.hits["/organization/costs"] == 2


async def test_the_cockpit_shows_an_endless_job_list_as_far_as_it_came(
    hostile: Hostile,  # noqa: F811
) -> None:
    from starlette.requests import Request
    from textual.widgets import DataTable

    from tui.app import LoomApp
    from tui.config import Settings
    from tui.screens.fine_tuning.screen import JOB_PAGES, LIST_PAGE

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
        await until(lambda: bool(getattr(screen, "problem", None)), "the list to stop", 30)
        table = screen.query_one("#jobs", DataTable)
        assert table.row_count == JOB_PAGES * LIST_PAGE
        assert hostile.hits["/fine_tuning/jobs"] == JOB_PAGES
        await pilot.pause()
        assert "showing the 5,000 jobs that came" in screen_text(app)
