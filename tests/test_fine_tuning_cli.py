"""`loom fine-tuning validate FILE` and `loom fine-tuning watch JOB_ID` from the shell, in a
subprocess against the simulator over loopback: the lines, and the exit statuses scripts
rely on."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.areas.fine_tuning.api.resource import FineTuningResource
from tui.areas.fine_tuning.sim.jobs import Timing
from tui.areas.fine_tuning.sim.routes import add_file, make_job, parse_job_request, training_jsonl
from tui.sim.app import SimConfig
from tui.sim.server import SimServer

from .conftest import loom


@pytest.fixture(scope="module")
def ft_server() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=13, timing={"fine_tuning": Timing(0.2, 0.2, 0.02)})) as server:
        yield server


def _job(sim: SimServer, examples: int) -> str:
    state = sim.state
    with state.fine_tuning.lock:
        file_id = add_file(state, "t.jsonl", training_jsonl(examples), created_at=0)
        request = parse_job_request({"model": "gpt-4o-mini", "training_file": file_id}, state)
        return make_job(state, request).id


def test_validate_says_what_the_file_holds_and_exits_by_its_verdict(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_bytes(training_jsonl(15))
    done = loom("fine-tuning", "validate", str(good))
    assert done.returncode == 0, done.stderr
    assert "15 examples" in done.stdout and "no problems found" in done.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text(training_jsonl(15).decode() + "{oops\n" + json.dumps({"messages": []}) + "\n")
    refused = loom("fine-tuning", "validate", str(bad))
    assert refused.returncode == 1
    assert "line 16: is not JSON" in refused.stdout and "line 17:" in refused.stdout
    dpo = loom("fine-tuning", "validate", str(good), "--method", "dpo")
    assert dpo.returncode == 1 and "input should be an object" in dpo.stdout
    missing = loom("fine-tuning", "validate", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    assert "Traceback" not in missing.stderr + refused.stderr


def test_validate_names_the_line_of_a_hostile_file_and_refuses_what_never_ends(
    tmp_path: Path,
) -> None:

    odd = tmp_path / "odd.jsonl"
    odd.write_text(
        "[" * 100_000 + "]" * 100_000 + "\n" + '{"n": ' + "9" * 5000 + "}\n", encoding="utf-8"
    )
    done = loom("fine-tuning", "validate", str(odd))
    assert done.returncode == 1, done.stderr
    assert "line 1: nests more than 200 levels deep" in done.stdout
    assert "line 2: cannot be read as JSON" in done.stdout
    assert "unexpected error" not in done.stderr and "Traceback" not in done.stderr
    pipe = tmp_path / "pipe.jsonl"
    os.mkfifo(pipe)
    for endless in ("/dev/zero", str(pipe)):
        refused = loom("fine-tuning", "validate", endless, timeout=20)
        assert refused.returncode == 2 and "not a regular file" in refused.stderr
    assert "2 the file cannot be read" in " ".join(loom("fine-tuning", "--help").stdout.split())


def test_validate_lists_every_problem_of_a_line_and_the_count_of_examples(
    tmp_path: Path,
) -> None:
    few = tmp_path / "few.jsonl"
    line = {"messages": [{"role": "robot", "content": "x"}, {"role": "user", "content": 5}]}
    few.write_text(training_jsonl(1).decode() + json.dumps(line) + "\n", encoding="utf-8")
    done = loom("fine-tuning", "validate", str(few))
    assert done.returncode == 1
    assert "the file: 1 usable example; the API needs at least 10" in done.stdout
    assert "line 2: messages[1] has role 'robot'" in done.stdout
    assert "line 2: messages[2] (user) has content of a shape" in done.stdout
    assert "3 problems:" in done.stdout and "1 example in 2 lines" in done.stdout


def test_watch_prints_each_event_once_and_exits_0_when_the_job_succeeds(
    ft_server: SimServer, tmp_path: Path
) -> None:
    job_id = _job(ft_server, 40)
    env = {
        "OPENAI_BASE_URL": ft_server.base_url,
        "OPENAI_API_KEY": "sk-test-fake-0001",
        "LOOM_DATA_DIR": str(tmp_path),
    }
    done = loom("fine-tuning", "watch", job_id, env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    statuses = [line for line in lines if line.startswith("status: ")]
    assert statuses[0] in ("status: … validating", "status: … queued", "status: ▶ running")
    assert statuses[-1].endswith("→ ✓ succeeded")
    assert lines[0].endswith(f"Created fine-tuning job: {job_id}")
    assert lines[-1].startswith("fine-tuned model: ft:gpt-4o-mini")
    events = [line for line in lines if "Step " in line]
    assert len(events) == len(set(events)) > 10
    assert "Traceback" not in done.stderr


def test_watch_exits_1_for_a_failed_job_and_4_for_an_unknown_one(
    ft_server: SimServer, tmp_path: Path
) -> None:
    env = {
        "OPENAI_BASE_URL": ft_server.base_url,
        "OPENAI_API_KEY": "sk-test-fake-0001",
        "LOOM_DATA_DIR": str(tmp_path),
    }
    failed = loom("fine-tuning", "watch", _job(ft_server, 3), env=env)
    assert failed.returncode == 1 and "✗ failed" in failed.stdout
    assert "validation failed" in failed.stdout
    unknown = loom("fine-tuning", "watch", "ftjob-nope", env=env)
    assert unknown.returncode == 4 and "404" in unknown.stderr
    usage = loom("fine-tuning", "watch", env=env)
    assert usage.returncode == 2


async def test_watch_in_demo_mode_follows_the_running_demo_apps_jobs(tmp_path: Path) -> None:
    import asyncio

    from tui.config import Settings
    from tui.core.services import Services

    env = {
        "LOOM_STATE_DIR": str(tmp_path / "state"),
        "LOOM_DATA_DIR": str(tmp_path / "data"),
        "LOOM_CONFIG": str(tmp_path / "none.toml"),
    }
    app_side = Services(Settings.load(env, demo=True))
    try:
        client = await app_side.client()  # the demo app's simulator, published
        state = app_side.sim.state  # type: ignore[union-attr]
        state.fine_tuning.timing = Timing(0.2, 0.2, 0.02)
        upload = await client.files.upload("fine-tune", data=training_jsonl(20), filename="t.jsonl")
        made = await FineTuningResource(client).create(
            {"model": "gpt-4o-mini", "training_file": upload.id}
        )
        done = await asyncio.to_thread(
            loom, "--demo", "fine-tuning", "watch", made.id, env=env, timeout=90
        )
        assert done.returncode == 0, done.stderr
        assert "status: … validating" in done.stdout or "status:" in done.stdout
        assert "succeeded" in done.stdout and "no `loom --demo` app" not in done.stderr
    finally:
        await app_side.aclose()
    alone = await asyncio.to_thread(
        loom, "--demo", "fine-tuning", "watch", made.id, env=env, timeout=60
    )
    assert alone.returncode == 4 and "no `loom --demo` app is running" in alone.stderr
