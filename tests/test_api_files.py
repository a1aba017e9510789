"""The API layer every endpoint copies, shown on files over real HTTP to the simulator:
multipart uploads with progress (again from the start on a retry), cursor pagination,
typed errors, and one request record per exchange."""

from __future__ import annotations

import itertools
from pathlib import Path

import httpx
import pytest

from tui.api.client import OpenAIClient
from tui.api.errors import MalformedResponseError, NotFoundError
from tui.api.schemas import CursorPage, FileObject
from tui.sim.faults import Fault
from tui.sim.server import SimServer

from .spec import component_validator


async def test_upload_with_progress_then_read_it_back(
    client: OpenAIClient, sim: SimServer, tmp_path: Path
) -> None:
    lines = "".join(
        f'{{"messages": [{{"role": "user", "content": "{n}"}}]}}\n' for n in range(9000)
    )
    path = tmp_path / "train.jsonl"
    path.write_text(lines)
    told: list[tuple[int, int]] = []
    made = await client.files.upload(
        "fine-tune", path=path, progress=lambda a, b: told.append((a, b))
    )
    assert made.filename == "train.jsonl" and made.bytes == path.stat().st_size
    assert made.purpose == "fine-tune" and made.id.startswith("file-sim")
    sent = [a for a, _ in told]
    assert sent == sorted(sent) and len(told) > 3 and told[-1][0] == told[-1][1]
    assert await client.files.content(made.id) == path.read_bytes()
    assert (await client.files.retrieve(made.id)).bytes == made.bytes


async def test_an_upload_retried_after_a_server_error_starts_again(
    client: OpenAIClient, sim: SimServer
) -> None:
    sim.state.faults.add(Fault("server_error"), route="files")
    told: list[int] = []
    made = await client.files.upload(
        "batch",
        data=b'{"custom_id": "1"}\n' * 100,
        filename="b.jsonl",
        progress=lambda a, b: told.append(a),
    )
    assert made.bytes == 1900
    restarts = sum(1 for before, after in itertools.pairwise(told) if after < before)
    assert restarts == 1, "the second attempt sent the body from its start"


async def test_lists_follow_after_and_has_more_to_the_end(
    client: OpenAIClient, sim: SimServer
) -> None:
    sim.state.files.clear()
    made = [
        await client.files.upload("user_data", data=f"{n}".encode(), filename=f"{n}.txt")
        for n in range(5)
    ]
    requests_before = len(client.request_log)
    listed = [f.id async for f in client.files.list(order="asc", page_size=2)]
    assert listed == [f.id for f in made]
    pages = [r for r in list(client.request_log)[requests_before:] if r.path == "/files"]
    assert len(pages) == 3, "five files, two a page"
    newest_first = [f.id async for f in client.files.list()]
    assert newest_first == listed[::-1]
    none = [f async for f in client.files.list(purpose="vision")]
    assert none == []


async def test_delete_then_not_found(client: OpenAIClient, sim: SimServer) -> None:
    made = await client.files.upload("user_data", data=b"x", filename="x.txt")
    gone = await client.files.delete(made.id)
    assert gone.deleted and gone.id == made.id
    with pytest.raises(NotFoundError):
        await client.files.retrieve(made.id)


async def test_a_reply_of_the_wrong_shape_names_the_endpoint_and_field(
    client: OpenAIClient,
) -> None:
    async def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": [{"no_id": 1}], "has_more": False})

    odd = OpenAIClient(base_url="http://odd.invalid/v1", transport=httpx.MockTransport(answer))
    with pytest.raises(MalformedResponseError, match=r"GET /files .*data\.0\.id"):
        [f async for f in odd.files.list()]
    await odd.aclose()


def test_unknown_fields_and_statuses_are_kept() -> None:
    page = CursorPage[FileObject].model_validate(
        {"data": [{"id": "file-1", "purpose": "future-purpose", "colour": "red"}], "has_more": True}
    )
    (item,) = page.data
    assert item.purpose == "future-purpose" and item.model_extra == {"colour": "red"}
    assert page.next_cursor() == "file-1"


def test_every_files_reply_matches_the_spec(sim: SimServer) -> None:
    headers = {"Authorization": "Bearer sk-test"}
    with httpx.Client(base_url=sim.base_url, headers=headers) as http:
        made = http.post(
            "/files", data={"purpose": "fine-tune"}, files={"file": ("s.jsonl", b"{}\n")}
        ).json()
        component_validator("OpenAIFile").validate(made)
        made = FileObject.model_validate(made)
        component_validator("OpenAIFile").validate(http.get(f"/files/{made.id}").json())
        component_validator("ListFilesResponse").validate(http.get("/files").json())
        deleted = http.delete(f"/files/{made.id}").json()
        component_validator("DeleteFileResponse").validate(deleted)


async def test_page_lists_follow_next_page_to_the_end() -> None:
    """The usage and costs endpoints page with `page` and `next_page` (no simulator route
    serves them yet: a transport answers as the spec says they do)."""
    from pydantic import BaseModel

    asked: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url.query, "ascii"))
        page = request.url.params.get("page")
        if page is None:
            return httpx.Response(200, json={"data": [1, 2], "has_more": True, "next_page": "p2"})
        if page == "p2":
            return httpx.Response(200, json={"data": [3], "has_more": True, "next_page": "p3"})
        return httpx.Response(200, json={"data": [4], "has_more": False, "next_page": None})

    class Page(BaseModel):
        data: list[int]
        has_more: bool
        next_page: str | None

    paged = OpenAIClient(base_url="http://usage.invalid/v1", transport=httpx.MockTransport(answer))
    pages = [
        page.data
        async for page in paged.pages(
            "/organization/costs", Page, params={"start_time": 1, "group_by": ["model", "project"]}
        )
    ]
    await paged.aclose()
    assert pages == [[1, 2], [3], [4]]
    assert asked[0] == "start_time=1&group_by=model&group_by=project"
    assert asked[1].endswith("page=p2") and asked[2].endswith("page=p3")
