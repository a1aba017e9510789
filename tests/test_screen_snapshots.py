"""Snapshots of every mode's screen and the confirmation dialog at 80x24, in demo mode with
the clock stopped: the simulator's jobs, usage and models, and every "ago" Loom writes, come
out the same on every run, so a change to what a screen shows is a change to its snapshot.

`pytest --snapshot-update` writes them again after a deliberate change (look at the report
first: pytest-textual-snapshot shows both)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tui.app import LoomApp
from tui.sim.app import SimConfig
from tui.sim.server import SimServer

from .conftest import quiet, settings_for, until

FROZEN = 1_780_315_200.0
"""2026-06-01 12:00 UTC: every wall-clock reading in the test process (the simulator's
too: it runs in a thread of it) is this."""


@pytest.fixture
def frozen_demo(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimServer]:
    """The demo's simulator, made and read with the wall clock stopped (Textual and
    asyncio keep time with the monotonic clock, which runs on)."""
    monkeypatch.setattr(time, "time", lambda: FROZEN)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    with SimServer(SimConfig(seed=7, demo=True)) as server:
        yield server
    monkeypatch.undo()
    time.tzset()


def app_in(sim: SimServer, mode: str) -> LoomApp:
    return LoomApp(settings_for(sim), mode=mode)


async def cockpit_ready(pilot: Any) -> Any:
    """The cockpit on the job training (the one it opens on), its chart drawn."""
    from tui.areas.fine_tuning.screens.cockpit import FineTuningScreen
    from tui.widgets.line_chart import LineChart

    screen = pilot.app.screen
    assert isinstance(screen, FineTuningScreen)

    def drawn() -> bool:
        job = screen.jobs.get(screen.selected or "")
        follower = screen.service.follower(screen.selected or "")
        return (
            job is not None
            and job.status == "running"
            and follower is not None
            and bool(follower.state.metrics)
            and any(line.series for line in screen.query_one(LineChart).lines)
        )

    await until(drawn, "the running job's chart")
    await pilot.pause(0.3)
    return screen


def test_fine_tuning_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    assert snap_compare(
        app_in(frozen_demo, "fine-tuning"), terminal_size=(80, 24), run_before=cockpit_ready
    )


def test_fine_tuning_events_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def events(pilot: Any) -> None:
        await cockpit_ready(pilot)
        await pilot.press("2")
        await pilot.pause(0.3)

    assert snap_compare(
        app_in(frozen_demo, "fine-tuning"), terminal_size=(80, 24), run_before=events
    )


def test_confirm_pause_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def asked(pilot: Any) -> None:
        from tui.screens.confirm import ConfirmEdit

        await cockpit_ready(pilot)
        await pilot.press("p")
        await until(lambda: isinstance(pilot.app.screen, ConfirmEdit), "the dialog")
        await pilot.pause(0.2)

    assert snap_compare(
        app_in(frozen_demo, "fine-tuning"), terminal_size=(80, 24), run_before=asked
    )


def test_confirm_cancel_asks_for_the_name_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def asked(pilot: Any) -> None:
        from tui.screens.confirm import ConfirmEdit

        await cockpit_ready(pilot)
        await pilot.press("x")
        await until(lambda: isinstance(pilot.app.screen, ConfirmEdit), "the dialog")
        await pilot.press(*"loomis")
        await pilot.pause(0.2)

    assert snap_compare(
        app_in(frozen_demo, "fine-tuning"), terminal_size=(80, 24), run_before=asked
    )


def test_new_job_form_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def form(pilot: Any) -> None:
        from tui.areas.fine_tuning.screens.create import CreateJobScreen

        await cockpit_ready(pilot)
        await pilot.press("n")
        await until(lambda: isinstance(pilot.app.screen, CreateJobScreen), "the form")
        await pilot.pause(0.3)

    assert snap_compare(app_in(frozen_demo, "fine-tuning"), terminal_size=(80, 24), run_before=form)


def test_models_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def listed(pilot: Any) -> None:
        from tui.areas.models.screens.browser import ModelsScreen

        screen = pilot.app.screen
        assert isinstance(screen, ModelsScreen)
        await until(lambda: bool(screen.shown), "the model list")
        await quiet(pilot)  # the list as fetched, and what the ledger says of each model
        await pilot.press("down", "down", "down")
        await quiet(pilot)
        await pilot.pause(0.3)

    assert snap_compare(app_in(frozen_demo, "models"), terminal_size=(80, 24), run_before=listed)


def test_usage_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def charted(pilot: Any) -> None:
        from tui.areas.usage.screens.usage import UsageScreen

        screen = pilot.app.screen
        assert isinstance(screen, UsageScreen)
        await until(lambda: screen.dataset is not None and screen.dataset.complete, "the usage", 20)
        await pilot.press("left", "left")
        await pilot.pause(0.3)

    assert snap_compare(app_in(frozen_demo, "usage"), terminal_size=(80, 24), run_before=charted)


def test_requests_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def listed(pilot: Any) -> None:
        from tui.areas.requests.screens.inspector import RequestsScreen

        await quiet(pilot)
        await pilot.press(*"hello", "enter")
        await quiet(pilot)
        await pilot.press("f8")
        await until(lambda: isinstance(pilot.app.screen, RequestsScreen), "the inspector")
        screen = pilot.app.screen
        await until(lambda: len(screen.records) >= 2, "the models and the chat request")
        await pilot.pause(0.3)
        # Times differ run to run: pinned (the records are the inspector's own objects).
        for n, record in enumerate(pilot.app.services.requests):
            record.latency, record.ttfb = 0.012 + n / 1000, 0.004
            record.first_token = record.first_token and 0.006
            record.processing_ms = record.processing_ms and 3
        screen._fill()
        await pilot.pause(0.2)

    assert snap_compare(app_in(frozen_demo, "chat"), terminal_size=(80, 24), run_before=listed)


async def batches_ready(pilot: Any) -> Any:
    """The batches screen listed, on the batch that runs (the one it opens on)."""
    from tui.areas.batches.screens.batches import BatchesScreen

    screen = pilot.app.screen
    assert isinstance(screen, BatchesScreen)
    await until(lambda: bool(screen.batches) and screen.selected is not None, "the batches")
    await pilot.pause(0.3)
    return screen


def test_batches_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    assert snap_compare(
        app_in(frozen_demo, "batches"), terminal_size=(80, 24), run_before=batches_ready
    )


def test_batch_results_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def results(pilot: Any) -> None:
        from tui.areas.batches.screens.results import ResultsScreen

        screen = await batches_ready(pilot)
        await pilot.press("end")
        await until(lambda: (b := screen.current()) is not None and b.finished, "the last")
        await pilot.press("r")
        await until(lambda: isinstance(pilot.app.screen, ResultsScreen), "the results")
        await until(lambda: pilot.app.screen.complete, "every row")
        await pilot.pause(0.3)

    assert snap_compare(app_in(frozen_demo, "batches"), terminal_size=(80, 24), run_before=results)


async def _playground(pilot: Any, tool: str, text: str) -> None:
    from tui.areas.playground.screens.playground import PlaygroundScreen

    await until(lambda: isinstance(pilot.app.screen, PlaygroundScreen), "the playground")
    screen = pilot.app.screen
    screen.action_tool(tool)
    screen.tool().set_text(text)
    await pilot.press("f2")
    await until(lambda: not screen.busy, "the answer")
    await pilot.pause(0.3)


def test_playground_completion_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def completed(pilot: Any) -> None:
        await _playground(pilot, "completions", "Once upon a time, in a city of weavers,")
        pilot.app.screen.tool().result().focus()
        await pilot.press("right", "right", "right")
        await pilot.pause(0.2)

    assert snap_compare(
        app_in(frozen_demo, "playground"), terminal_size=(80, 24), run_before=completed
    )


def test_playground_embeddings_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def embedded(pilot: Any) -> None:
        texts = "The cat sat on the mat\nA cat was sitting on a mat\nDogs chase cats\nTax is due"
        await _playground(pilot, "embeddings", texts)

    assert snap_compare(
        app_in(frozen_demo, "playground"), terminal_size=(80, 24), run_before=embedded
    )


def test_playground_moderations_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def moderated(pilot: Any) -> None:
        await _playground(pilot, "moderations", "I will find you and hurt you\nLovely weather")

    assert snap_compare(
        app_in(frozen_demo, "playground"), terminal_size=(80, 24), run_before=moderated
    )


async def _organisation(pilot: Any, section: str) -> None:
    from tui.areas.admin.screens.console import AdminScreen

    screen = pilot.app.screen
    assert isinstance(screen, AdminScreen)
    await until(
        lambda: screen.view is not None and all(p.loaded for p in screen.view.projects),
        "the organisation",
    )
    await pilot.press(section)
    if section == "5":
        await until(lambda: bool(screen.entries), "the audit log")
    await quiet(pilot)


def test_organisation_keys_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def keys(pilot: Any) -> None:
        await _organisation(pilot, "3")

    app = LoomApp(settings_for(frozen_demo, admin_key="sk-admin-snap-000001"), mode="admin")
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys)


def test_organisation_audit_log_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def audit(pilot: Any) -> None:
        await _organisation(pilot, "5")

    app = LoomApp(settings_for(frozen_demo, admin_key="sk-admin-snap-000001"), mode="admin")
    assert snap_compare(app, terminal_size=(80, 24), run_before=audit)


def test_assistants_80x24(snap_compare: Any, frozen_demo: SimServer) -> None:
    async def listed(pilot: Any) -> None:
        from tui.areas.assistants.screens.assistants import AssistantsScreen

        screen = pilot.app.screen
        assert isinstance(screen, AssistantsScreen)
        from tui.widgets.row_table import RowTable

        await until(lambda: len(screen.query_one(RowTable).rows) == 4, "the list filled")
        await pilot.press("down")
        await quiet(pilot)

    assert snap_compare(
        app_in(frozen_demo, "assistants"), terminal_size=(80, 24), run_before=listed
    )
