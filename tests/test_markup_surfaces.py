"""Text from outside is shown literally wherever it appears: a hypothesis test drives the
real app through every surface that shows such text, with markup-like strings."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tui.app import LoomApp
from tui.areas.chat.screens import ChatScreen
from tui.areas.chat.widgets.messages import ReplyView, UserMessage
from tui.areas.chat.widgets.status_line import StatusLine
from tui.screens.dialogs import AskText, Choose, Confirm
from tui.screens.model_picker import ModelPicker
from tui.screens.params import ParamsScreen
from tui.screens.presets import PresetsScreen
from tui.sim.server import SimServer

from .conftest import screen_text, settings_for, until

MARKUPISH = st.text(alphabet="[]/@=bi:link.()#xq$'\"\\", min_size=1, max_size=12).filter(
    lambda text: text.strip() == text and "```" not in text
)


async def shown(app: LoomApp, pilot: Any, text: str, where: str) -> None:
    """`text` is on screen literally (and the app still runs)."""
    await pilot.pause()
    assert app.is_running and app.return_code is None, f"the app ended at {where}"
    assert text in screen_text(app), f"{text!r} not shown literally at {where}"


async def open_modal(pilot: Any, app: LoomApp, key: str, kind: type) -> Any:
    await pilot.press(key)
    await until(lambda: isinstance(app.screen, kind), f"{kind.__name__} after {key}")
    return app.screen


@settings(
    max_examples=3,
    deadline=None,
    # Each example runs the whole app for seconds: a failure is reported as found, not
    # shrunk through dozens of further runs.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=MARKUPISH)
@example(text="[/]")
@example(text="[b]x[/i]")
@example(text="[@click=app.quit]q[/]")
@example(text="[link=http://x]y")
@example(text="arr[i] [")
async def test_outside_text_is_shown_literally_everywhere(sim: SimServer, text: str) -> None:
    models = sim.state.config.models
    sim.state.config.models = (*models, text)
    try:
        await drive_every_surface(sim, text)
    finally:
        sim.state.config.models = models


async def drive_every_surface(sim: SimServer, text: str) -> None:
    import tempfile

    # Each example starts afresh (hypothesis runs them all within one test).
    app = LoomApp(settings_for(sim, data_dir=tempfile.mkdtemp(prefix="loom-markup-")))
    async with app.run_test(size=(110, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        await until(lambda: bool(screen.models), "the model list")
        # A message (and the conversation's title) made of it, with two code blocks whose
        # language and first line are it too.
        prompt = f"{text}\n\n```{text}\n{text}\n```\n\n```sh\necho {text}\n```"
        screen.query_one("#prompt").load_text(prompt)  # type: ignore[attr-defined]
        screen.query_one("#prompt").action_submit()  # type: ignore[attr-defined]
        await until(lambda: not screen.streaming and bool(screen.query(ReplyView)), "reply")
        await until(lambda: screen.query_one(ReplyView).settled, "the reply on screen")
        await shown(app, pilot, text, "the message")
        # The code-block chooser.
        user = screen.query_one(UserMessage)
        user.focus()
        chooser = await open_modal(pilot, app, "k", Choose)
        await shown(app, pilot, text, "the code-block chooser")
        chooser.dismiss(None)
        # The conversation list, rename and delete dialogs.
        await pilot.press("escape")
        await pilot.press("ctrl+l")
        await until(lambda: bool(screen.query("#chat-list")), "the list")
        screen.query_one("#chat-list").focus()
        await shown(app, pilot, text, "the conversation list")
        rename = await open_modal(pilot, app, "f2", AskText)
        rename.dismiss(None)
        await pilot.pause()
        confirm = await open_modal(pilot, app, "d", Confirm)
        await shown(app, pilot, text, "the delete question")
        confirm.dismiss(False)
        await pilot.pause()
        # The model picker, then the model in the status line.
        screen.query_one("#prompt").focus()
        picker = await open_modal(pilot, app, "ctrl+o", ModelPicker)
        picker.action_toggle_all()
        picker.query_one("#filter").value = text
        await shown(app, pilot, text, "the model picker")
        options = picker.query_one("#models")
        ids = [options.get_option_at_index(n).id for n in range(options.option_count)]
        options.highlighted = ids.index(text)  # other ids may contain it too
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ChatScreen), "the picker to close")
        await until(lambda: screen.query_one(StatusLine).model == text, "the model chosen")
        await shown(app, pilot, text, "the status line")
        # A preset named with it: the notification, then the presets list.
        params = await open_modal(pilot, app, "f3", ParamsScreen)
        ask = await open_modal(pilot, app, "f4", AskText)
        ask.dismiss(text)
        await until(lambda: any(text in n.message for n in app._notifications), "the preset notice")
        await shown(app, pilot, text, "the notification")
        await until(lambda: app.screen is params, "back in the parameters")
        presets = await open_modal(pilot, app, "f5", PresetsScreen)
        await shown(app, pilot, text, "the presets list")
        presets.dismiss(None)
        await until(lambda: app.screen is params, "back in the parameters")
        params.dismiss(None)
        await until(lambda: app.screen is screen, "back in the chat")
        # A server error that quotes it: the server does not know the model any more.
        sim.state.config.models = tuple(m for m in sim.state.config.models if m != text)
        screen.query_one("#prompt").load_text("again")  # type: ignore[attr-defined]
        screen.query_one("#prompt").action_submit()  # type: ignore[attr-defined]
        await until(lambda: not screen.streaming and screen.reply is not None, "the failure")
        await until(lambda: screen.reply is not None and screen.reply.error is not None, "err")
        await shown(app, pilot, text, "the error of the reply")
