"""The assistants area's service and `loom assistants` against a simulator of their own over
loopback: assistants listed, a thread made and kept (the API cannot list threads), a run
streamed into its reply, one that stops for its tool answered and streamed on, its steps,
a thread brought home as a Loom conversation in the real store, and the commands' exit
statuses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.core.services import Services
from tui.sim.app import SimConfig
from tui.sim.server import SimServer

from .conftest import loom, settings_for


@pytest.fixture
def own_sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(seed=12)) as server:
        yield server


async def test_a_thread_runs_answers_its_tool_and_comes_home(
    own_sim: SimServer, tmp_path: Path
) -> None:
    services = Services(settings_for(own_sim, data_dir=str(tmp_path)))
    try:
        service = services.area("assistants")
        helper = next(a for a in await service.assistants() if a.name == "Weaver's helper")
        assert helper.tool_names() == ["code_interpreter", "get_weather()"]
        thread = await service.new_thread(helper.id, "What is the weather in Porto?")
        kinds, text, last = [], "", None
        async with await service.stream_run(thread.id, helper.id) as events:
            async for event in events:
                kinds.append(event.kind)
                if event.run is not None:
                    last = event.run
        assert last is not None and last.status == "requires_action"
        [call] = last.tool_calls()
        assert call.name == "get_weather" and '"city": "Porto"' in call.arguments
        async with await service.answer(thread.id, last.id, {call.id: "18°C"}) as events:
            async for event in events:
                if event.kind == "delta":
                    text += event.text
                if event.run is not None:
                    last = event.run
        assert last.status == "completed" and text.startswith("The tool answered: 18°C")
        steps = await service.steps(thread.id, last.id)
        assert [s.type for s in steps] == ["tool_calls", "message_creation"]
        known = await service.known_threads()
        assert [k.thread_id for k in known] == [thread.id]
        assert known[0].title == "What is the weather in Porto?"
        conversation_id, title = await service.export(thread.id)
        assert title == "What is the weather in Porto? (Weaver's helper)"
        stored = await services.store.run(
            "reading",
            lambda r: (r.conversations.get(conversation_id), r.conversations.path(conversation_id)),
        )
        conversation, path = stored
        assert conversation.model == "gpt-4o-mini"
        assert "get_weather" in conversation.system_prompt
        assert [(m.role, m.content[:19]) for m in path] == [
            ("user", "What is the weather"),
            ("assistant", "The tool answered: "),
        ]
    finally:
        await services.aclose()


def test_loom_assistants_from_the_shell(own_sim: SimServer, tmp_path: Path) -> None:
    env = {
        "OPENAI_BASE_URL": own_sim.base_url,
        "OPENAI_API_KEY": "sk-test-fake-0001",
        "LOOM_DATA_DIR": str(tmp_path),
    }
    listed = loom("assistants", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    helper = next(line.split()[0] for line in listed.stdout.splitlines() if "helper" in line)
    asked = loom(
        "assistants", "run", "new", "How do I warp a loom?", "--assistant", helper, env=env
    )
    assert asked.returncode == 0, asked.stderr
    thread = asked.stderr.split("thread ")[1].split()[0]
    assert asked.stdout.strip()  # the reply, streamed
    tool = loom(
        "assistants",
        "run",
        thread,
        "Call the weather tool for Lisbon",
        "--assistant",
        helper,
        env=env,
    )
    assert tool.returncode == 5 and "get_weather wants an answer" in tool.stderr
    answer = tool.stderr.split("answer with: loom assistants answer ")[1].split()
    run_id, call = answer[1], answer[2].split("=")[0]
    done = loom("assistants", "answer", thread, run_id, f"{call}=sunny", env=env)
    assert done.returncode == 0 and "The tool answered: sunny" in done.stdout
    steps = loom("assistants", "steps", thread, run_id, env=env)
    assert "tool_calls" in steps.stdout and "'sunny'" in steps.stdout
    shown = loom("assistants", "show", thread, env=env)
    assert shown.stdout.count("## user") == 2 and shown.stdout.count("## assistant") == 2
    threads = loom("assistants", "threads", env=env)
    assert thread in threads.stdout and "How do I warp a loom?" in threads.stdout
    home = loom("assistants", "export", thread, env=env)
    assert home.returncode == 0 and home.stdout.startswith("conversation ")
    listed_chats = loom("list", env=env)
    assert "How do I warp a loom?" in listed_chats.stdout
    assert loom("assistants", "run", thread, env=env).returncode == 2  # no --assistant
    gone = loom("assistants", "show", "thread_nope", env=env)
    assert gone.returncode == 1 and "Traceback" not in gone.stderr


async def test_the_screen_walk_done_when(own_sim: SimServer, tmp_path: Path) -> None:
    """Assistants and threads listed; a thread run with streaming, its tool call answered,
    its steps read, and the thread brought home — keyboard only at 80x24."""
    from tui.app import LoomApp
    from tui.areas.assistants.screens.assistants import AssistantsScreen
    from tui.screens.form import FormDialog

    from .conftest import quiet, screen_text, until

    app = LoomApp(settings_for(own_sim, data_dir=str(tmp_path)), mode="assistants")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, AssistantsScreen)
        await until(lambda: len(screen.assistants) == 2, "the assistants")
        await quiet(pilot)
        assert "Weaver's helper" in screen_text(app) and "Threads (0)" in screen_text(app)
        await pilot.press("down", "n", *"What is the weather in Porto?", "enter")
        await until(lambda: isinstance(app.screen, FormDialog), "the tool call asked for")
        text = screen_text(app)
        assert "get_weather" in text and '"city": "Porto"' in text
        assert screen.run is not None and screen.run.status == "requires_action"
        await pilot.press(*"18 C and sunny", "enter")
        await until(
            lambda: screen.run is not None and screen.run.status == "completed", "the run done"
        )
        await quiet(pilot)
        assert [m.role for m in screen.messages] == ["user", "assistant"]
        assert screen.messages[-1].text.startswith("The tool answered: 18 C and sunny")
        assert "Threads (1)" in screen_text(app)
        await pilot.press("s")
        await until(lambda: "Step 2" in screen_text(app), "the steps")
        assert "output    18 C and sunny" in screen_text(app)
        copied: list[str] = []
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await pilot.press("y")
        assert copied == [screen.messages[-1].text]
        await pilot.press("x")
        await quiet(pilot)
        conversations = await app.services.store.run(
            "reading", lambda r: r.conversations.conversations()
        )
        assert [c.title for c in conversations] == [
            "What is the weather in Porto? (Weaver's helper)"
        ]
        # A second message in the same thread: no tool this time, the reply streams in.
        await pilot.press("i", *"Thanks! And how do I warp?", "enter")
        await until(lambda: len(screen.messages) == 4, "the second reply", seconds=15)
        assert screen.run is not None and screen.run.status == "completed"


def test_a_server_without_the_api_is_told_in_one_sentence(
    own_sim: SimServer, tmp_path: Path
) -> None:
    env = {
        "OPENAI_BASE_URL": own_sim.base_url + "/elsewhere",  # every route a 404
        "OPENAI_API_KEY": "sk-test-fake-0001",
        "LOOM_DATA_DIR": str(tmp_path),
    }
    done = loom("assistants", "list", env=env)
    assert done.returncode == 1 and "has no Assistants API" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
