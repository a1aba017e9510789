"""The playground screen driven by Pilot at 80x24 against the simulator over loopback: a
completion streamed in with each token's alternatives, embeddings as a heat map with the
numbers and the neighbours on demand, moderations with their verdicts, and bad input said
with the input kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from tui.app import LoomApp
from tui.areas.playground.screens.playground import PlaygroundScreen
from tui.areas.playground.screens.tools import CompletionsTool, EmbeddingsTool, ModerationsTool
from tui.sim.server import SimServer

from .conftest import screen_text, settings_for, until

T = TypeVar("T", EmbeddingsTool, ModerationsTool)


def _app(sim: SimServer, **overrides: Any) -> LoomApp:
    return LoomApp(settings_for(sim, **overrides), mode="playground")


def _screen(app: Any) -> PlaygroundScreen:
    screen = app.screen
    assert isinstance(screen, PlaygroundScreen), f"expected the playground, got {screen!r}"
    return screen


async def _ask(pilot: Any, key: str, kind: type[T], text: str) -> tuple[PlaygroundScreen, T]:
    """Open the playground, reach a tool with `key`, give it `text` and send it."""
    app = pilot.app
    await until(lambda: isinstance(app.screen, PlaygroundScreen), "the playground")
    screen = _screen(app)
    await pilot.press(key)
    tool = screen.query_one(f"#{kind.NAME}", kind)
    await until(lambda: screen.tool_name == kind.NAME, f"the {kind.NAME} tool")
    tool.set_text(text)
    await pilot.press("f2")
    return screen, tool


def _status(screen: PlaygroundScreen) -> str:
    return str(screen.query_one("#play-status").render())


async def test_a_completion_streams_in_and_each_tokens_alternatives_show(
    sim: SimServer, private_data_dir: Path
) -> None:
    app = _app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, PlaygroundScreen), "the playground")
        screen = _screen(app)
        tool = screen.query_one("#completions", CompletionsTool)
        await pilot.press("f2")
        await until(lambda: "the prompt is empty" in _status(screen), "an empty prompt said")
        await pilot.press(*"Once upon a time", "f2")
        await until(
            lambda: bool(tool.choices.ordered()) and tool.choices.ordered()[0].finish_reason,
            "the completion",
        )
        await until(lambda: "[length]" in screen_text(app), "drawn to its end")
        tokens = tool.tokens()
        assert len(tokens) == 64 and all(len(t.alternatives) == 5 for t in tokens)
        view = tool.view()  # wrapped into lines, nothing lost, none wider than the view
        drawn = "".join(p.text for line in view.lines for p in line)
        assert "".join(t.text for t in tokens) in drawn
        assert max(view.widths) <= view.scrollable_content_region.width - 2
        shown = screen_text(app)
        assert "Token " + repr(tokens[0].text) in shown
        tool.result().focus()
        await pilot.press("right", "right")
        await until(lambda: tool.cursor == 2, "the token cursor moved")
        assert "Token " + repr(tokens[2].text) in screen_text(app)
        best = max(tokens[2].alternatives.items(), key=lambda kv: kv[1])[0]
        assert repr(best) in screen_text(app)
        records = [r for r in app.services.requests if r.path == "/completions"]
        assert records and records[-1].status == 200 and records[-1].completion_tokens == 64
        assert "gpt-3.5-turbo-instruct · 4 in, 64 out" in _status(screen)
        await pilot.press("f4")  # the prompt came back from the store's history
        await until(lambda: "Earlier completions" in screen_text(app), "the history")
        assert "Once upon a time" in screen_text(app)


async def test_embeddings_show_a_heat_map_numbers_and_neighbours(
    sim: SimServer, private_data_dir: Path, tmp_path: Path
) -> None:
    app = _app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, tool = await _ask(
            pilot, "ctrl+t", EmbeddingsTool,
            "The cat sat on the mat\nA cat was sitting on a mat\nQuarterly taxes",
        )  # fmt: skip
        await until(lambda: tool.embedded is not None, "the vectors")
        assert "██" in screen_text(app) and "0.36" not in screen_text(app)
        tool.result().focus()
        await pilot.press("number_sign")
        await until(lambda: tool.numbers, "the numbers on")
        text = str(tool.result().render())
        assert " 1.00" in text
        await pilot.press("down")
        await until(lambda: tool.chosen == 1, "the second text chosen")
        assert "Nearest to 2: 1 (" in str(tool.result().render())
        await pilot.press("ctrl+e")
        exports = private_data_dir / "exports"
        await until(lambda: len(list(exports.glob("*"))) == 3, "three files exported")
        names = sorted(p.suffix for p in exports.iterdir())
        assert names == [".csv", ".jsonl", ".npy"]
        tool.set_text("one\n\nthree\n" + "word " * 9000)
        await pilot.press("f2")
        await until(lambda: "maximum context length" in _status(screen), "too long said")
        assert "(the input is kept)" in _status(screen)
        assert tool.text().startswith("one\n")


async def test_moderations_show_each_verdict_and_a_bad_image_is_said(
    sim: SimServer, private_data_dir: Path, tmp_path: Path
) -> None:
    app = _app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, tool = await _ask(
            pilot, "alt+3", ModerationsTool, "I will kill you\nThe weather is lovely today"
        )
        await until(lambda: tool.verdict is not None, "the verdicts")
        shown = str(tool.result().render())
        assert "FLAGGED  I will kill you" in shown and " ok  The weather" in shown
        assert "violence" in shown.split("The weather")[0]
        assert "1 of 2 flagged" in _status(screen)
        not_image = tmp_path / "notes.png"
        not_image.write_text("just words")
        tool.set_text(f"look\nimage: {not_image}")
        await pilot.press("f2")
        await until(lambda: "is not an image (PNG, JPEG, GIF or WebP)" in _status(screen), "said")
        assert tool.text().startswith("look\n")


async def test_chat_moderates_its_conversation_in_one_key(
    sim: SimServer, private_data_dir: Path
) -> None:
    from tui.areas.chat.screens.screen import ChatScreen

    app = LoomApp(settings_for(sim), mode="chat")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: isinstance(app.screen, ChatScreen), "the chat")
        chat = app.screen
        await pilot.press(*"I will kill you", "enter")
        await until(
            lambda: len(chat.session.turns) == 2 and chat.session.turns[1].finish_reason,
            "the reply",
            seconds=30,
        )
        await pilot.press("f4")
        await until(lambda: isinstance(app.screen, PlaygroundScreen), "the playground")
        tool = app.screen.query_one("#moderations", ModerationsTool)
        await until(lambda: tool.verdict is not None, "the verdicts")
        shown = str(tool.result().render())
        assert "FLAGGED  user: I will kill you" in shown
        assert "assistant: You wrote:" in shown
        assert len(tool.verdict.results) == 2
