"""The SQLite store on real files: round trips, search, branches, migrations, bad files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tui.store.conversations import ConversationStore, title_from
from tui.store.db import (
    DB_NAME,
    MIGRATIONS,
    StoreCorrupt,
    StoreLocked,
    StoreTooNew,
    data_dir,
    open_store,
)
from tui.store.presets import PresetExists, PresetStore


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    return ConversationStore(open_store(tmp_path / DB_NAME))


def test_new_database_is_wal_at_the_latest_version(tmp_path: Path) -> None:
    db = open_store(tmp_path / "sub" / DB_NAME)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()
    # Opening again is a no-op migration.
    assert open_store(tmp_path / "sub" / DB_NAME).execute("PRAGMA user_version").fetchone()[0]


def test_conversation_and_messages_round_trip(store: ConversationStore, tmp_path: Path) -> None:
    conv = store.create(title="Weaving", model="gpt-4o-mini", params={"temperature": 0.2})
    user = store.add_message(conv.id, "user", "How does a loom work?")
    reply = store.add_message(conv.id, "assistant", "", parent_id=user.id, incomplete=True)
    store.save_reply(reply.id, "A loom holds warp threads", model="gpt-4o-mini")
    store.save_reply(
        reply.id,
        "A loom holds warp threads taut.",
        finish_reason="stop",
        prompt_tokens=12,
        completion_tokens=7,
        ttft=0.21,
        duration=1.5,
        request_id="req_1",
        incomplete=False,
    )
    # A second connection (as after a restart) sees everything.
    again = ConversationStore(open_store(tmp_path / DB_NAME))
    assert again.get(conv.id).params == {"temperature": 0.2}
    messages = again.messages(conv.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    saved = messages[1]
    assert saved.content == "A loom holds warp threads taut." and not saved.incomplete
    assert (saved.parent_id, saved.finish_reason, saved.completion_tokens) == (user.id, "stop", 7)
    assert saved.request_id == "req_1" and saved.ttft == pytest.approx(0.21)


def test_partial_reply_survives_as_incomplete(store: ConversationStore, tmp_path: Path) -> None:
    conv = store.create(title="t", model="m")
    reply = store.add_message(conv.id, "assistant", "", incomplete=True)
    store.save_reply(reply.id, "what had arrived")
    store.db.close()
    reopened = ConversationStore(open_store(tmp_path / DB_NAME))
    (message,) = reopened.messages(conv.id)
    assert message.content == "what had arrived" and message.incomplete


def test_list_orders_pinned_then_newest_and_filters(store: ConversationStore) -> None:
    a = store.create(title="Alpha notes", model="m")
    b = store.create(title="beta 50% done", model="m")
    c = store.create(title="Gamma", model="m")
    store.update(a.id, pinned=True)
    store.update(c.id, archived=True)
    assert [x.title for x in store.conversations()] == ["Alpha notes", "beta 50% done"]
    assert [x.title for x in store.conversations(filter="50%")] == ["beta 50% done"]
    assert [x.title for x in store.conversations(filter="ALPHA")] == ["Alpha notes"]
    assert [x.title for x in store.conversations(archived=True)] == ["Gamma"]
    store.delete(b.id)
    assert [x.id for x in store.conversations()] == [a.id]
    with pytest.raises(KeyError):
        store.get(b.id)


def test_search_finds_words_with_a_snippet(store: ConversationStore) -> None:
    one = store.create(title="Fences", model="m")
    store.add_message(one.id, "assistant", "Use a fenced code block with python highlighting.")
    two = store.create(title="Other", model="m")
    msg = store.add_message(two.id, "user", "nothing to see")
    store.save_reply(msg.id, "now it mentions python too")
    hits = store.search("python")
    assert {h.title for h in hits} == {"Fences", "Other"}
    fences = next(h for h in hits if h.title == "Fences")
    assert "\x02python\x03" in fences.snippet
    assert store.search('code "block') and store.search("") == []
    assert store.search("nothing") == []  # the edited text replaced the old in the index


def test_branches_share_a_parent(store: ConversationStore) -> None:
    conv = store.create(title="b", model="m")
    user = store.add_message(conv.id, "user", "q")
    first = store.add_message(conv.id, "assistant", "one", parent_id=user.id)
    second = store.add_message(conv.id, "assistant", "two", parent_id=user.id)
    siblings = [m for m in store.messages(conv.id) if m.parent_id == user.id]
    assert [m.id for m in siblings] == [first.id, second.id]
    store.delete(conv.id)
    assert store.messages(conv.id) == []


def test_migration_from_an_empty_version_zero_file(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    sqlite3.connect(path).close()  # an existing, empty version-0 database
    db = open_store(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("SELECT count(*) FROM conversation").fetchone()[0] == 0


def test_a_newer_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    raw.execute("CREATE TABLE future (x)")
    raw.commit()
    raw.close()
    before = path.read_bytes()
    with pytest.raises(StoreTooNew) as caught:
        open_store(path)
    assert "newer Loom" in str(caught.value) and "--data-dir" in str(caught.value)
    assert path.read_bytes() == before


def test_a_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    path.write_bytes(b"this is not sqlite at all" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreCorrupt) as caught:
        open_store(path)
    assert "move it aside" in str(caught.value)
    assert path.read_bytes() == before


def test_a_locked_database_says_so(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    open_store(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreLocked) as caught:
            open_store(path)
        assert "another Loom" in str(caught.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_data_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOM_DATA_DIR", str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env"
    assert data_dir(tmp_path / "flag") == tmp_path / "flag"
    monkeypatch.delenv("LOOM_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "loom"


def test_titles_come_from_the_first_prompt() -> None:
    assert title_from("\n  How do looms work?\nmore") == "How do looms work?"
    long = "word " * 30
    assert title_from(long).endswith("…") and len(title_from(long)) <= 61
    assert title_from("   ") == "New conversation"


def test_a_streaming_reply_is_indexed_once_it_ends(store: ConversationStore) -> None:
    conv = store.create(title="s", model="m")
    reply = store.add_message(conv.id, "assistant", "", incomplete=True)
    store.save_reply(reply.id, "partial shuttle text")
    assert store.search("shuttle") == []  # not re-indexed on every save while streaming
    store.save_reply(
        reply.id, "partial shuttle text, whole", incomplete=False, finish_reason="stop"
    )
    assert [h.message_id for h in store.search("shuttle whole")] == [reply.id]
    store.save_reply(reply.id, "rewritten heddle")
    assert store.search("shuttle") == [] and store.search("heddle")
    stopped = store.add_message(conv.id, "assistant", "", incomplete=True)
    store.save_reply(stopped.id, "cut warp", finish_reason="stopped")
    assert [h.message_id for h in store.search("warp")] == [stopped.id]
    store.delete(conv.id)
    assert store.search("heddle") == [] and store.search("warp") == []


def test_migration_from_the_first_schema_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(f"BEGIN;\n{MIGRATIONS[0]}\nPRAGMA user_version = 1;\nCOMMIT;")
    db.execute(
        "INSERT INTO conversation (title, model, created, updated) VALUES ('old', 'm', 1, 1)"
    )
    db.execute(
        "INSERT INTO message (conversation_id, role, content, incomplete, created) "
        "VALUES (1, 'user', 'from version one', 0, 1)"
    )
    db.close()
    store = ConversationStore(open_store(path))
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 9
    (old,) = store.conversations()
    assert old.title == "old" and old.leaf_id is None
    assert [m.content for m in store.path(old.id)] == ["from version one"]
    assert store.search("version")[0].conversation_id == old.id
    assert PresetStore(store.db).presets() == []


def test_paths_siblings_and_deleting_a_branch(store: ConversationStore) -> None:
    conv = store.create(title="t", model="m")
    ask = store.add_message(conv.id, "user", "ask")
    first = store.add_message(conv.id, "assistant", "first", parent_id=ask.id)
    follow = store.add_message(conv.id, "user", "follow", parent_id=first.id)
    second = store.add_message(conv.id, "assistant", "second", parent_id=ask.id)
    assert [m.content for m in store.path(conv.id)] == ["ask", "second"]
    assert [m.content for m in store.path(conv.id, follow.id)] == ["ask", "first", "follow"]
    assert store.siblings(first.id) == store.siblings(second.id) == [first.id, second.id]
    assert store.newest_leaf(first.id) == follow.id
    store.update(conv.id, leaf_id=follow.id)
    assert store.path(conv.id)[-1].id == follow.id
    # Deleting a message takes what followed it on that branch; the view moves to the
    # nearest other version of it, or up to its parent when it had none.
    assert store.delete_message(first.id) == second.id
    assert store.get(conv.id).leaf_id == second.id
    assert [m.content for m in store.messages(conv.id)] == ["ask", "second"]
    assert store.delete_message(second.id) == ask.id
    assert store.get(conv.id).leaf_id == ask.id


def test_presets_and_finding_conversations(store: ConversationStore) -> None:
    presets = PresetStore(store.db)
    presets.save("terse", "Answer in one line.", {"temperature": 0.2})
    presets.save("terse", "Answer in one word.", {"temperature": 0})
    (preset,) = presets.presets()
    assert preset.system_prompt == "Answer in one word." and preset.params == {"temperature": 0}
    other = presets.save("chatty", "", {})
    with pytest.raises(PresetExists):
        presets.rename(other.id, "terse")
    presets.rename(other.id, "verbose")
    assert [p.name for p in presets.presets()] == ["terse", "verbose"]
    presets.delete(other.id)
    a = store.create(title="Warp and weft", model="m")
    b = store.create(title="50% off", model="m")
    assert [c.id for c in store.find("WARP")] == [a.id]
    assert [c.id for c in store.find("%")] == [b.id]
    assert [c.id for c in store.find(str(a.id))] == [a.id]
    presets.delete(preset.id)
    assert presets.presets() == []


def _damage(path: Path) -> None:
    """Many conversations, then one page in the middle overwritten: the header stays valid."""
    import os

    store = ConversationStore(open_store(path))
    for n in range(60):
        store.create(title=f"conversation {n} " * 20, model="m")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.db.close()
    with path.open("r+b") as file:
        file.seek(4096 * 3)
        file.write(os.urandom(4096))


async def test_a_damaged_page_is_found_at_opening_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    import asyncio
    import subprocess
    import sys

    from tui.store.errors import StoreFailure
    from tui.store.ledger import LedgerRow
    from tui.store.thread import StoreThread

    path = tmp_path / DB_NAME
    _damage(path)
    before = path.read_bytes()
    with pytest.raises(StoreCorrupt, match="left untouched"):
        open_store(path)
    thread = StoreThread(tmp_path)
    nothing = (None, None, None, None)
    row = LedgerRow(1.0, "s", "", "GET", "/models", "", 200, None, 1, 1, 0, 0.1, *nothing, 0, False)
    for what in ("recording requests", "keeping the model list"):
        with pytest.raises(StoreFailure, match="not a readable Loom database"):
            await thread.run(what, lambda r: r.ledger.add([row]))
    await thread.aclose()
    assert path.read_bytes() == before  # untouched means untouched
    listed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tui", "list", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listed.returncode == 1 and "not a readable Loom database" in listed.stderr
    assert "unexpected error" not in listed.stderr and path.read_bytes() == before


def test_a_shared_memory_file_made_immutable_is_survived(tmp_path: Path) -> None:
    """chattr +i on the -shm file mid-session: the next write would be a SIGBUS."""
    import shutil
    import subprocess
    import sys

    if shutil.which("chattr") is None:
        pytest.skip("chattr is not on this machine")
    probe = tmp_path / "probe"
    probe.touch()
    if subprocess.run(["chattr", "+i", str(probe)], capture_output=True).returncode != 0:
        pytest.skip("this file system or user cannot make a file immutable (chattr +i)")
    subprocess.run(["chattr", "-i", str(probe)], check=True)
    script = f"""
import asyncio, subprocess
from pathlib import Path
from tui.store.thread import StoreThread
from tui.store.errors import StoreFailure

async def main():
    thread = StoreThread(Path({str(tmp_path)!r}))
    made = await thread.run("making", lambda r: r.conversations.create(title="kept", model="m"))
    shm = thread.path.with_name(thread.path.name + "-shm")
    subprocess.run(["chattr", "+i", str(shm)], check=True)
    try:
        for n in range(200):
            await thread.run("saving", lambda r: r.conversations.add_message(made.id, "user", "x"))
    except StoreFailure as failure:
        print("said:", failure)
    await thread.aclose()

asyncio.run(main())
from tui.cli import main as loom_main
import sys
sys.modules["tui.store.thread"]  # the CLI's exit path: the connection is never closed
raise SystemExit(loom_main(["--version"]))
"""
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
        )
    finally:
        for shm in tmp_path.glob("*-shm"):
            subprocess.run(["chattr", "-i", str(shm)], check=False)
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert "said: saving failed:" in done.stdout and "SIGBUS" in done.stdout
