"""The chat session without the UI: sending, streaming, versions, and saving, against the
simulator over loopback and real SQLite files."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tui.areas.chat.core.session import ChatSession, ReplyEnded, ReplyEvent, ReplyFailed, ReplyText
from tui.core.services import Services
from tui.sim.faults import Fault
from tui.sim.server import SimServer
from tui.store.conversations import open_conversations

from .conftest import settings_for, until


@pytest.fixture
async def services(sim: SimServer, tmp_path: Path) -> AsyncIterator[Services]:
    made = Services(settings_for(sim, data_dir=str(tmp_path)))
    yield made
    await made.aclose()


async def ask(session: ChatSession, text: str) -> list[ReplyEvent]:
    events: list[ReplyEvent] = []
    reply = await session.send(text, [])
    await session.run_reply(reply, events.append)
    return events


async def test_a_reply_streams_into_events_and_is_saved(services: Services, tmp_path: Path) -> None:
    session = ChatSession(services.context)
    events = await ask(session, "hello session")
    texts = [e.text for e in events if isinstance(e, ReplyText)]
    assert isinstance(events[-1], ReplyEnded) and len(texts) > 10
    user, reply = session.turns
    assert reply.content == "".join(texts) and reply.content.startswith("You wrote:")
    assert reply.finish_reason == "stop" and reply.completion_tokens and reply.ttft is not None
    assert user.saved and reply.saved and not session.unsaved
    store = open_conversations(tmp_path)
    (conversation,) = store.conversations()
    assert conversation.title == "hello session"
    assert [m.content for m in store.path(conversation.id)] == ["hello session", reply.content]


async def test_versions_regenerate_edit_switch_and_delete(services: Services) -> None:
    session = ChatSession(services.context)
    await ask(session, "first question")
    first_reply = session.turns[-1]
    again = await session.regenerate(first_reply)
    await session.run_reply(again, lambda e: None)
    assert again.branch == (2, 2) and session.turns[-1] is again
    older = await session.switch_version(again, -1)
    assert older.content == first_reply.content and older.branch == (1, 2)
    # Editing the question makes a second version of it, with its own reply.
    user = session.turns[0]
    reply = await session.send("edited question", [], replacing=user)
    await session.run_reply(reply, lambda e: None)
    assert session.turns[0].content == "edited question"
    assert session.turns[0].branch == (2, 2)
    # Deleting the version shown moves to the other one, not to nothing.
    await session.delete(session.turns[0])
    assert session.turns[0].content == "first question" and len(session.turns) == 2


async def test_continue_after_the_token_limit(services: Services) -> None:
    session = ChatSession(services.context)
    session.params = {"max_completion_tokens": 15}
    await ask(session, "a long answer please")
    reply = session.turns[-1]
    assert reply.finish_reason == "length" and session.can_continue(reply)
    cut = reply.content
    session.params = {}
    await session.run_reply(reply, lambda e: None, continuing=True)
    assert reply.finish_reason == "stop" and reply.content.startswith(cut)
    assert len(reply.content) > len(cut) + 100


async def test_invalid_parameters_fail_the_reply_with_what_to_do(services: Services) -> None:
    session = ChatSession(services.context)
    session.params = {"temperature": 7}
    events = await ask(session, "too hot")
    (failed,) = events
    assert isinstance(failed, ReplyFailed) and "temperature" in failed.advice.detail
    assert "f3" in failed.advice.fix and session.turns[-1].error is not None


async def test_a_stopped_reply_is_kept_and_marked(sim: SimServer, tmp_path: Path) -> None:
    with SimServer(type(sim.state.config)(tokens_per_second=40)) as slow:
        services = Services(settings_for(slow, data_dir=str(tmp_path)))
        session = ChatSession(services.context)
        reply = await session.send("stop me", [])
        got: list[ReplyEvent] = []
        task = asyncio.create_task(session.run_reply(reply, got.append))
        await until(lambda: len(got) >= 5, "five pieces of the reply")
        session.reply_shown(reply)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert reply.finish_reason == "stopped" and reply.incomplete and reply.content
        assert reply.saved
        stored = open_conversations(tmp_path).path(session.conversation_id or 0)[-1]
        assert stored.content == reply.content and stored.incomplete
        await services.aclose()


async def test_the_last_conversation_used_is_reopened(services: Services) -> None:
    session = ChatSession(services.context)
    await ask(session, "older one")
    older = session.conversation_id
    session.start_new()
    await ask(session, "newer one")
    assert older is not None
    await session.open(older)
    again = ChatSession(services.context)
    assert await again.open_last()
    assert again.conversation_id == older


async def test_a_server_failure_is_kept_with_the_reply(services: Services, sim: SimServer) -> None:
    sim.state.faults.add(Fault("status", status=401))
    session = ChatSession(services.context)
    events = await ask(session, "nope")
    assert isinstance(events[-1], ReplyFailed)
    again = ChatSession(services.context)
    await again.open(session.conversation_id or 0)
    advice = again.turns[-1].advice
    assert advice is not None and "401" in advice.headline


# --- the store failing at any moment ------------------------------------------------------


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failures come and go within a test: short busy timeout, quick retries."""
    from tui.areas.chat.core import session as chat_session
    from tui.store import db, thread

    monkeypatch.setattr(db, "BUSY_TIMEOUT", 0.2)
    monkeypatch.setattr(chat_session, "RETRY_SECONDS", (0.1,))
    monkeypatch.setattr(thread, "RETRY_SECONDS", 0.0)


async def saved_within(session: ChatSession, seconds: float = 10.0) -> None:
    """Wait for the session's own retry to save everything; fail if it does not."""
    await until(lambda: not session.unsaved, f"saved ({session.save_problem})", seconds)


def lock(path: Path) -> object:
    import sqlite3

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


@pytest.mark.usefixtures("quick_retries")
async def test_a_database_locked_after_start_does_not_stop_the_chat(
    services: Services, tmp_path: Path
) -> None:
    session = ChatSession(services.context)
    await ask(session, "before the lock")
    holder = lock(tmp_path / "loom.sqlite3")
    events = await ask(session, "while locked")
    assert isinstance(events[-1], ReplyEnded), "the message went out and the reply came"
    assert session.unsaved and "locked by another program" in (session.save_problem or "")
    assert session.turns[-1].content.startswith("You wrote:\n\n> while locked")
    holder.commit()  # type: ignore[attr-defined]
    holder.close()  # type: ignore[attr-defined]
    await saved_within(session)
    store = open_conversations(tmp_path)
    contents = [m.content for m in store.path(session.conversation_id or 0)]
    assert contents[2] == "while locked" and contents[3] == session.turns[-1].content


@pytest.mark.usefixtures("quick_retries")
async def test_a_database_locked_before_start(sim: SimServer, tmp_path: Path) -> None:
    open_conversations(tmp_path).db.close()
    holder = lock(tmp_path / "loom.sqlite3")
    services = Services(settings_for(sim, data_dir=str(tmp_path)))
    session = ChatSession(services.context)
    assert not await session.open_last()  # reading works: WAL readers are not blocked
    events = await ask(session, "locked from the start")
    assert isinstance(events[-1], ReplyEnded) and session.unsaved
    holder.rollback()  # type: ignore[attr-defined]
    holder.close()  # type: ignore[attr-defined]
    await saved_within(session)
    (conversation,) = open_conversations(tmp_path).conversations()
    assert conversation.title == "locked from the start"
    await services.aclose()


@pytest.mark.usefixtures("quick_retries")
async def test_damaged_pages_behind_a_valid_header(sim: SimServer, tmp_path: Path) -> None:
    store = open_conversations(tmp_path)
    for n in range(40):
        conversation = store.create(title=f"old {n}", model="m")
        store.add_message(conversation.id, "user", "x" * 2000)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.db.close()
    path = tmp_path / "loom.sqlite3"
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = b"\xde\xad" * ((len(data) - page) // 2)  # page 1 (the header) stays
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    services = Services(settings_for(sim, data_dir=str(tmp_path)))
    session = ChatSession(services.context)
    with pytest.raises(Exception, match=r"not a readable Loom database|malformed"):
        await session.open_last()
    events = await ask(session, "still chatting")
    assert isinstance(events[-1], ReplyEnded)
    assert session.unsaved and "move it aside" in (session.save_problem or "")
    assert path.read_bytes() == before, "a damaged file is left untouched"
    # Moved aside, Loom starts a new file and saves what is on screen into it.
    path.rename(tmp_path / "damaged.sqlite3")
    await saved_within(session)
    (conversation,) = open_conversations(tmp_path).conversations()
    assert conversation.title == "still chatting"
    await services.aclose()


@pytest.mark.usefixtures("quick_retries")
async def test_a_removed_folder_is_made_again_with_everything_shown(
    services: Services, tmp_path: Path
) -> None:
    import shutil

    session = ChatSession(services.context)
    await ask(session, "first, saved")
    shutil.rmtree(tmp_path)
    await ask(session, "second, after the folder went")
    await saved_within(session)
    store = open_conversations(tmp_path)
    (conversation,) = store.conversations()
    contents = [m.content for m in store.path(conversation.id)]
    assert contents[0] == "first, saved" and contents[2] == "second, after the folder went"
    assert len(contents) == 4


@pytest.mark.usefixtures("quick_retries")
def chattr(flag: str, path: Path) -> str:
    """Set or clear a file attribute; what went wrong, if anything."""
    import subprocess

    try:
        done = subprocess.run(["chattr", flag, str(path)], capture_output=True, check=False)
    except OSError as error:
        return str(error)
    return done.stderr.decode() if done.returncode else ""


async def test_a_read_only_database_file(sim: SimServer, tmp_path: Path) -> None:
    """The file's permissions would not stop root: then it is made immutable instead."""
    import os

    open_conversations(tmp_path).db.close()
    path = tmp_path / "loom.sqlite3"
    before = path.read_bytes()
    immutable = os.geteuid() == 0
    if immutable:
        refused = chattr("+i", path)
        if refused:
            pytest.skip(f"root here cannot make a file read-only: {refused}")
    else:
        path.chmod(0o444)
    services = Services(settings_for(sim, data_dir=str(tmp_path)))
    try:
        session = ChatSession(services.context)
        events = await ask(session, "on a read-only file")
        assert isinstance(events[-1], ReplyEnded)
        assert session.turns[-1].content.startswith("You wrote:\n\n> on a read-only file")
        problem = session.save_problem or ""
        assert str(path) in problem and ("cannot be written" in problem or "read-only" in problem)
        await services.aclose()
    finally:
        if immutable:
            assert not chattr("-i", path)
        path.chmod(0o644)
    assert path.read_bytes() == before
