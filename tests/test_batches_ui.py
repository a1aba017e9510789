"""The batches screen, driven by keys against the simulator over loopback at 80x24: a batch
filling its counts live, its results joined and filtered, one request beside its answer, a
batch started from a file (checked first, the form kept through a failure), cancelling
with the name typed back, the failed requests sent again, and the demo's first sight."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.app import LoomApp
from tui.areas.batches.screens.batches import BatchesScreen
from tui.areas.batches.screens.result_detail import ResultDetail
from tui.areas.batches.screens.results import ResultsScreen
from tui.areas.batches.screens.submit import SubmitScreen
from tui.areas.batches.sim.engine import Timing
from tui.areas.batches.sim.routes import chat_lines, jsonl, make_batch, parse_create
from tui.core.polling import PollPolicy
from tui.screens.confirm import ConfirmEdit
from tui.sim.app import SimConfig
from tui.sim.faults import Fault
from tui.sim.files import add_file
from tui.sim.server import SimServer

from .conftest import screen_text, settings_for, until

QUICK = PollPolicy(active=0.1, waiting=0.1, idle=0.1, max_backoff=0.5)
FAST = Timing(validating=0.2, per_request=0.1, finalizing=0.2, cancelling=0.3)


@pytest.fixture
def batch_sim() -> Iterator[SimServer]:
    """A simulator of its own per test (batches are state), with quick batches."""
    with SimServer(SimConfig(seed=21, timing={"batches": FAST})) as server:
        yield server


def _add(sim: SimServer, rows: list[Any], name: str, timing: Timing | None = None) -> str:
    state = sim.state
    file_id = add_file(state, f"{name}.jsonl", jsonl(rows), created_at=0, purpose="batch")
    parsed = parse_create(
        {
            "input_file_id": file_id,
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
            "metadata": {"description": name},
        },
        state,
    )
    return make_batch(state, parsed, authorization="Bearer sk-test-fake-0001", timing=timing).id


def _app(sim: SimServer) -> LoomApp:
    app = LoomApp(settings_for(sim), mode="batches")
    app.services.watcher.policy = QUICK
    return app


def _screen(app: Any) -> BatchesScreen:
    screen = app.screen
    assert isinstance(screen, BatchesScreen), f"expected the batches screen, got {screen!r}"
    return screen


async def _select(pilot: Any, app: Any, batch_id: str) -> BatchesScreen:
    await until(lambda: any(b.id == batch_id for b in _screen(app).batches), f"{batch_id} listed")
    screen = _screen(app)
    for key in ("home", *["down"] * 20):
        if screen.selected == batch_id:
            return screen
        await pilot.press(key)
        await pilot.pause()
    raise AssertionError(f"{batch_id} could not be selected")


def _done(screen: BatchesScreen, batch_id: str) -> int:
    batch = screen.current() if screen.selected == batch_id else None
    return 0 if batch is None else batch.counts.completed + batch.counts.failed


async def test_a_batch_fills_its_counts_live_and_its_results_open(batch_sim: SimServer) -> None:
    rows = chat_lines(30)
    rows[4]["body"]["temperature"] = 5
    steady = Timing(validating=0.2, per_request=0.3, finalizing=0.2, cancelling=0.3)
    batch_id = _add(batch_sim, rows, "live-one", timing=steady)
    app = _app(batch_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _select(pilot, app, batch_id)
        await until(lambda: 0 < _done(screen, batch_id) < 30, "the counts moving", seconds=15)
        seen = _done(screen, batch_id)
        await until(lambda: _done(screen, batch_id) > seen, "the counts moving on", seconds=15)
        await until(
            lambda: "▶ in progress" in (shown := screen_text(app)) and "requests a minute" in shown,
            "the pace shown while it runs",
        )
        await until(
            lambda: (b := screen.current()) is not None and b.status == "completed",
            "the batch completed",
            seconds=30,
        )
        await pilot.pause()
        shown = screen_text(app)
        assert "✓ completed" in shown and "30/30" in shown
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ResultsScreen), "the results")
        results = app.screen
        assert isinstance(results, ResultsScreen)
        await until(lambda: results.complete and results.inputs is not None, "the rows in")
        lines = {r.custom_id: r.line for r in results.rows}
        assert len(results.rows) == 30 and lines["ticket-0004"] == 5  # joined with its input
        assert "30 requests · 1 failed" in screen_text(app)
        await pilot.press("x")  # only the failed
        await pilot.pause()
        assert [r.custom_id for r in results.shown()] == ["ticket-0004"]
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ResultDetail), "the request and answer")
        detail = screen_text(app)
        assert "temperature" in detail and "400" in detail and "user:" in detail
        await pilot.press("escape")
        await pilot.press("x", "slash", *"0007")
        await pilot.pause()
        assert [r.custom_id for r in results.shown()] == ["ticket-0007"]
        await pilot.press("backspace")  # a shorter needle lets more through again
        await pilot.pause()
        assert len(results.shown()) == 10 and "10 shown" in screen_text(app)
        await pilot.press("1", "enter")
        await pilot.pause()
        assert [r.custom_id for r in results.shown()] == ["ticket-0001"]
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, BatchesScreen), "back to the batches")
        assert not results.rows  # let go of at once, not when the screen is collected


async def test_cancel_asks_for_the_name_and_the_failed_are_sent_again(
    batch_sim: SimServer,
) -> None:
    slow = Timing(validating=0.2, per_request=0.5, finalizing=0.2, cancelling=0.3)
    long_id = _add(batch_sim, chat_lines(200), "long", timing=slow)
    rows = chat_lines(6)
    rows[1]["body"]["temperature"] = 5
    rows[3]["body"]["temperature"] = 5
    done_id = _add(batch_sim, rows, "mixed")
    app = _app(batch_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _select(pilot, app, long_id)
        await until(lambda: _done(screen, long_id) > 0, "the long one running", seconds=10)
        await pilot.press("c")
        await until(lambda: isinstance(app.screen, ConfirmEdit), "the question")
        shown = screen_text(app)
        assert "Cancel the batch: long?" in shown and "■ cancelling" in shown
        await pilot.press("enter")  # destructive: Enter is not enough without the name
        await pilot.pause()
        assert batch_sim.state.batches.batches[long_id].cancel_at is None
        await pilot.press(*"long", "enter")
        await until(
            lambda: batch_sim.state.batches.batches[long_id].cancel_at is not None, "cancelled"
        )
        await until(
            lambda: any(b.id == long_id and b.status == "cancelled" for b in screen.batches),
            "shown cancelled",
            seconds=10,
        )
        screen = await _select(pilot, app, done_id)
        await until(
            lambda: (b := screen.current()) is not None and b.status == "completed",
            "the mixed one completed",
            seconds=15,
        )
        before = set(batch_sim.state.batches.batches)
        await pilot.press("f")
        await until(lambda: isinstance(app.screen, ConfirmEdit), "the resubmit question")
        assert "2 requests to /v1/chat/completions" in screen_text(app)
        await pilot.press("y")
        await until(lambda: len(batch_sim.state.batches.batches) > len(before), "a new batch")
        (new,) = set(batch_sim.state.batches.batches) - before
        again = batch_sim.state.batches.batches[new]
        assert [line.custom_id for line in again.lines] == ["ticket-0001", "ticket-0003"]
        await until(lambda: screen.selected == new, "the new batch selected", seconds=10)


async def test_a_batch_from_a_file_is_checked_first_and_the_form_survives_a_failure(
    batch_sim: SimServer, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    rows: list[Any] = chat_lines(3)
    rows[1]["body"]["temprature"] = 1
    bad.write_bytes(jsonl(rows))
    good = tmp_path / "good.jsonl"
    good.write_bytes(jsonl(chat_lines(5)))
    app = _app(batch_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: _screen(app).listed_at is not None, "the list")
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, SubmitScreen), "the form")
        form = app.screen
        assert isinstance(form, SubmitScreen)
        await pilot.press(*str(bad))
        await until(lambda: form.report is not None, "the check")
        assert "line 2: body.temprature is not a parameter" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SubmitScreen) and "has problems" in screen_text(app)
        await pilot.press("ctrl+u", *str(good), "tab", *"from the form")
        await until(lambda: form.report is not None and form.report.ok, "the good check")
        assert "cost at the batch price" in screen_text(app)
        batch_sim.state.faults.add(Fault("server_error"), times=5, route="files")
        await pilot.press("ctrl+s")
        await until(lambda: isinstance(app.screen, ConfirmEdit), "the start question")
        assert "5 to /v1/chat/completions" in screen_text(app)
        await pilot.press("y")
        await until(lambda: "the form is kept" in screen_text(app), "the failure said")
        assert isinstance(app.screen, SubmitScreen)
        assert form.draft.path == str(good) and form.draft.description == "from the form"
        batch_sim.state.faults.clear()
        await pilot.press("ctrl+s")
        await until(lambda: isinstance(app.screen, ConfirmEdit), "asked again")
        await pilot.press("y")
        await until(lambda: isinstance(app.screen, BatchesScreen), "back with the batch")
        made = [b for b in batch_sim.state.batches.batches.values() if len(b.lines) == 5]
        assert made and made[0].metadata == {"description": "from the form"}
        await until(lambda: _screen(app).selected == made[0].id, "the new batch selected")


async def test_the_demo_opens_on_the_batch_that_runs_with_every_state_listed(
    private_data_dir: Path,
) -> None:
    from tui.config import Settings

    app = LoomApp(Settings.load({}, demo=True), mode="batches")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: bool(_screen(app).batches), "the demo's batches", seconds=15)
        await pilot.pause()
        screen = _screen(app)
        statuses = {b.status for b in screen.batches}
        assert {"completed", "failed", "cancelled", "expired", "in_progress"} <= statuses
        running = next(b for b in screen.batches if b.status == "in_progress")
        assert screen.selected == running.id
        shown = screen_text(app)
        for word in ("✓ completed", "✗ failed", "■ cancelled", "⌛ expired", "▶ in progress"):
            assert word in shown, word
        assert "support-tickets" in shown and "r Results" in shown


async def test_a_batch_built_from_a_table_in_the_form(
    batch_sim: SimServer, tmp_path: Path, private_data_dir: Path
) -> None:
    table = tmp_path / "tickets.csv"
    table.write_text("text\nThe printer jams\nDark mode please\nRefund order 12\n")
    app = _app(batch_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: _screen(app).listed_at is not None, "the list")
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, SubmitScreen), "the form")
        form = app.screen
        assert isinstance(form, SubmitScreen)
        form.query_one("#build-table").focus()
        await pilot.press(*str(table), "tab", "tab", *"Summarise: {txt}", "ctrl+b")
        await until(lambda: "its columns: text" in screen_text(app), "the missing column said")
        assert "{txt}" in screen_text(app)
        form.query_one("#build-user").focus()
        await pilot.press("ctrl+u", *"Summarise: {text}", "ctrl+b")
        await until(lambda: form.report is not None and form.report.ok, "built and checked")
        assert form.draft.path.endswith("batches/tickets.jsonl")
        assert (form.report.requests, form.report.endpoint) == (3, "/v1/chat/completions")
        await pilot.press("ctrl+s")
        await until(lambda: isinstance(app.screen, ConfirmEdit), "the start question")
        await pilot.press("y")
        await until(lambda: isinstance(app.screen, BatchesScreen), "back with the batch")
        made = [b for b in batch_sim.state.batches.batches.values() if len(b.lines) == 3]
        assert (
            made
            and made[0].lines[2].body["messages"][-1]["content"] == "Summarise: Refund order 12"
        )


async def test_a_conversation_asked_again_with_the_chats_parameters_previewed_first(
    batch_sim: SimServer, private_data_dir: Path
) -> None:
    from tui.areas.batches.screens.preview import PreviewScreen
    from tui.screens.params import ParamsScreen
    from tui.store.conversations import open_conversations

    store = open_conversations(private_data_dir)
    talk = store.create(title="Looms of Lyon", model="gpt-4o-mini", system_prompt="Be brief.")
    ask = store.add_message(talk.id, "user", "What is a Jacquard loom?")
    reply = store.add_message(talk.id, "assistant", "", parent_id=ask.id)
    store.save_reply(reply.id, "A loom run by punched cards.", finish_reason="stop")
    store.add_message(talk.id, "user", "Who built it?", parent_id=reply.id)
    store.db.close()
    app = _app(batch_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: _screen(app).listed_at is not None, "the list")
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, SubmitScreen), "the form")
        form = app.screen
        assert isinstance(form, SubmitScreen)
        form.query_one("#build-conversation").focus()
        await pilot.press(*"weaving", "f4")
        await until(lambda: "no conversation is numbered or titled" in screen_text(app), "said")
        await pilot.press(*["backspace"] * 7, *"lyon", "f3")
        await until(lambda: isinstance(app.screen, ParamsScreen), "the chat's parameter form")
        app.screen.query_one("#model").value = "gpt-4o"  # type: ignore[attr-defined]
        app.screen.query_one("#param-temperature").value = "0.2"  # type: ignore[attr-defined]
        await pilot.press("f2")
        await until(lambda: app.screen is form, "back in the form")
        await until(lambda: "gpt-4o · temperature 0.2" in screen_text(app), "the parameters")
        assert form.draft.params == {"temperature": 0.2} and form.draft.model == "gpt-4o"
        await pilot.press("f4")
        await until(lambda: isinstance(app.screen, PreviewScreen), "the preview")
        assert "Request 1 of 2 · turn-001 · from the conversation “Looms of Lyon”" in (
            screen_text(app)
        )
        assert "user: What is a Jacquard loom?" in screen_text(app)
        await pilot.press("n")
        await until(lambda: "Request 2 of 2" in screen_text(app), "the next request")
        assert "assistant: A loom run by punched cards." in screen_text(app)
        await pilot.press("ctrl+b")
        await until(lambda: form.report is not None and form.report.ok, "built and checked")
        assert form.draft.path.endswith("batches/Looms-of-Lyon.jsonl"), form.draft.path
        assert (form.report.requests, form.report.endpoint, form.report.model) == (
            2,
            "/v1/chat/completions",
            "gpt-4o",
        )
        await pilot.press("ctrl+s")
        await until(lambda: isinstance(app.screen, ConfirmEdit), "the start question")
        await pilot.press("y")
        await until(lambda: isinstance(app.screen, BatchesScreen), "back with the batch")
        made = [b for b in batch_sim.state.batches.batches.values() if len(b.lines) == 2]
        assert made, "the batch reached the server"
        body = made[0].lines[1].body
        assert body["model"] == "gpt-4o" and body["temperature"] == 0.2
        assert body["messages"] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is a Jacquard loom?"},
            {"role": "assistant", "content": "A loom run by punched cards."},
            {"role": "user", "content": "Who built it?"},
        ]


async def test_a_dropped_download_an_expired_file_and_a_403_on_cancel_are_said(
    batch_sim: SimServer,
) -> None:
    quick = Timing(validating=0.05, per_request=0.001, finalizing=0.05, cancelling=0.3)
    done_id = _add(batch_sim, chat_lines(400), "dropped", timing=quick)
    slow = Timing(validating=0.1, per_request=1.0, finalizing=0.2, cancelling=0.3)
    long_id = _add(batch_sim, chat_lines(100), "forbidden", timing=slow)
    app = _app(batch_sim)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _select(pilot, app, done_id)
        await until(
            lambda: (b := screen.current()) is not None and b.status == "completed",
            "completed",
            seconds=15,
        )
        # The output (about 280 KB) drops after 128 KB; the input (under 128 KB) comes whole.
        batch_sim.state.faults.add(Fault("cut", after_chunks=2), times=2, route="files")
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ResultsScreen), "the results")
        results = app.screen
        assert isinstance(results, ResultsScreen)
        await until(lambda: results.complete, "the download ended")
        assert 0 < len(results.rows) < 400, len(results.rows)
        assert results.problem is not None and "broke off after 0.1 MB" in results.problem
        assert "What came is kept; download it again" in results.problem
        assert "⚠ The download of the output file" in screen_text(app)
        await pilot.press("escape")
        batch = screen.current()
        assert batch is not None and batch.output_file_id
        del batch_sim.state.files[batch.output_file_id]  # expired: the server has it no more
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ResultsScreen), "the results again")
        results = app.screen
        assert isinstance(results, ResultsScreen)
        await until(lambda: results.complete, "the download ended")
        assert results.problem is not None and not results.rows
        assert "is no longer on the server (404): a batch's files expire" in results.problem
        assert "no batches API" not in results.problem  # the API is there; the file is not
        await pilot.press("escape")
        screen = await _select(pilot, app, long_id)
        batch_sim.state.faults.add(Fault("status", status=403), times=20, route="batches")
        await pilot.press("c")
        await until(lambda: isinstance(app.screen, ConfirmEdit), "the question")
        await pilot.press(*"forbidden", "enter")
        await until(lambda: isinstance(app.screen, BatchesScreen), "back")
        await pilot.pause(1.0)
        told = [n.message for n in app._notifications]
        assert any("This key may not do that (403) while cancelling the batch" in n for n in told)
        batch_sim.state.faults.clear()
        assert batch_sim.state.batches.batches[long_id].cancel_at is None
