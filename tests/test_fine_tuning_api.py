"""The fine-tuning and uploads API layer against the simulator, over loopback: jobs on the
simulator's accelerated clock, events paged newest first, checkpoints, permissions, uploads
in parts that resume after a failure, and a server without the API said as such."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tui.api.client import OpenAIClient, RetryPolicy
from tui.api.errors import BadRequestError, NotFoundError, PermissionDeniedError, ServerError
from tui.api.uploads import LargeUpload
from tui.areas.chat.api.resource import ChatResource
from tui.areas.fine_tuning.api.resource import FineTuningResource
from tui.areas.fine_tuning.sim.jobs import Timing
from tui.areas.fine_tuning.sim.routes import training_jsonl
from tui.config import Settings
from tui.core.advice import explain_call
from tui.sim.app import SimConfig
from tui.sim.faults import Fault
from tui.sim.server import SimServer

from .conftest import until

FAST = Timing(validating=0.15, queued=0.15, step=0.01)


@pytest.fixture(scope="module")
def ft_server() -> Iterator[SimServer]:
    """A simulator whose jobs train in about a second."""
    with SimServer(SimConfig(seed=3, timing={"fine_tuning": FAST})) as server:
        yield server


@pytest.fixture
async def ft(ft_server: SimServer) -> AsyncIterator[OpenAIClient]:
    ft_server.state.faults.clear()
    async with OpenAIClient(
        base_url=ft_server.base_url,
        api_key="sk-test-fake-0001",
        retry=RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.02),
        read_timeout=10,
    ) as c:
        yield c
    ft_server.state.faults.clear()


async def _job(client: OpenAIClient, examples: int = 40, **extra: object) -> str:
    train = await client.files.upload(
        "fine-tune", data=training_jsonl(examples), filename="t.jsonl"
    )
    valid = await client.files.upload("fine-tune", data=training_jsonl(12), filename="v.jsonl")
    body = {"model": "gpt-4o-mini", "training_file": train.id, "validation_file": valid.id}
    job = await FineTuningResource(client).create({**body, **extra})
    assert job.status == "validating_files"
    return job.id


async def _finished(client: OpenAIClient, job_id: str) -> None:
    async def done() -> bool:
        return (await FineTuningResource(client).retrieve(job_id)).finished

    for _ in range(300):
        if await done():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish within 6 s")


async def test_a_job_goes_through_its_life_and_makes_a_chattable_model(ft: OpenAIClient) -> None:
    job_id = await _job(ft, suffix="weaver", metadata={"team": "docs"})
    seen = set()
    for _ in range(300):
        job = await FineTuningResource(ft).retrieve(job_id)
        seen.add(job.status)
        if job.finished:
            break
        await asyncio.sleep(0.01)
    assert job.status == "succeeded", job
    assert {"validating_files", "queued", "running", "succeeded"} <= seen | {"validating_files"}
    assert job.fine_tuned_model and ":weaver:" in job.fine_tuned_model
    assert job.trained_tokens and job.result_files and job.user_provided_suffix == "weaver"
    models = {m.id for m in await ft.models.list()}
    assert job.fine_tuned_model in models
    checkpoints = [c async for c in FineTuningResource(ft).checkpoints(job_id)]
    assert [c.step_number for c in checkpoints] == sorted(
        (c.step_number for c in checkpoints), reverse=True
    )
    assert all(c.fine_tuned_model_checkpoint in models for c in checkpoints)
    from tui.areas.chat.api.schemas import ChatCompletionRequest, ChatMessage

    reply = await ChatResource(ft).create(
        ChatCompletionRequest(
            model=job.fine_tuned_model, messages=[ChatMessage(role="user", content="hi")]
        )
    )
    assert reply.choices[0].message.content
    from tui.areas.fine_tuning.core.results import metrics_table

    rows = await metrics_table(ft, job.result_files[0])
    assert rows[0][:2] == ["step", "train_loss"] and len(rows) > 10


async def test_events_page_newest_first_and_new_ones_stop_at_the_last_known(
    ft: OpenAIClient,
) -> None:
    job_id = await _job(ft)
    await _finished(ft, job_id)
    every = [e async for e in FineTuningResource(ft).events(job_id, page_size=7)]
    assert len(every) > 40 and len({e.id for e in every}) == len(every)
    assert [e.created_at for e in every] == sorted((e.created_at for e in every), reverse=True)
    requests = len(ft.request_log)
    newer, older_left = await FineTuningResource(ft).new_events(job_id, every[5].id, limit=3)
    assert [e.id for e in newer] == [e.id for e in every[:5]] and not older_left
    assert len(ft.request_log) - requests == 2  # pages of 3 until the known one: not all
    first, more = await FineTuningResource(ft).new_events(job_id, None, limit=10)
    assert len(first) == 10 and more


async def test_metadata_filters_the_list(ft: OpenAIClient) -> None:
    marked = await _job(ft, metadata={"run": "filter-me"})
    await _job(ft, metadata={"run": "other"})
    found = [j.id async for j in FineTuningResource(ft).list(metadata={"run": "filter-me"})]
    assert found == [marked]


async def test_pause_resume_and_cancel_follow_the_rules(ft: OpenAIClient) -> None:
    slow = await ft.files.upload("fine-tune", data=training_jsonl(400), filename="big.jsonl")
    job = await FineTuningResource(ft).create(
        {"model": "gpt-4o-mini", "training_file": slow.id, "method": {"type": "supervised"}}
    )
    with pytest.raises(BadRequestError, match="Only a running job"):
        await FineTuningResource(ft).pause(job.id)
    for _ in range(200):
        if (await FineTuningResource(ft).retrieve(job.id)).status == "running":
            break
        await asyncio.sleep(0.01)
    paused = await FineTuningResource(ft).pause(job.id)
    assert paused.status == "paused"
    step = len([e async for e in FineTuningResource(ft).events(job.id)])
    await asyncio.sleep(0.1)
    assert (
        len([e async for e in FineTuningResource(ft).events(job.id)]) == step
    )  # the clock stopped
    assert (await FineTuningResource(ft).resume(job.id)).status == "running"
    assert (await FineTuningResource(ft).cancel(job.id)).status == "cancelled"
    with pytest.raises(BadRequestError, match="cannot be cancelled"):
        await FineTuningResource(ft).cancel(job.id)


async def test_a_bad_training_file_fails_the_job_with_the_apis_error(ft: OpenAIClient) -> None:
    job_id = await _job(ft, examples=3)
    await _finished(ft, job_id)
    job = await FineTuningResource(ft).retrieve(job_id)
    assert job.status == "failed" and job.error is not None
    assert job.error.code == "invalid_training_file" and "at least 10" in (job.error.message or "")


async def test_requests_the_api_refuses(ft: OpenAIClient) -> None:
    train = await ft.files.upload("batch", data=training_jsonl(20), filename="x.jsonl")
    with pytest.raises(BadRequestError) as wrong_purpose:
        await FineTuningResource(ft).create({"model": "gpt-4o-mini", "training_file": train.id})
    assert wrong_purpose.value.param == "training_file"
    good = await ft.files.upload("fine-tune", data=training_jsonl(20), filename="y.jsonl")
    for body, param in (
        ({"model": "text-embedding-3-small"}, "model"),
        (
            {"method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 51}}}},
            "method.supervised.hyperparameters.n_epochs",
        ),
        ({"method": {"type": "reinforcement"}}, "method.reinforcement.grader"),
        ({"seed": -1}, "seed"),
        ({"suffix": "x" * 65}, "suffix"),
    ):
        with pytest.raises(BadRequestError) as refused:
            await FineTuningResource(ft).create(
                {"model": "gpt-4o-mini", "training_file": good.id, **body}
            )
        assert refused.value.param == param
    with pytest.raises(NotFoundError):
        await FineTuningResource(ft).retrieve("ftjob-nope")


async def test_checkpoint_permissions_need_an_admin_key(
    ft: OpenAIClient, ft_server: SimServer
) -> None:
    job_id = await _job(ft)
    await _finished(ft, job_id)
    checkpoints = [c async for c in FineTuningResource(ft).checkpoints(job_id)]
    checkpoint = checkpoints[0]
    model = checkpoint.fine_tuned_model_checkpoint
    with pytest.raises(PermissionDeniedError):
        [p async for p in FineTuningResource(ft).permissions(model)]
    async with OpenAIClient(base_url=ft_server.base_url, api_key="sk-admin-test-0001") as admin:
        made = await FineTuningResource(admin).grant(model, ["proj_a", "proj_b"])
        assert [p.project_id for p in made] == ["proj_a", "proj_b"]
        listed = [p async for p in FineTuningResource(admin).permissions(model)]
        assert {p.id for p in listed} == {p.id for p in made}
        gone = await FineTuningResource(admin).revoke(model, made[0].id)
        assert gone.deleted
        assert len([p async for p in FineTuningResource(admin).permissions(model)]) == 1


async def test_a_large_upload_goes_in_parts_and_resumes_after_a_failure(
    ft: OpenAIClient, ft_server: SimServer, tmp_path: Path
) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(training_jsonl(700))
    upload = LargeUpload(path, "fine-tune", part_size=40_000)
    assert upload.part_count == -(-path.stat().st_size // 40_000) >= 4
    told: list[tuple[int, int]] = []
    # The third part fails, its retry too: the first two stay on the server.
    original = ft.uploads.add_part
    calls = 0

    async def failing_third(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 3:
            ft_server.state.faults.add(Fault("server_error"), times=2, route="uploads")
        return await original(*args, **kwargs)  # type: ignore[arg-type]

    ft.uploads.add_part = failing_third  # type: ignore[method-assign]
    with pytest.raises(ServerError):
        await upload.send(ft, lambda sent, total: told.append((sent, total)))
    assert upload.resumable and len(upload.parts) == 2
    sent_before = told[-1][0]
    made = await upload.send(ft, lambda sent, total: told.append((sent, total)))
    assert len(upload.parts) == upload.part_count
    assert calls == upload.part_count + 1  # the two parts sent were not sent again
    assert told[-1] == (path.stat().st_size, path.stat().st_size) and sent_before < told[-1][0]
    assert await ft.files.content(made.id) == path.read_bytes()
    assert made.purpose == "fine-tune"


async def test_a_server_without_fine_tuning_is_named_as_such(ft_server: SimServer) -> None:
    async with OpenAIClient(base_url=ft_server.base_url + "/nothing-here", api_key="k") as c:
        with pytest.raises(NotFoundError) as missing:
            [j async for j in FineTuningResource(c).list()]
    advice = explain_call(
        missing.value,
        Settings(base_url="http://ollama:11434/v1"),
        doing="listing",
        area="fine-tuning",
    )
    assert advice.headline.startswith("This server has no fine-tuning API (404")


def test_the_simulators_job_objects_match_the_spec(ft_server: SimServer) -> None:
    from .spec import component_validator

    auth = {"Authorization": "Bearer sk-test"}
    base = ft_server.base_url
    file_id = httpx.post(
        base + "/files",
        headers=auth,
        data={"purpose": "fine-tune"},
        files={"file": ("t.jsonl", training_jsonl(20))},
    ).json()["id"]
    job = httpx.post(
        base + "/fine_tuning/jobs",
        headers=auth,
        json={"model": "gpt-4o-mini", "training_file": file_id},
    ).json()
    job_id = job["id"]
    component_validator("FineTuningJob").validate(job)

    async def wait() -> None:
        await until(
            lambda: (
                httpx.get(f"{base}/fine_tuning/jobs/{job_id}", headers=auth).json()["status"]
                == "succeeded"
            ),
            "the job to succeed",
        )

    asyncio.run(wait())
    for path, name in (
        (f"/fine_tuning/jobs/{job_id}", "FineTuningJob"),
        ("/fine_tuning/jobs", "ListPaginatedFineTuningJobsResponse"),
        (f"/fine_tuning/jobs/{job_id}/events?limit=50", "ListFineTuningJobEventsResponse"),
        (f"/fine_tuning/jobs/{job_id}/checkpoints", "ListFineTuningJobCheckpointsResponse"),
    ):
        response = httpx.get(base + path, headers=auth)
        assert response.status_code == 200, response.text
        errors = sorted(component_validator(name).iter_errors(response.json()), key=str)
        assert not errors, f"{path}: {errors[0].message}"
    upload = httpx.post(
        base + "/uploads",
        headers=auth,
        json={"filename": "a.jsonl", "purpose": "fine-tune", "bytes": 3, "mime_type": "text/jsonl"},
    ).json()
    component_validator("Upload").validate(upload)
    part = httpx.post(
        f"{base}/uploads/{upload['id']}/parts", headers=auth, files={"data": ("a", b"abc")}
    ).json()
    component_validator("UploadPart").validate(part)
    done = httpx.post(
        f"{base}/uploads/{upload['id']}/complete", headers=auth, json={"part_ids": [part["id"]]}
    ).json()
    component_validator("Upload").validate(done)
    assert done["status"] == "completed" and done["file"]["bytes"] == 3
