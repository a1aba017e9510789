"""Found at 80x24 in daily use: nothing cut in half, a key for every footer, Esc named for
what it does now, notices that do not cover the prompt. The real app, driven by Pilot,
against the simulator."""

from __future__ import annotations

from tui.app import LoomApp
from tui.sim.server import SimServer
from tui.widgets.key_footer import KeyFooter

from .conftest import chat, say, screen_text, settings_for, start_reply_and_wait, until


def _footer(app: LoomApp) -> str:
    return screen_text(app).splitlines()[-1]


async def test_esc_is_named_for_what_it_does_and_footers_say_where_the_rest_is(
    sim: SimServer,
) -> None:
    sim.state.config.tokens_per_second = 200
    try:
        app = LoomApp(settings_for(sim))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(lambda: "Help" in _footer(app), "the footer")
            assert "esc" not in _footer(app)  # idle: nothing to stop
            await start_reply_and_wait(app, "a long reply please", 40)
            await until(lambda: "esc Stop" in _footer(app), "esc Stop while streaming")
            await pilot.press("escape")
            await until(lambda: not chat(app).streaming, "the reply stopped")
            await until(lambda: "esc" not in _footer(app), "esc gone again")
            status = screen_text(app).splitlines()[-2]
            assert "stopped" in status and not status.rstrip().endswith("…")
            await pilot.press("ctrl+up")  # on a message: more keys than 80 columns hold
            await until(lambda: "f1 more" in _footer(app), "the way to see the rest")
            footer = app.screen.query_one(KeyFooter)
            for width in (40, 60, 80, 120):
                keys = footer.fitted(width)
                used = sum(footer._cost(b, words) for b, _, words in keys)
                assert used <= width + 1 and keys[-1][2] in ("more", "Help", "Quit")
    finally:
        sim.state.config.tokens_per_second = 0


async def test_notices_stack_under_the_tab_line_not_over_the_prompt(sim: SimServer) -> None:
    from tui.areas.chat.widgets.prompt_input import PromptInput

    app = LoomApp(settings_for(sim))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await say(pilot, app, "hello")
        for n in range(3):
            app.notify(f"notice {n}", timeout=30)
        await pilot.pause()
        await until(lambda: len(app.screen.query("Toast")) >= 3, "three notices")
        prompt = app.screen.query_one(PromptInput).region
        for toast in app.screen.query("Toast"):
            assert toast.region.y >= 1 and not toast.region.overlaps(prompt)
