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
