"""Following jobs without Textual: a follower against the simulator (status changes,
no duplicated events, history fetched backwards, reconnecting), the watched jobs kept in a
real store, the polling policy, series for charts, the training-file check and the create
form's ranges."""

from __future__ import annotations

import json
import math
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.api.client import OpenAIClient, RetryPolicy
from tui.api.errors import RateLimitInfo
from tui.areas.fine_tuning.api.resource import FineTuningResource
from tui.areas.fine_tuning.core.follower import JobFollower, JobState, JobUpdate
from tui.areas.fine_tuning.core.job_request import JobForm, build
from tui.areas.fine_tuning.core.training_data import check_file, training_cost
from tui.areas.fine_tuning.sim.jobs import Timing
from tui.areas.fine_tuning.sim.routes import training_jsonl
from tui.config import Settings
from tui.core.polling import PollPolicy, reset_seconds
from tui.core.series import Series, Smoother
from tui.core.services import Services
from tui.core.supervisor import Supervisor
from tui.core.watcher import Outcome, Watch, Watcher
from tui.sim.app import SimConfig
from tui.sim.faults import Fault
from tui.sim.server import SimServer

QUICK = PollPolicy(active=0.02, waiting=0.02, idle=0.02, max_backoff=0.1)


@pytest.fixture(scope="module")
def ft_server() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=5, timing={"fine_tuning": Timing(0.1, 0.1, 0.01)})) as server:
        yield server


@pytest.fixture
async def ft(ft_server: SimServer) -> AsyncIterator[OpenAIClient]:
    ft_server.state.faults.clear()
    async with OpenAIClient(
        base_url=ft_server.base_url,
        api_key="sk-test-fake-0001",
        retry=RetryPolicy(max_retries=0),
        read_timeout=10,
    ) as c:
        yield c
    ft_server.state.faults.clear()


async def _job(client: OpenAIClient, examples: int = 60) -> str:
    train = await client.files.upload(
        "fine-tune", data=training_jsonl(examples), filename="t.jsonl"
    )
    valid = await client.files.upload("fine-tune", data=training_jsonl(12), filename="v.jsonl")
    job = await FineTuningResource(client).create(
        {"model": "gpt-4o-mini", "training_file": train.id, "validation_file": valid.id}
    )
    return job.id


class _Following:
    """A job's follower under the shared watcher, shown (fast polls), as the cockpit and
    `loom fine-tuning watch` have it."""

    def __init__(self, client: OpenAIClient, job_id: str, **kwargs: Any) -> None:
        self.listeners: list[Any] = []
        resource = FineTuningResource(client)

        async def source() -> FineTuningResource:
            return resource

        self.follower = JobFollower(source, job_id, publish=self._tell, page=10, **kwargs)
        self.watcher = Watcher(supervisor=Supervisor(), server=lambda: "test", policy=QUICK)
        self.watch = Watch(self.follower, focused=True)
        self.state = self.follower.state

    def _tell(self, update: JobUpdate) -> None:
        for listener in self.listeners:
            listener(update)

    async def poll(self) -> None:
        await self.follower.poll()

    async def run(self) -> JobState:
        await self.watcher.run(self.watch)
        return self.state


def _follower(client: OpenAIClient, job_id: str, **kwargs: Any) -> _Following:
    return _Following(client, job_id, **kwargs)


async def test_a_follower_sees_every_status_and_every_event_once(ft: OpenAIClient) -> None:
    job_id = await _job(ft)
    following = _follower(ft, job_id)
    changes: list[tuple[str, str]] = []
    told: list[str] = []

    def listen(update: JobUpdate) -> None:
        if update.status_change:
            changes.append(update.status_change)
        told.extend(line.id for line in update.new_lines)

    following.listeners.append(listen)
    watched: list[tuple[str, str]] = []
    following.watcher.events.subscribe(lambda e: e.change and watched.append(e.change))
    state = await following.run()
    assert changes[0] == ("", "validating_files") and changes[-1][1] == "succeeded"
    assert watched == changes  # the watcher tells the same changes, in the same order
    statuses = [c[1] for c in changes]
    assert statuses == sorted(
        statuses, key=["validating_files", "queued", "running", "succeeded"].index
    )
    assert all(before != now for before, now in changes)
    every = [e.id async for e in FineTuningResource(ft).events(job_id)]
    assert len(told) == len(set(told)) == len(every)  # none twice, none missed
    assert [line.id for line in state.lines] == every
    total = state.step[1] if state.step else 0
    assert total and len(state.metrics["train_loss"]) == total
    assert state.checkpoints and state.best_checkpoint() is not None


async def test_history_is_fetched_backwards_only_when_wanted(ft: OpenAIClient) -> None:
    job_id = await _job(ft)
    await _follower(ft, job_id).run()  # let it finish
    every = [e.id async for e in FineTuningResource(ft).events(job_id)]
    lazy = _follower(ft, job_id)
    await lazy.poll()
    assert len(lazy.state.lines) == 10 and not lazy.state.history_complete
    keen = _follower(ft, job_id)
    keen.follower.wants_history = True
    await keen.run()
    assert keen.state.history_complete
    assert [line.id for line in keen.state.lines] == every
    assert len(keen.state.metrics["train_loss"]) == keen.state.step[1]  # type: ignore[index]


async def test_a_network_failure_keeps_the_state_and_says_since_when(
    ft: OpenAIClient, ft_server: SimServer
) -> None:
    job_id = await _job(ft, examples=400)
    following = _follower(ft, job_id)
    await following.poll()
    known = list(following.state.lines)
    ft_server.state.faults.add(Fault("unavailable"), times=3, route="fine_tuning")
    problems: list[str | None] = []
    state = following.state
    following.watcher.events.subscribe(
        lambda event: problems.append(state.failing_since and state.problem)
    )
    import asyncio

    task = asyncio.ensure_future(following.run())
    for _ in range(500):
        await asyncio.sleep(0.01)
        if any(problems) and state.failing_since is None:
            break
    assert any(p and "503" in p for p in problems), problems
    assert state.failing_since is None  # it recovered on its own
    assert state.lines[-len(known) :] == known  # what was shown stayed
    ids = [line.id for line in state.lines]
    assert len(ids) == len(set(ids))
    task.cancel()


async def test_an_unknown_job_stops_the_follower_with_the_reason(ft: OpenAIClient) -> None:
    following = _follower(ft, "ftjob-nothing")
    ended: list[Outcome | None] = []
    following.watcher.events.subscribe(lambda event: ended.append(event.ended))
    state = await following.run()
    assert state.stopped and "404" in state.stopped
    assert ended == [Outcome.LOST]


async def test_watched_jobs_are_kept_in_the_store_and_resume(
    ft_server: SimServer, tmp_path: Path
) -> None:
    settings = Settings(base_url=ft_server.base_url, api_key="sk-test-fake-0001", data_dir=tmp_path)
    first = Services(settings)
    client = await first.client()
    job_id = await _job(client, examples=4000)
    service = first.area("fine_tuning")
    service.follow(job_id, keep=True, known_status="validating_files")  # slow polls
    import asyncio

    for _ in range(100):
        await asyncio.sleep(0.02)
        rows = await first.store.run(
            "read", lambda r: r.watched.jobs(ft_server.base_url, "fine-tuning job")
        )
        if rows:
            break
    assert [row.job_id for row in rows] == [job_id]
    await first.aclose()
    again = Services(
        Settings(base_url=ft_server.base_url, api_key="sk-test-fake-0001", data_dir=tmp_path)
    )
    again.watcher.policy = QUICK
    changed: list[tuple[str, str]] = []
    again.watcher.events.subscribe(lambda e: e.change and changed.append(e.change))
    resumed = again.area("fine_tuning")
    await resumed.started()
    assert resumed.is_watched(job_id) and resumed.watched() == {job_id}
    assert again.supervisor.running(f"following the fine-tuning job {job_id}")
    watch = again.watcher.get("fine-tuning job", job_id)
    assert watch is not None and watch.known_status == "validating_files"
    for _ in range(200):
        await asyncio.sleep(0.02)
        if changed:
            break
    # The status moved on while Loom was closed: the first answer says so.
    assert changed and changed[0][0] == "validating_files" and changed[0][1] != "validating_files"
    await again.aclose()


def test_the_poll_policy() -> None:
    policy = PollPolicy(active=2, waiting=10, idle=30, max_backoff=120)
    assert policy.delay("running") == 2 and policy.delay("queued") == 10
    assert policy.delay("paused") == 30 and policy.delay("some_new_status") == 30
    assert policy.delay("running", failures=1) == 4 and policy.delay("running", failures=9) == 120
    assert policy.delay("running", retry_after=45) == 45
    low = RateLimitInfo(limit_requests=100, remaining_requests=2, reset_requests="1m30s")
    assert policy.delay("running", rate_limit=low) == 90
    plenty = RateLimitInfo(limit_requests=100, remaining_requests=90, reset_requests="1m")
    assert policy.delay("running", rate_limit=plenty) == 2
    assert reset_seconds("6ms") == pytest.approx(0.006) and reset_seconds("2h") == 7200
    assert reset_seconds("1.5s") == 1.5 and reset_seconds(None) is None


def test_series_summaries_match_the_points() -> None:
    rng = random.Random(4)
    series = Series()
    points = [(float(x), rng.uniform(-5, 5)) for x in range(3000)]
    for x, y in points[1000:]:
        series.add(x, y)
    for x, y in reversed(points[:1000]):  # history arriving backwards
        series.add(x, y)
    series.add(10.0, 99.0)  # a point replaced
    points[10] = (10.0, 99.0)
    assert series.xs == [x for x, _ in points]
    ys = [y for _, y in points]
    # Few points per column: each column holds exactly the range of its points.
    columns = series.columns(0, 2999, 150)
    for index, column in enumerate(columns):
        lo, hi = index * 2999 / 150, (index + 1) * 2999 / 150
        inside = [y for x, y in points if lo <= x < hi or (index == 149 and x == hi)]
        assert column is not None and (column.low, column.high) == (min(inside), max(inside))
    # Many per column: summarised by blocks, the extremes are still the points'.
    wide = [c for c in series.columns(0, 2999, 7) if c is not None]
    assert len(wide) == 7 and min(c.low for c in wide) == min(ys)
    assert max(c.high for c in wide) == max(ys)
    assert all(c.low <= c.last <= c.high for c in wide)
    logged = series.columns(0, 2999, 10, log=True)
    assert all(c is None or c.high <= math.log10(99.0) + 1e-9 for c in logged)


def test_smoothing_follows_a_growing_series() -> None:
    series = Series()
    smoother = Smoother(series, 0.9)
    for x in range(100):
        series.add(float(x), 1.0)
    assert all(y == pytest.approx(1.0) for y in smoother.current().ys)  # debiased at the start
    series.add(100.0, 11.0)
    grown = smoother.current()
    assert len(grown) == 101 and 1.0 < grown.ys[-1] < 11.0
    series.add(50.0, 5.0)  # not at the end: computed again
    assert smoother.current().ys[50] != pytest.approx(1.0)


def _write(tmp_path: Path, name: str, rows: list[object]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_the_training_file_check_names_each_problem_by_line(tmp_path: Path) -> None:
    good = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    rows: list[object] = [good] * 12
    rows[2] = "{not json"
    rows[4] = {"messages": [{"role": "user", "content": "only me"}]}
    rows[6] = {"messages": [{"role": "wizard", "content": "x"}]}
    rows[8] = {"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": "a"}]}
    rows[9] = [1, 2]
    report = check_file(_write(tmp_path, "bad.jsonl", rows), "supervised")
    lines = [p.split(":")[0] for p in report.problems]
    assert lines == ["the file", "line 3", "line 5", "line 7", "line 9", "line 10"]
    assert report.problems[0] == "the file: 7 usable examples; the API needs at least 10"
    assert not report.ok and report.examples == 7
    fine = check_file(_write(tmp_path, "good.jsonl", [good] * 12), "supervised")
    assert fine.ok and fine.examples == 12 and fine.assistant_turns == 12 and fine.tokens > 0
    assert "no problems found" in fine.summary()[-1]
    few = check_file(_write(tmp_path, "few.jsonl", [good] * 3), "supervised")
    assert not few.ok and "at least 10" in few.problems[0]
    cost = training_cost(fine, "gpt-4o-mini-2024-07-18")
    assert cost.startswith("≈ $") and "epochs" in cost


def test_dpo_and_reinforcement_files(tmp_path: Path) -> None:
    dpo = {
        "input": {"messages": [{"role": "user", "content": "hi"}]},
        "preferred_output": [{"role": "assistant", "content": "hello"}],
        "non_preferred_output": [{"role": "assistant", "content": "go away"}],
    }
    assert check_file(_write(tmp_path, "dpo.jsonl", [dpo] * 10), "dpo").ok
    broken = {**dpo, "preferred_output": [{"role": "user", "content": "x"}]}
    report = check_file(_write(tmp_path, "dpo2.jsonl", [dpo] * 10 + [broken]), "dpo")
    assert report.problems == [
        "line 11: preferred_output should be a list of one assistant message"
    ]
    rft = {"messages": [{"role": "user", "content": "2+2?"}], "reference_answer": "4"}
    assert check_file(_write(tmp_path, "rft.jsonl", [rft] * 10), "reinforcement").ok
    ends_wrong = {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    }
    bad = check_file(_write(tmp_path, "rft2.jsonl", [rft] * 10 + [ends_wrong]), "reinforcement")
    assert bad.problem_count == 1 and "end with the user's turn" in bad.problems[0]


def test_the_create_form_is_checked_against_the_spec_ranges() -> None:
    body, problems = build(JobForm(n_epochs="3", suffix="weaver", seed="7"), "file-1", "file-2")
    assert problems == {}
    assert body["method"] == {
        "type": "supervised",
        "supervised": {"hyperparameters": {"n_epochs": 3}},
    }
    assert body["validation_file"] == "file-2" and body["seed"] == 7
    for field, value, name in (
        ("n_epochs", "51", "n_epochs"),
        ("n_epochs", "0", "n_epochs"),
        ("batch_size", "2.5", "batch_size"),
        ("learning_rate_multiplier", "0", "learning_rate_multiplier"),
        ("learning_rate_multiplier", "nan", "learning_rate_multiplier"),
        ("learning_rate_multiplier", "inf", "learning_rate_multiplier"),
        ("seed", "-3", "seed"),
        ("suffix", "x" * 65, "suffix"),
        ("metadata", "nokey", "metadata"),
    ):
        _, problems = build(JobForm(**{field: value}), "file-1", None)
        assert name in problems, (field, value)
    _, problems = build(JobForm(method="dpo", beta="2.5"), "f", None)
    assert "beta" in problems
    rl, problems = build(JobForm(method="reinforcement"), "f", None)
    assert problems == {} and rl["method"]["reinforcement"]["grader"]["type"] == "string_check"
    _, problems = build(JobForm(method="reinforcement", grader="{"), "f", None)
    assert "grader" in problems
