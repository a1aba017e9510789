"""The chat screen driven by Textual's Pilot, against the simulator over loopback."""

from __future__ import annotations

import asyncio

import pytest

from tui.app import LoomApp
from tui.areas.chat.screens import ChatScreen
from tui.areas.chat.widgets.messages import ReplyView, UserMessage
from tui.areas.chat.widgets.prompt_input import PromptInput
from tui.areas.chat.widgets.reply_body import GROWTH_STEP, ReplyBody
from tui.areas.chat.widgets.status_line import StatusLine
from tui.config import Settings
from tui.screens.help import HelpScreen
from tui.screens.model_picker import ModelPicker
from tui.sim.app import SimConfig
from tui.sim.faults import Fault
from tui.sim.server import SimServer

from .conftest import (
    free_port,
    screen_text,
    send,
    settings_for,
    settle,
    start_reply_and_wait,
    until,
)


async def test_prompt_is_quoted_in_the_rendered_reply(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "hello loom")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        reply = screen.query_one(ReplyView)
        assert reply.finished and reply.finish_reason == "stop"
        assert reply.text.startswith("You wrote:\n\n> hello loom")
        rendered = screen_text(app)
        assert "hello loom" in rendered
        assert "assistant · gpt-4o-mini" in rendered or "gpt-4o-mini" in rendered
        status = screen.query_one(StatusLine)
        assert status.completion_tokens and status.completion_tokens > 20
        assert status.prompt_tokens and status.ttft is not None
        assert screen.history[-1]["role"] == "assistant"
        assert screen.query_one(PromptInput).text == ""


async def test_multi_line_prompt_and_a_second_turn(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "line one\nline two")
        await settle(pilot, app)
        await send(pilot, app, "again")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        users = [u.text for u in screen.query(UserMessage)]
        assert users == ["line one\nline two", "again"]
        replies = list(screen.query(ReplyView))
        assert replies[0].text.startswith("You wrote:\n\n> line one\n> line two")
        assert [m["role"] for m in screen.history] == ["user", "assistant", "user", "assistant"]


async def test_escape_stops_the_stream_and_keeps_the_text() -> None:
    with SimServer(SimConfig(tokens_per_second=25)) as slow:
        app = LoomApp(settings_for(slow))
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await start_reply_and_wait(app, "stop me", 30)
            reply = screen.query_one(ReplyView)
            await pilot.press("escape")
            await settle(pilot, app)
            assert not screen.streaming
            assert reply.finish_reason == "stopped"
            kept = reply.text
            assert kept.startswith("You wrote") and len(kept) < 400
            assert screen.history[-1] == {"role": "assistant", "content": kept}
            assert "stopped" in screen_text(app)
            assert slow.state.chat_requests == 1


async def test_cut_stream_shows_what_to_do_and_keeps_partial_text(sim: SimServer) -> None:
    sim.state.faults.add(Fault("cut", after_chunks=8))
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "cut")
        await settle(pilot, app)
        reply = app.screen.query_one(ReplyView)
        assert reply.error is not None and reply.error.headline == "The reply was cut off."
        assert reply.text.startswith("You wrote")
        text = screen_text(app)
        assert "cut off" in text and "ctrl+r" in text
        assert "Traceback" not in text
        # ctrl+r asks again and this time the reply is whole; the cut one is kept as the
        # first version of the reply.
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        (again,) = app.screen.query(ReplyView)
        assert again.finish_reason == "stop" and again.branch == (2, 2)


async def test_wrong_key_says_how_to_fix_it() -> None:
    with SimServer(SimConfig(api_key="sk-the-right-one-0000")) as strict:
        app = LoomApp(settings_for(strict, api_key="sk-the-wrong-one-1111"))
        async with app.run_test(size=(100, 30)) as pilot:
            await send(pilot, app, "hi")
            await settle(pilot, app)
            text = screen_text(app)
            assert "rejected the API key (401)" in text
            assert "OPENAI_API_KEY" in text and "loom --demo" in text
            assert "sk-the-wrong-one-1111" not in text


async def test_rate_limit_that_outlasts_retries_is_explained(sim: SimServer) -> None:
    sim.state.faults.add(Fault("rate_limit", seconds=0.05), times=3)
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "busy")
        await settle(pilot, app)
        reply = app.screen.query_one(ReplyView)
        assert reply.error is not None and "429" in reply.error.headline
        assert "Rate limit" in screen_text(app)


async def test_connection_refused_is_explained() -> None:
    settings = Settings(base_url=f"http://127.0.0.1:{free_port()}/v1", api_key="k", max_retries=0)
    app = LoomApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "anyone?")
        await settle(pilot, app)
        text = screen_text(app)
        assert "Could not reach the server" in text and "refused" in text
        assert "loom --demo" in text


async def test_without_a_key_the_app_explains_both_ways_in() -> None:
    app = LoomApp(Settings(api_key=None))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "OPENAI_API_KEY" in text and "loom --demo" in text
        await send(pilot, app, "hello?")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        assert not list(screen.query(ReplyView))
        # What the user typed is not thrown away.
        assert screen.query_one(PromptInput).text == "hello?"


async def test_model_picker_filters_and_switches_model(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        await until(lambda: bool(screen.models), "the model list")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, ModelPicker)
        await pilot.press(*"4.1-n")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        assert screen.query_one(StatusLine).model == "gpt-4.1-nano"
        await send(pilot, app, "which model?")
        await settle(pilot, app)
        assert screen.query_one(ReplyView).model == "gpt-4.1-nano"
        assert sim.state.last_headers  # the request reached the simulator


async def test_help_lists_the_keys_and_closes(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for _ in range(6):
            await pilot.press("pagedown")
            await pilot.pause()
            text += screen_text(app)
        keys = ("enter", "ctrl+j", "escape", "ctrl+o", "ctrl+q", "pageup", "ctrl+l", "ctrl+f")
        for key in (*keys, "ctrl+up", "f3", "ctrl+s", "f2", "another version", "Copy a code block"):
            assert key in text, key
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)


async def test_footer_shows_the_chat_keys_at_80x24(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = screen_text(app).splitlines()
        last = lines[-1]
        labels = ("Model", "New", "Chats", "Find", "Msgs", "Params", "Help", "Quit")
        for label in labels:
            assert label in last, label
        assert "Stop" not in last  # nothing streams: esc has nothing to stop
        # Send and newline are in the prompt itself, where the eye is when typing.
        assert any("Enter sends, ctrl+j new line" in line for line in lines)


async def test_ctrl_q_quits(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_demo_mode_starts_its_own_simulator() -> None:
    settings = Settings.load({}, demo=True)
    settings.sim_tokens_per_second = 0
    app = LoomApp(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, app, "demo round trip")
        await settle(pilot, app)
        assert app.services.sim is not None
        assert app.settings.base_url.startswith("http://127.0.0.1:")
        reply = app.screen.query_one(ReplyView)
        assert reply.text.startswith("You wrote:\n\n> demo round trip")
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        assert "gpt-4o-mini" in screen.models
    assert app.services.sim is None


async def test_rendered_reply_equals_a_one_shot_render() -> None:
    """The streamed, segmented render shows the same lines as rendering the text at once."""
    # Paced, so the text reaches the renderer in many small flushes as it does for people.
    with SimServer(SimConfig(seed=3, reply_tokens=900, tokens_per_second=400)) as long_sim:
        app = LoomApp(settings_for(long_sim))
        async with app.run_test(size=(100, 400)) as pilot:
            await send(pilot, app, "render check\nover two lines")
            await settle(pilot, app)
            screen = app.screen
            reply = screen.query_one(ReplyView)
            assert reply.segments >= 2, "the reply should span several Markdown segments"
            assert "render check over two lines" in screen_text(app)
            streamed = _reply_lines(app)
            body = reply.query_one(ReplyBody)
            await reply.mount(ReplyBody([reply.text]), after=body)
            await body.remove()
            await asyncio.sleep(0.1)
            await pilot.pause()
            whole = _reply_lines(app)
            assert len(whole) > 60
            assert streamed == whole


async def test_screen_matches_the_text_while_it_streams() -> None:
    """Mid-stream, only the changed lines are repainted: what is painted must still equal
    a one-shot render of the text received so far (no stale or missing lines)."""
    from tui.widgets.markdown_render import marks_code, render_markdown

    with SimServer(SimConfig(seed=4, reply_tokens=700, tokens_per_second=150)) as paced:
        app = LoomApp(settings_for(paced))
        async with app.run_test(size=(90, 200)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ChatScreen)
            prompt = screen.query_one(PromptInput)
            prompt.load_text("check while streaming")
            prompt.action_submit()
            # The reply's view is mounted a few frames after the submit (later still on a
            # loaded machine): wait for it, then check until it has settled.
            await until(lambda: bool(screen.query(ReplyView)), "the reply's view", seconds=30)
            checked = 0
            for _ in range(2000):
                await asyncio.sleep(0.03)
                replies = screen.query(ReplyView)
                if replies.last().settled:
                    break
                # The view mounts its body a frame after it appears: wait for that state
                # (querying before it is there raised NoMatches, once in 338 runs).
                bodies = replies.last().query(ReplyBody)
                if not bodies:
                    continue
                body = bodies.first()
                if not body.pieces or not body.content_size.width:
                    continue
                painted = [line.strip() for line in _reply_lines(app)[1:]]
                painted = painted[: next(i for i, t in enumerate(painted) if t.startswith("╭"))]
                options = app.console.options.update(width=body.content_size.width)
                marked = marks_code(app.console, body._code_theme())
                markdown = render_markdown(body.source, body._code_theme(), mark_code=marked)
                rendered = app.console.render_lines(markdown, options)
                expected = ["".join(seg.text for seg in line).strip() for line in rendered]
                while expected and not expected[-1]:
                    expected.pop()
                shown = min(len(painted), len(expected))
                # Layout may trail the newest flush by a frame; what is shown must match.
                assert shown >= len(expected) - GROWTH_STEP * 2
                assert painted[:shown] == expected[:shown]
                assert not any(painted[len(expected) :]), "stale text below the reply"
                checked += 1
            assert checked >= 10


def _reply_lines(app: LoomApp) -> list[str]:
    lines = screen_text(app).splitlines()
    start = next(i for i, line in enumerate(lines) if "assistant ·" in line)
    end = next(i for i in range(len(lines) - 1, 0, -1) if "Message (Enter" in lines[i])
    return lines[start:end]


async def test_long_reply_keeps_few_renders_and_scrolls_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only recently used pieces keep rendered lines; scrolling back renders them again."""
    with SimServer(SimConfig(seed=5, reply_tokens=4000)) as long_sim:
        app = LoomApp(settings_for(long_sim))
        async with app.run_test(size=(80, 24)) as pilot:
            cache = app.screen.render_cache  # type: ignore[attr-defined]
            cache.kept = 3
            await send(pilot, app, "a long one")
            await settle(pilot, app)
            body = app.screen.query_one(ReplyBody)
            assert len(body.pieces) > cache.kept
            assert len(cache) <= cache.kept
            assert "You wrote:" not in screen_text(app)
            conversation = app.screen.query_one("#conversation")
            conversation.scroll_home(animate=False)
            await pilot.pause()
            await pilot.press("pageup")
            assert "You wrote:" in screen_text(app)
            assert "a long one" in screen_text(app)


def test_a_delta_takes_text_until_the_view_takes_it() -> None:
    delta = ReplyView.Delta("a")
    assert delta.add("b") and delta.text == "ab"
    delta.taken = True
    assert not delta.add("c") and delta.text == "ab"


async def test_own_server_without_a_key_is_tried_and_a_401_explained(sim: SimServer) -> None:
    """vLLM, Ollama and LM Studio often need no key: Loom sends without one, and if the
    server does want one, says so."""
    settings = Settings(base_url=sim.base_url, api_key=None, max_retries=0)
    assert settings.can_send and not settings.has_key
    assert not Settings(api_key=None).can_send
    app = LoomApp(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "keyless")
        await settle(pilot, app)
        text = screen_text(app)
        assert "rejected the API key (401)" in text and "OPENAI_API_KEY" in text
        assert not sim.state.last_had_key


async def test_chat_actions_are_in_the_command_palette(sim: SimServer) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, app, "before")
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Stop", "Model", "Retry", "New", "Help"):
            assert title in titles, title
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"New")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        assert screen.history == [] and not list(screen.query(ReplyView))


async def test_style_updates_rerender_a_reply_only_when_its_colours_change(
    sim: SimServer,
) -> None:
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, app, "colours")
        await settle(pilot, app)
        body = app.screen.query_one(ReplyBody)
        mine = body.cache.owned_by(body)
        assert mine
        body.notify_style_update()  # as hover or focus elsewhere would
        assert all(body.cache.peek(body, k) is v for k, v in mine.items())
        app.theme = "loom-light"
        await pilot.pause(0.2)
        await settle(pilot, app)
        assert all(body.cache.peek(body, k) is not v for k, v in mine.items())
        assert "colours" in screen_text(app)


async def test_large_flushes_render_off_the_loop_and_a_resize_discards_their_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A flush of THREAD_CHARS or more renders in the render thread. While it does, the
    app keeps answering, the text in flight still counts as received, and lines made for
    a width that changed meanwhile are rendered again rather than painted."""
    import threading

    from tui.areas.chat.widgets import messages, reply_body
    from tui.widgets.markdown_render import marks_code, render_markdown

    real = reply_body.render_piece
    release = threading.Event()
    widths: list[int] = []

    def held_in_the_thread(*args: object) -> list[object]:
        if threading.current_thread() is not threading.main_thread():
            widths.append(args[1].max_width)  # type: ignore[attr-defined]
            release.wait(10)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(reply_body, "render_piece", held_in_the_thread)
    with SimServer(SimConfig(seed=6, reply_tokens=1500)) as fast:
        app = LoomApp(settings_for(fast))
        async with app.run_test(size=(100, 40)) as pilot:
            await send(pilot, app, "big flushes")
            reply: ReplyView | None = None
            for _ in range(500):
                await asyncio.sleep(0.01)
                replies = app.screen.query(ReplyView)
                reply = replies.last() if replies else None
                if widths:
                    break
            assert reply is not None and widths, "no flush went to the render thread"
            assert reply._rendering is not None and not reply.settled
            # the stream ends; the loop is not held (a stream that never ends fails here)
            await asyncio.wait_for(app.workers.wait_for_complete(), timeout=30)
            assert len(reply.text) > reply.rendered_chars
            received = reply.text
            await pilot.resize_terminal(70, 40)
            await pilot.pause(0.1)
            release.set()
            await settle(pilot, app)
            body = reply.query_one(ReplyBody)
            assert reply.settled and body.source == received == reply.text
            width = body.content_size.width
            assert width != widths[0]
            painted = [body.render_line(y).text.strip() for y in range(body.size.height)]
            options = app.console.options.update(width=width)
            code = body._code_theme()
            markdown = render_markdown(received, code, mark_code=marks_code(app.console, code))
            rendered = app.console.render_lines(markdown, options)
            expected = ["".join(seg.text for seg in line).strip() for line in rendered]
            assert [line for line in painted if line] == [line for line in expected if line]
    assert messages.THREAD_CHARS <= messages.FLUSH_CHARS


async def test_a_stored_reply_is_shown_in_one_pass_or_a_long_one_by_flushes(
    sim: SimServer,
) -> None:
    from tui.areas.chat.widgets import messages

    paragraph = "A stored paragraph with `code` and *emphasis*, long enough to wrap.\n\n"
    short = paragraph * 150
    long = paragraph * (messages.RESTORE_AT_ONCE_CHARS // len(paragraph) + 40)
    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        conversation = app.screen.query_one("#conversation")
        shown: list[ReplyView] = []
        for text in (short, long):
            reply = ReplyView("stored-model")
            await conversation.mount(reply)
            reply.restore(text, "stop", incomplete=False)
            shown.append(reply)
        first, second = shown
        # The short one is on screen at once, cut into pieces of about FLUSH_CHARS.
        assert first.settled and first.query_one(ReplyBody).source == short
        assert len(first.query_one(ReplyBody).pieces) == -(-len(short) // messages.FLUSH_CHARS)
        # The long one arrives a flush at a time, and ends whole.
        assert not second.settled
        await settle(pilot, app)
        assert second.settled and second.query_one(ReplyBody).source == long == second.text
