"""`kill -9` in the middle of a reply: everything that was on screen is there next time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tui.app import LoomApp
from tui.areas.chat.widgets.messages import ReplyView
from tui.sim.app import SimConfig
from tui.sim.server import SimServer
from tui.store.conversations import open_conversations

from .conftest import reopened, screen_text, settings_for

# The real app, headless, in its own process: it sends a prompt, then prints how much of
# the reply is on screen every few milliseconds until it is killed.
CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from tui.app import LoomApp
    from tui.config import Settings
    from tui.areas.chat.widgets.messages import ReplyView
    from tui.areas.chat.widgets.prompt_input import PromptInput

    async def drive(pilot):
        app = pilot.app
        await pilot.pause()
        prompt = app.screen.query_one(PromptInput)
        prompt.load_text("tell me a long story")
        prompt.action_submit()
        while True:
            await asyncio.sleep(0.005)
            for reply in app.screen.query(ReplyView):
                print(len(reply.rendered_text), flush=True)

    settings = Settings(base_url=sys.argv[1], api_key="k", data_dir=sys.argv[2])
    LoomApp(settings).run(headless=True, size=(100, 30), auto_pilot=drive)
    """
)


def run_and_kill(base_url: str, data: Path, enough: int) -> int:
    """Start Loom, kill -9 it once `enough` characters of the reply were on screen; returns
    the most it reported on screen."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, base_url, str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None
    shown = 0
    deadline = time.monotonic() + 60
    try:
        while shown < enough and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            shown = max(shown, int(line))
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    return shown


async def test_kill_9_mid_stream_loses_nothing_shown(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with SimServer(SimConfig(seed=6, tokens_per_second=150, reply_tokens=3000)) as sim:
        shown = run_and_kill(sim.base_url, data, enough=1500)
        assert shown >= 1500, "the reply should have been streaming"

        store = open_conversations(data)
        (conversation,) = store.conversations()
        user, reply = store.messages(conversation.id)
        assert user.content == "tell me a long story"
        assert reply.incomplete and reply.finish_reason is None
        assert len(reply.content) >= shown, "text that was on screen was lost"
        store.db.close()

        # Reopened, the conversation shows it all, marked incomplete, with the way on.
        app = LoomApp(settings_for(sim, data_dir=str(data)))
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await reopened(app, pilot)
            shown_reply = screen.query_one(ReplyView)
            assert shown_reply.text == reply.content
            assert "incomplete" in screen_text(app)
