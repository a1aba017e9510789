"""Shared fixtures: a real simulator on a loopback port, clients and apps pointed at it."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tui.api.client import OpenAIClient, RetryPolicy
from tui.config import Settings
from tui.sim.app import SimConfig
from tui.sim.server import SimServer

SPEC_CANDIDATES = [
    os.environ.get("LOOM_OPENAPI_SPEC", ""),
    str(Path(__file__).resolve().parents[2] / "shared" / "openapi" / "openapi.yaml"),
]


def spec_path() -> Path | None:
    """The official OpenAPI spec, if it is on this machine."""
    for candidate in SPEC_CANDIDATES:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test keeps conversations in its own folder, never the user's."""
    folder = tmp_path / "loom-data"
    monkeypatch.setenv("LOOM_DATA_DIR", str(folder))
    # Never the user's config, choices or crash reports either.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("LOOM_STATE_DIR", str(tmp_path / "state"))
    for name in ("LOOM_CONFIG", "LOOM_PROFILE", "LOOM_MODEL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    # The same colours whatever terminal the tests run in (Rich reads these when an app
    # is made): snapshots and themes do not depend on the machine.
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    for name in ("SSH_CONNECTION", "TMUX", "STY", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture(scope="session")
def sim_server() -> Iterator[SimServer]:
    """One simulator for the session, as fast as it goes, seeded."""
    with SimServer(SimConfig(seed=7)) as server:
        yield server


@pytest.fixture
def sim(sim_server: SimServer) -> Iterator[SimServer]:
    """The session simulator with no faults left over from other tests."""
    sim_server.state.faults.clear()
    yield sim_server
    sim_server.state.faults.clear()


@pytest.fixture
async def client(sim: SimServer) -> AsyncIterator[OpenAIClient]:
    """A client on the simulator with quick retries."""
    async with OpenAIClient(
        base_url=sim.base_url,
        api_key="sk-test-fake-0001",
        retry=RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.05),
        read_timeout=10,
    ) as c:
        yield c


async def until(
    condition: Callable[[], object], what: str, seconds: float = 10.0, step: float = 0.02
) -> None:
    """Wait until `condition()` is true; a wait that runs out fails the test, naming
    `what` it waited for."""
    for _ in range(max(1, int(seconds / step))):
        if condition():
            return
        await asyncio.sleep(step)
    if not condition():
        raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")


async def quiet(pilot: Any, seconds: float = 15.0) -> None:
    """Wait until the app has no worker running and every reply is on screen in full (work
    started by work that ended included); fail if it does not get there."""
    from tui.areas.chat.widgets.messages import ReplyView

    app = pilot.app

    def done() -> bool:
        busy = any(not worker.is_finished for worker in app.workers)
        return not busy and all(reply.settled for reply in app.screen.query(ReplyView))

    for _ in range(int(seconds / 0.02)):
        try:  # bounded: a worker that never ends fails the test, naming the wait
            await asyncio.wait_for(app.workers.wait_for_complete(), timeout=seconds)
        except TimeoutError:
            break
        await pilot.pause()
        if done():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the app did not settle within {seconds:g} s")


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_for(sim: SimServer, **overrides: object) -> Settings:
    """App settings pointing at a simulator."""
    settings = Settings(base_url=sim.base_url, api_key="sk-test-fake-0001", max_retries=1)
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings


_TEXT = re.compile(r'<text[^>]*\bx="([\d.]+)"[^>]*\by="([\d.]+)"[^>]*>(.*?)</text>', re.S)


def screen_text(app: object) -> str:
    """The text on the app's screen, line by line, read from its SVG screenshot."""
    svg = app.export_screenshot()  # type: ignore[attr-defined]
    rows: dict[float, dict[int, str]] = {}
    for x, y, body in _TEXT.findall(svg):
        text = unescape(re.sub(r"<[^>]+>", "", body)).replace("\xa0", " ")
        column = round(float(x) / CELL_WIDTH)
        row = rows.setdefault(float(y), {})
        for offset, char in enumerate(text):
            row[column + offset] = char
    lines = []
    for _, cells in sorted(rows.items()):
        width = max(cells) + 1 if cells else 0
        lines.append("".join(cells.get(i, " ") for i in range(width)).rstrip())
    return "\n".join(lines)


CELL_WIDTH = 12.2
"""Width of one terminal cell in Textual's SVG screenshots."""


# --- driving the chat screen ---------------------------------------------------------------


def chat(app: Any) -> Any:
    """The app's chat screen (fails if another screen is on top)."""
    from tui.areas.chat.screens import ChatScreen

    screen = app.screen
    assert isinstance(screen, ChatScreen), f"expected the chat screen, got {screen!r}"
    return screen


async def send(pilot: Any, app: Any, text: str) -> None:
    """Type a message key by key (ctrl+j between lines) and press Enter."""
    for line_no, line in enumerate(text.split("\n")):
        if line_no:
            await pilot.press("ctrl+j")
        await pilot.press(*line)
    await pilot.press("enter")


async def settle(pilot: Any, app: Any) -> None:
    """Wait for the request to end and every reply to be rendered in full."""
    await quiet(pilot)


async def say(pilot: Any, app: Any, text: str) -> None:
    """Send a message (pasted, not typed key by key) and wait for the whole reply."""
    from tui.areas.chat.widgets.prompt_input import PromptInput

    prompt = app.screen.query_one(PromptInput)
    prompt.load_text(text)
    prompt.action_submit()
    await pilot.pause()
    await quiet(pilot)


async def start_reply_and_wait(app: Any, text: str, chars: int) -> Any:
    """Send `text` and return once at least `chars` of the reply have arrived (the pilot's
    own waits would wait for the whole reply)."""
    from tui.areas.chat.widgets.messages import ReplyView
    from tui.areas.chat.widgets.prompt_input import PromptInput

    screen = chat(app)
    prompt = screen.query_one(PromptInput)
    prompt.load_text(text)
    prompt.action_submit()

    def arrived() -> bool:
        replies = list(screen.query(ReplyView))
        return bool(replies) and len(replies[0].text) > chars

    # Paced by the wall clock, behind the first request's imports: generous on a loaded machine.
    await until(arrived, f"{chars} characters of the reply", 30)
    return screen


async def reopened(app: Any, pilot: Any) -> Any:
    """The chat screen once it has reopened a stored conversation, fully rendered."""
    screen = chat(app)
    await until(lambda: screen.conversation_id is not None, "a conversation reopened")
    await quiet(pilot)
    return screen


async def wait_for_store(pilot: Any, app: Any) -> None:
    """Wait until the app has opened its store (it does after the first frame)."""
    await until(lambda: app.services.store.is_open, "the store to open")


def loom(
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """`loom ARGS…` in a subprocess, as a shell runs it: its exit status and output."""
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )
