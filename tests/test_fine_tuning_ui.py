"""The fine-tuning cockpit driven by Pilot against the simulator over loopback: jobs
listed, the highlighted one's chart drawing itself, pause/resume/cancel after asking, chat
with the result, a job started from a local file (nothing typed lost on a failure), status
changes told on another screen, outside text shown literally, and a server without the
API said plainly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.app import LoomApp
from tui.areas.chat.screens import ChatScreen
from tui.areas.fine_tuning.screens.cockpit import FineTuningScreen
from tui.areas.fine_tuning.screens.create import CreateJobScreen
from tui.areas.fine_tuning.sim.jobs import Timing
from tui.areas.fine_tuning.sim.routes import add_file, make_job, parse_job_request, training_jsonl
from tui.core.polling import PollPolicy
from tui.screens.confirm import ConfirmEdit
from tui.sim.app import SimConfig
from tui.sim.server import SimServer
from tui.widgets.line_chart import LineChart

from .conftest import screen_text, settings_for, until


@pytest.fixture
def ft_sim() -> Iterator[SimServer]:
    """A simulator of its own per test (jobs are state), with quick jobs."""
    with SimServer(SimConfig(seed=11, timing={"fine_tuning": Timing(0.2, 0.2, 0.05)})) as server:
        yield server


def _add_job(sim: SimServer, examples: int, *, suffix: str, timing: Timing | None = None) -> str:
    state = sim.state
    with state.fine_tuning.lock:
        file_id = add_file(state, f"{suffix}.jsonl", training_jsonl(examples), created_at=0)
        valid = add_file(state, "valid.jsonl", training_jsonl(12), created_at=0)
        request = parse_job_request(
            {
                "model": "gpt-4o-mini",
                "training_file": file_id,
                "validation_file": valid,
                "suffix": suffix,
            },
            state,
        )
        return make_job(state, request, timing=timing).id


QUICK = PollPolicy(active=0.1, waiting=0.1, idle=0.1, max_backoff=0.5)


def _app(sim: SimServer) -> LoomApp:
    """The app on the cockpit, polling jobs quickly (the test's jobs train in seconds)."""
    app = LoomApp(settings_for(sim), mode="fine-tuning")
    app.services.watcher.policy = QUICK
    return app


def _screen(app: Any) -> FineTuningScreen:
    screen = app.screen
    assert isinstance(screen, FineTuningScreen), f"expected the cockpit, got {screen!r}"
    return screen


async def _select(pilot: Any, app: Any, job_id: str) -> None:
    await until(lambda: job_id in _screen(app).jobs, f"job {job_id} listed")
    table = _screen(app).query_one("#jobs")
    for _ in range(20):
        if _screen(app).selected == job_id:
            return
        await pilot.press("down")
        await pilot.pause()
    for _ in range(20):
        if _screen(app).selected == job_id:
            return
        await pilot.press("up")
        await pilot.pause()
    raise AssertionError(f"could not highlight {job_id} in {table}")


async def test_the_highlighted_job_draws_its_curve_and_says_when_it_ends(
    ft_sim: SimServer,
) -> None:
    job_id = _add_job(ft_sim, 80, suffix="curve")
    app = _app(ft_sim)
    written: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.terminal_write = written.append
        await _select(pilot, app, job_id)
        chart = _screen(app).query_one(LineChart)
        await until(lambda: len(chart.lines[0].series) > 3, "the first points", seconds=10)
        early = len(chart.lines[0].series)
        await until(lambda: len(chart.lines[0].series) > early + 5, "the curve growing")
        assert "train loss" in screen_text(app)
        await pilot.press("w")  # watch it: told on any screen
        await pilot.press("f9")
        await until(lambda: isinstance(app.screen, ChatScreen), "the chat screen")
        await until(
            lambda: any(
                "curve" in n.message and "succeeded" in n.message for n in app._notifications
            ),
            "the notice that the job succeeded",
            seconds=20,
        )
        assert any(w.startswith("\x1b]9;") for w in written)
        assert any(w.startswith("\x1b]777;notify;") for w in written)
        await pilot.press("f10")
        await until(lambda: isinstance(app.screen, FineTuningScreen), "the cockpit again")
        await pilot.press("3")
        await until(
            lambda: "★" in screen_text(app) and "ckpt-step" in screen_text(app),
            "the checkpoints, the best marked",
        )
        await pilot.press("4")
        await until(lambda: "train_loss" in screen_text(app), "the metrics file as a table")


async def test_pause_resume_and_cancel_ask_first(ft_sim: SimServer) -> None:
    job_id = _add_job(ft_sim, 3000, suffix="long")
    app = _app(ft_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await _select(pilot, app, job_id)
        screen = _screen(app)
        await until(lambda: screen.jobs[job_id].status == "running", "the job running", seconds=10)
        await pilot.press("p")
        await until(lambda: "Pause the job: long?" in screen_text(app), "the question")
        shown = screen_text(app)
        assert "▶ running" in shown and "→" in shown and "‖ paused" in shown  # before → after
        await pilot.press("n")  # no: nothing happens
        await pilot.pause()
        assert ft_sim.state.fine_tuning.jobs[job_id].paused_since is None
        await pilot.press("p")
        await until(lambda: "Pause the job: long?" in screen_text(app), "the question again")
        await pilot.press("y")
        await until(lambda: screen.jobs[job_id].status == "paused", "the job paused")
        await pilot.press("u")
        await until(lambda: "Resume the job: long?" in screen_text(app), "the resume question")
        await pilot.press("enter")
        await until(lambda: screen.jobs[job_id].status == "running", "the job running again")
        await pilot.press("x")
        await until(lambda: "Cancel the job: long?" in screen_text(app), "the cancel question")
        assert "cannot be undone" in screen_text(app)
        await pilot.press("enter")  # destructive: Enter is not enough without the name
        await pilot.press(*"lon", "enter")  # nor a wrong one
        await pilot.pause()
        assert screen.jobs[job_id].status != "cancelled"
        assert isinstance(app.screen, ConfirmEdit)
        await pilot.press("g", "enter")  # the name typed back, whole: "long"
        await until(lambda: screen.jobs[job_id].status == "cancelled", "the job cancelled")
        assert "cancelled" in screen_text(app)


async def test_chat_with_the_fine_tuned_model(ft_sim: SimServer) -> None:
    job_id = _add_job(ft_sim, 20, suffix="talker")
    job = ft_sim.state.fine_tuning.jobs[job_id]
    app = _app(ft_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await _select(pilot, app, job_id)
        await until(lambda: _screen(app).jobs[job_id].status == "succeeded", "success", seconds=15)
        await pilot.press("t")
        await until(lambda: isinstance(app.screen, ChatScreen), "the chat screen")
        assert app.screen.session.model == job.fine_tuned_model
        from .conftest import say

        await say(pilot, app, "hello, fine-tuned")
        assert ft_sim.state.last_chat_body["model"] == job.fine_tuned_model
        assert "talker" in screen_text(app).splitlines()[-2]  # the status line names it


async def test_a_job_started_from_a_local_file_keeps_the_form_through_a_failure(
    ft_sim: SimServer, tmp_path: Path
) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_bytes(training_jsonl(30))
    app = _app(ft_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: _screen(app).listed_at is not None, "the list")
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        await pilot.press(*str(tmp_path / "mi"), "tab")  # Tab completes the path
        await until(lambda: form.query_one("#training").value == str(path), "the path completed")
        await until(lambda: form.report is not None and form.report.ok, "the file checked")
        model = form.query_one("#model")
        model.focus()
        await pilot.press("ctrl+u", *"not-a-base-model")
        form.query_one("#suffix").focus()
        await pilot.press(*"mine-v1")
        files_before = len(ft_sim.state.files)
        await pilot.press("ctrl+s")
        await until(
            lambda: "not available for fine-tuning" in screen_text(app), "the server's refusal"
        )
        assert isinstance(app.screen, CreateJobScreen)  # still open, everything kept
        assert form.query_one("#suffix").value == "mine-v1"
        assert len(ft_sim.state.files) == files_before + 1  # uploaded once
        model.focus()
        await pilot.press("ctrl+u", *"gpt-4o-mini")
        await pilot.press("ctrl+s")
        await until(lambda: isinstance(app.screen, FineTuningScreen), "back to the jobs")
        assert len(ft_sim.state.files) == files_before + 1  # not uploaded again
        made = [j for j in ft_sim.state.fine_tuning.jobs.values() if j.suffix == "mine-v1"]
        assert len(made) == 1 and _screen(app).selected == made[0].id
        assert app.services.area("fine_tuning").is_watched(made[0].id)


async def test_a_bad_file_is_refused_before_anything_is_sent(
    ft_sim: SimServer, tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([json.dumps({"messages": [{"role": "user", "content": "q"}]})] * 12))
    app = _app(ft_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        form.query_one("#training").value = str(path)
        form.action_check()
        await until(
            lambda: "line 1: no assistant message" in screen_text(app), "the report by line"
        )
        assert form.report is not None and form.report.problem_count == 13  # and the count
        files = len(ft_sim.state.files)
        await pilot.press("ctrl+s")
        await until(lambda: "fix them" in screen_text(app), "the refusal")
        assert len(ft_sim.state.files) == files


async def test_outside_text_in_jobs_is_shown_literally(ft_sim: SimServer) -> None:
    odd = "[b]x[/i]"
    job_id = _add_job(ft_sim, 20, suffix=odd)
    app = _app(ft_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await _select(pilot, app, job_id)
        await until(lambda: odd in screen_text(app), "the suffix, as typed, in the list")
        await pilot.press("5")
        await until(lambda: f"{odd}  ({job_id})" in screen_text(app).replace("\n", ""), "details")
        assert app.is_running


async def test_a_server_without_fine_tuning_says_so(sim: SimServer) -> None:
    settings = settings_for(sim)
    settings.base_url = sim.base_url + "/no-such-api"
    app = LoomApp(settings, mode="fine-tuning")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: "no fine-tuning API" in screen_text(app), "the words for a missing API")
        assert app.is_running
        await pilot.press("n")
        assert isinstance(app.screen, CreateJobScreen)


async def test_loom_fine_tuning_job_id_opens_on_that_job(ft_sim: SimServer) -> None:
    wanted = _add_job(ft_sim, 3000, suffix="wanted")
    for n in range(3):
        _add_job(ft_sim, 20, suffix=f"newer-{n}")
    app = LoomApp(settings_for(ft_sim), mode="fine-tuning", job=wanted)
    async with app.run_test(size=(80, 24)):
        await until(lambda: _screen(app).selected == wanted, "the job asked for, highlighted")
        table = _screen(app).query_one("#jobs")
        assert table.cursor_row == table.get_row_index(wanted)
    unknown = LoomApp(settings_for(ft_sim), mode="fine-tuning", job="ftjob-nothing")
    async with unknown.run_test(size=(80, 24)):
        await until(
            lambda: any("no job ftjob-nothing" in n.message for n in unknown._notifications),
            "the notice that there is no such job",
        )


async def test_a_pipe_or_a_file_the_check_cannot_read_is_said_and_quitting_works(
    ft_sim: SimServer, tmp_path: Path
) -> None:
    import os

    pipe = tmp_path / "pipe.jsonl"
    os.mkfifo(pipe)
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    app = _app(ft_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        form.query_one("#training").value = str(pipe)
        form.action_check()
        await until(lambda: "not a regular file" in screen_text(app), "the pipe refused")
        form.query_one("#training").value = str(deep)
        form.action_check()
        await until(lambda: "nests more than 200" in screen_text(app), "the line named")
        assert "Checking…" not in screen_text(app)
        await pilot.press("ctrl+q")
    assert app.return_code in (0, None)


async def test_the_form_shows_what_training_would_cost_under_the_report(
    ft_sim: SimServer, tmp_path: Path
) -> None:
    path = tmp_path / "good.jsonl"
    path.write_bytes(training_jsonl(15))
    app = _app(ft_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        form.query_one("#training").value = str(path)
        form.action_check()
        await until(lambda: "training would cost" in screen_text(app), "the estimate, visible")
        assert "7 epochs at $3 per" in screen_text(app)
        form.query_one("#n_epochs").value = "2"
        await until(lambda: "(2 epochs at $3 per" in screen_text(app), "the estimate again")


async def test_first_sight_focus_and_the_status_line_at_80_columns(ft_sim: SimServer) -> None:
    from textual.containers import VerticalScroll
    from textual.widgets import DataTable, Tab

    slow = Timing(validating=30, queued=30, step=0.05)
    done = _add_job(ft_sim, 12, suffix="done", timing=Timing(0.05, 0.05, 0.01))
    await until(
        lambda: (
            ft_sim.state.fine_tuning.jobs[done].status(__import__("time").time()) == "succeeded"
        ),
        "a job that has ended",
        seconds=20,
    )
    running = _add_job(ft_sim, 3000, suffix="train", timing=Timing(0.01, 0.01, 0.5))
    _add_job(ft_sim, 12, suffix="wait", timing=slow)  # the newest: validating, no metrics
    app = _app(ft_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = _screen(app)
        # Opens on the job that trains, not on the newest (validating, nothing to draw).
        await until(lambda: screen.selected == running, "the running job selected first")
        jobs = screen.query_one("#jobs", DataTable)
        assert app.focused is jobs
        # Tab moves to the job's views: the active tab is drawn reversed (no colour needed).
        await pilot.press("5")
        active = screen.query_one("#job Tab.-active", Tab)
        await pilot.pause()
        assert "reverse" in str(active.styles.text_style)
        details = screen.query_one("#details-scroll", VerticalScroll)
        details.scroll_to(y=5, animate=False)
        await pilot.press("escape")
        assert app.focused is jobs
        await _select(pilot, app, done)
        await pilot.pause()
        assert details.scroll_y == 0  # another job's details start at their top
        status = screen.query_one("#ft-status").render()
        assert "updated" not in str(status) and "succeeded" in str(status)
        for line in screen_text(app).splitlines()[-2:]:
            assert not line.rstrip().endswith("…")  # the status and footer fit whole
        # Back from chat, ↑/↓ move the job list again.
        screen.query_one("#checkpoint-table").focus()
        await pilot.press("f9")
        await until(lambda: isinstance(app.screen, ChatScreen), "the chat")
        await pilot.press("f10")
        await until(lambda: isinstance(app.screen, FineTuningScreen), "the cockpit")
        await pilot.pause()
        assert app.focused is jobs
