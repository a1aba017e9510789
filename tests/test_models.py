"""The model browser: facts from the server, the config and Loom's table with their
sources; lists of odd shapes over loopback; the catalogue kept in a real store and used
when the server fails; the simulator's catalogue, delete and chat rules; the screen
driven by Pilot (kinds, prices, a deprecation marked, filter, detail, chat, delete)."""

from __future__ import annotations

import asyncio
import datetime
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tui.api.client import OpenAIClient
from tui.api.errors import MalformedResponseError, NotFoundError, PermissionDeniedError
from tui.app import LoomApp
from tui.areas.chat.api.resource import ChatResource
from tui.areas.chat.screens import ChatScreen
from tui.areas.fine_tuning.api.resource import FineTuningResource
from tui.areas.models.screens.browser import ModelsScreen
from tui.areas.models.screens.detail import ModelDetail
from tui.config import Settings
from tui.core.model_facts import describe, guess_kind, short_name
from tui.core.pricing import load_prices
from tui.core.services import Services
from tui.sim.faults import Fault
from tui.sim.server import SimServer, bind_socket
from tui.widgets.row_table import RowTable

from .conftest import screen_text, settings_for, until


def test_facts_come_from_the_server_first_then_the_config_then_loom() -> None:
    openrouter = describe(
        "openai/gpt-4o",
        extra={
            "context_length": 128000,
            "pricing": {"prompt": "0.0000025", "completion": "0.00001"},
            "top_provider": {"max_completion_tokens": 16384},
        },
    )
    assert openrouter.context_window is not None and openrouter.context_window.source == "server"
    assert openrouter.input_price is not None and openrouter.input_price.value == pytest.approx(2.5)
    assert openrouter.kind.value == "chat"  # from Loom's table: openai/gpt-4o is gpt-4o
    vllm = describe("meta-llama/Llama-3.1-8B-Instruct", extra={"max_model_len": 32768})
    assert vllm.context_window.value == 32768 and vllm.kind.value == "chat"  # type: ignore[union-attr]
    lmstudio = describe("nomic-embed-text-v1.5", extra={"type": "embeddings"})
    assert lmstudio.kind.value == "embedding" and not lmstudio.chat
    shipped = describe("gpt-4o-2024-08-06", prices=load_prices())
    assert shipped.context_window is not None and shipped.context_window.source.startswith(
        "Loom's table ("
    )
    assert shipped.input_price is not None and shipped.input_price.source.startswith("prices (")
    mine = describe(
        "gpt-4o", config={"gpt-4o": {"context_window": 64000, "shutdown": "2030-01-01"}}
    )
    assert mine.context_window.value == 64000 and mine.context_window.source == "config"  # type: ignore[union-attr]
    tuned = describe("ft:gpt-4o-mini-2024-07-18:acme:weaver:abc123", prices=load_prices())
    assert tuned.kind.value == "fine-tuned" and tuned.base == "gpt-4o-mini-2024-07-18"
    assert tuned.input_price is not None and tuned.input_price.value == 0.30  # fine-tuned price
    assert guess_kind("ft:gpt-4o-mini:acme:w:abc:ckpt-step-30") == "checkpoint"
    assert short_name("ft:gpt-4o-mini:acme:w:abc:ckpt-step-30") == "ft w @30"
    for model, kind in (
        ("text-embedding-3-small", "embedding"),
        ("dall-e-3", "image"),
        ("whisper-1", "audio"),
        ("omni-moderation-latest", "moderation"),
        ("o4-mini", "reasoning"),
        ("llama3.2:3b", "chat"),
        ("mystery-9000", "unknown"),
    ):
        assert guess_kind(model) == kind, model


def test_a_shutdown_is_past_soon_or_later() -> None:
    info = describe("gpt-4.5-preview")
    assert info.ends(datetime.date(2025, 8, 1)) == ("past", "2025-07-14")
    assert info.ends(datetime.date(2025, 6, 1)) == ("soon", "2025-07-14")
    assert info.ends(datetime.date(2024, 1, 1)) == ("later", "2025-07-14")
    assert describe("gpt-4o").ends() is None


@pytest.fixture
def odd_server() -> Iterator[tuple[str, dict[str, Any]]]:
    """A server whose model list is whatever the test puts in `answer["body"]`."""
    answer: dict[str, Any] = {"body": {"data": []}, "status": 200}

    async def models(request: Request) -> JSONResponse:
        return JSONResponse(answer["body"], status_code=answer["status"])

    app = Starlette(routes=[Route("/v1/models", models)])
    sock = bind_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve([sock])), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1", answer
    server.should_exit = True
    thread.join(timeout=5)
    sock.close()


async def test_lists_of_other_shapes_are_read_and_what_cannot_be_is_counted(
    odd_server: tuple[str, dict[str, Any]],
) -> None:
    base, answer = odd_server
    answer["body"] = {
        "data": [
            {"id": "qwen/qwen3-235b:free", "context_length": 40960, "pricing": {"prompt": "0"}},
            {"id": "llama3.2:3b"},  # Ollama: no created, no owned_by
            {"id": "org/model", "created": None, "owned_by": None, "object": None},
            "not a model",
            {"name": "no id"},
        ]
    }
    async with OpenAIClient(base_url=base, api_key="k") as client:
        listing = await client.models.listing()
        assert [m.id for m in listing.models] == [
            "llama3.2:3b",
            "org/model",
            "qwen/qwen3-235b:free",
        ]
        assert listing.skipped == 2
        assert listing.models[2].model_extra == {
            "context_length": 40960,
            "pricing": {"prompt": "0"},
        }
        answer["body"] = {"object": "list", "data": {"gpt-4o": {}}}
        with pytest.raises(MalformedResponseError, match="no list of models"):
            await client.models.listing()
        answer["body"] = [{"id": "bare-list"}]  # some servers answer with the list alone
        assert [m.id for m in await client.models.list()] == ["bare-list"]


async def test_the_catalogue_is_kept_and_used_when_the_server_fails(
    sim: SimServer, tmp_path: Path
) -> None:
    settings = Settings(
        base_url=sim.base_url, api_key="sk-test-fake-0001", data_dir=tmp_path, max_retries=0
    )
    first = Services(settings)
    fresh = await first.catalogue.refresh()
    assert fresh.fetched_at and fresh.stale is None and fresh.find("gpt-4.5-preview")
    await first.aclose()
    again = Services(
        Settings(
            base_url=sim.base_url, api_key="sk-test-fake-0001", data_dir=tmp_path, max_retries=0
        )
    )
    kept = await again.catalogue.from_store()
    assert [m.id for m in kept.models] == [m.id for m in fresh.models]  # shown at once
    assert kept.stale and "last time" in kept.stale
    sim.state.faults.add(Fault("status", status=500), times=5, route="models")
    from tui.api.errors import ServerError

    with pytest.raises(ServerError):
        await again.catalogue.refresh()
    current = again.catalogue.current
    assert current.models and current.stale and "500" in current.stale
    assert "showing the list from" in current.stale
    await again.aclose()


async def test_the_simulators_catalogue_delete_and_chat_rules(client: OpenAIClient) -> None:
    models = {m.id: m for m in await client.models.list()}
    kinds = {describe(m).kind.value for m in models}
    assert {"chat", "reasoning", "embedding", "image", "audio", "moderation"} <= kinds
    assert "gpt-4.5-preview" in models
    with pytest.raises(PermissionDeniedError, match="only fine-tuned models"):
        await client.models.delete("gpt-4o")
    with pytest.raises(NotFoundError):
        await client.models.delete("ft:nothing:at:all:x")
    from tui.areas.chat.api.schemas import ChatCompletionRequest, ChatMessage

    with pytest.raises(NotFoundError, match="not a chat model"):
        await ChatResource(client).create(
            ChatCompletionRequest(
                model="text-embedding-3-small", messages=[ChatMessage(role="user", content="x")]
            )
        )


async def test_deleting_a_fine_tuned_model(tmp_path: Path) -> None:
    from tui.areas.fine_tuning.sim.jobs import Timing
    from tui.areas.fine_tuning.sim.routes import (
        add_file,
        make_job,
        parse_job_request,
        training_jsonl,
    )
    from tui.sim.app import SimConfig

    with SimServer(SimConfig(timing={"fine_tuning": Timing(0, 0, 0.001)})) as server:
        state = server.state
        file_id = add_file(state, "t.jsonl", training_jsonl(12), created_at=0)
        job = make_job(
            state, parse_job_request({"model": "gpt-4o-mini", "training_file": file_id}, state)
        )
        async with OpenAIClient(base_url=server.base_url, api_key="k") as client:
            for _ in range(100):
                if (await FineTuningResource(client).retrieve(job.id)).status == "succeeded":
                    break
                await asyncio.sleep(0.02)
            model = job.fine_tuned_model
            assert model in {m.id for m in await client.models.list()}
            gone = await client.models.delete(model)
            assert gone.deleted and model not in {m.id for m in await client.models.list()}
            with pytest.raises(NotFoundError):
                await client.models.retrieve(model)


def _models(app: Any) -> ModelsScreen:
    screen = app.screen
    assert isinstance(screen, ModelsScreen), f"expected the model browser, got {screen!r}"
    return screen


async def test_the_browser_lists_kinds_prices_and_a_deprecation_and_opens_a_model(
    sim: SimServer,
) -> None:
    app = LoomApp(settings_for(sim), mode="models")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: len(_models(app).shown) > 10, "the catalogue")
        text = screen_text(app)
        assert "gpt-4o-mini" in text and "chat" in text and "$0.15" in text
        await pilot.press("/", *"preview")
        await until(lambda: [m.id for m in _models(app).shown] == ["gpt-4.5-preview"], "filtered")
        assert "✗ 2025-07-14" in screen_text(app)  # at 80 columns the mark; the words below:
        assert "shut down since 2025-07-14" in screen_text(app)
        await pilot.press("enter")  # leaves the filter for the list
        await pilot.press("enter")  # opens the model
        await until(lambda: isinstance(app.screen, ModelDetail), "the model in full")
        await until(
            lambda: '"owned_by": "loom-simulator"' in screen_text(app), "the server's fields"
        )
        detail = screen_text(app)
        assert "shut down" in detail and "2025-07-14" in detail and "Loom's table" in detail
        await pilot.press("t")
        await until(lambda: isinstance(app.screen, ChatScreen), "the chat")
        assert app.screen.session.model == "gpt-4.5-preview"


async def test_the_kind_filter_and_sorting(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim), mode="models")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: len(_models(app).shown) > 10, "the catalogue")
        screen = _models(app)
        await pilot.press("k")  # chat: those the chat endpoint serves
        assert screen.shown and all(m.chat for m in screen.shown)
        await pilot.press("k")  # then the first kind present
        assert {m.kind.value for m in screen.shown} == {"chat"}
        while screen.sort != "context":
            await pilot.press("s")
        contexts = [m.context_window.value if m.context_window else -1 for m in screen.shown]
        assert contexts == sorted(contexts)
        await pilot.press("S")
        assert [m.context_window.value if m.context_window else -1 for m in screen.shown] == sorted(
            contexts, reverse=True
        )
        assert "owner" in screen_text(app)  # the wide columns at 120


async def test_grouping_shows_a_heading_over_each_group_and_the_cursor_passes_them(
    sim: SimServer,
) -> None:
    from tui.widgets.row_table import RowTable

    app = LoomApp(settings_for(sim), mode="models")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: len(_models(app).shown) > 10, "the catalogue")
        screen = _models(app)
        while screen.group != "kind":
            await pilot.press("g")
        table = screen.query_one(RowTable)
        headings = [row.cells[0].plain for row in table.rows if row.heading]
        chats = sum(1 for m in screen.shown if m.kind.value == "chat")
        assert headings[0] == f"chat · {chats}" and len(headings) >= 3
        assert len(table.rows) == len(screen.shown) + len(headings)
        await pilot.press("home", "up")
        assert table.current is not None and not table.current.heading
        for _ in range(chats + 1):  # down past the first group: over the next heading
            await pilot.press("down")
            assert table.current is not None and not table.current.heading
        await pilot.pause()
        assert f"chat · {chats}" in screen_text(app) or table.scroll_y > 0


async def test_a_refused_delete_says_it_needs_an_owner_key(sim: SimServer) -> None:
    from tui.core.model_facts import describe as facts

    app = LoomApp(settings_for(sim), mode="models")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: len(_models(app).shown) > 10, "the catalogue")
        screen = _models(app)
        # A fine-tuned model the server will not let this key delete (a 403, as OpenAI gives
        # a key without the Owner role).
        screen.catalogue.models.append(facts("ft:gpt-4o-mini-2024-07-18:other-org::zzz"))  # type: ignore[union-attr]
        screen._make_rows()
        screen._filter()
        await pilot.press("/", *"other-org", "enter")
        await until(lambda: len(screen.shown) == 1, "the fine-tuned model")
        await pilot.press("x")
        await until(lambda: "Delete the model: ft:" in screen_text(app), "the question")
        assert "served → deleted" in " ".join(screen_text(app).split())
        sim.state.faults.add(Fault("status", status=403), route="models")
        await pilot.press("y", "enter")  # destructive: not until the name is typed back
        assert not any("owner" in n.message for n in app._notifications)
        app.screen.query_one("#edit-name").value = "ft:gpt-4o-mini-2024-07-18:other-org::zzz"
        await pilot.press("enter")
        await until(lambda: any("owner" in n.message for n in app._notifications), "why not")
        assert app.is_running


async def test_the_picker_shows_facts_and_hides_models_not_for_chat(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: bool(app.screen.models), "the model list in chat")
        await pilot.press("ctrl+o")
        await pilot.pause()
        text = screen_text(app)
        assert "gpt-4.1  chat · 1.0M · $2.00/$8.00" in text
        assert "text-embedding" not in text


async def test_the_table_moves_through_thousands_of_rows() -> None:
    from rich.text import Text
    from textual.app import App, ComposeResult

    from tui.widgets.row_table import Column, Row

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield RowTable([Column("n", "number", right=True), Column("w", "word")])

    app = One()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(RowTable)
        table.show([Row(str(n), (Text(str(n)), Text(f"row {n}"))) for n in range(5000)])
        table.focus()
        await pilot.press("end")
        await pilot.pause()
        assert table.current is not None and table.current.key == "4999"
        assert "row 4999" in screen_text(app)
        await pilot.press("pageup", "up")
        assert table.cursor < 4999 - 5
        table.show(table.rows[::2], keep="4000")  # filtered: the cursor stays on its row
        assert table.current is not None and table.current.key == "4000"


def test_chat_prices_are_not_given_to_models_of_other_kinds() -> None:
    prices = load_prices()
    assert describe("gpt-4o-transcribe", prices=prices).input_price is None
    assert describe("gpt-4o-2024-08-06", prices=prices).input_price is not None


def test_the_configs_model_facts_are_checked_and_used(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[models."llama3.2"]\nkind = "chat"\ncontext_window = 131072\n')
    settings = Settings.load({}, config=str(path), data_dir=tmp_path)
    assert settings.config_problem is None
    assert settings.model_facts == {"llama3.2": {"kind": "chat", "context_window": 131072}}
    info = describe("llama3.2:3b", config=settings.model_facts)
    assert info.context_window is not None and info.context_window.source == "config"
    path.write_text('[models."x"]\nkind = "wizard"\ncontex_window = 3\n')
    broken = Settings.load({}, config=str(path), data_dir=tmp_path)
    assert broken.config_problem and "models" in broken.config_problem
