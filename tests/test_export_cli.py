"""Export and import: Markdown and JSON, from the shell, round trip through the store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.areas.chat.core.export import ImportProblem, import_json, to_json, to_markdown
from tui.store.conversations import ConversationStore, open_conversations


def loom(*args: str, data: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args, "--data-dir", str(data)],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        check=False,
    )


@pytest.fixture
def filled(tmp_path: Path) -> tuple[ConversationStore, Path]:
    data = tmp_path / "data"
    store = open_conversations(data)
    conv = store.create(
        title="Looms of Lyon", model="gpt-4o-mini", system_prompt="Be brief.", params={"seed": 3}
    )
    ask = store.add_message(conv.id, "user", "What is a Jacquard loom?")
    reply = store.add_message(conv.id, "assistant", "", parent_id=ask.id, model="gpt-4o-mini")
    store.save_reply(
        reply.id,
        "A loom run by **punched cards**.\n\n```text\ncard 1\n```",
        finish_reason="stop",
        prompt_tokens=12,
        completion_tokens=9,
        incomplete=False,
    )
    store.create(title="Loom maintenance", model="gpt-4o")
    return store, data


def test_export_json_to_stdout_and_import_it_back(filled: tuple[ConversationStore, Path]) -> None:
    store, data = filled
    out = loom("export", "lyon", "--format", "json", "-o", "-", data=data)
    assert out.returncode == 0, out.stderr
    exported = json.loads(out.stdout)
    assert exported["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is a Jacquard loom?"},
        {
            "role": "assistant",
            "content": "A loom run by **punched cards**.\n\n```text\ncard 1\n```",
        },
    ]
    assert exported["metadata"][1]["completion_tokens"] == 9
    back = loom("import", "-", data=data, stdin=out.stdout)
    assert back.returncode == 0, back.stderr
    imported = store.find("Looms of Lyon")
    assert len(imported) == 2
    again = to_json(imported[0], store.path(imported[0].id))
    original = to_json(imported[1], store.path(imported[1].id))
    for key in ("messages", "params", "title", "model"):
        assert again[key] == original[key]
    assert [m["finish_reason"] for m in again["metadata"]] == [None, "stop"]


def test_export_markdown_to_a_file(filled: tuple[ConversationStore, Path], tmp_path: Path) -> None:
    store, data = filled
    target = tmp_path / "out.md"
    done = loom("export", "1", "--format", "md", "-o", str(target), data=data)
    assert done.returncode == 0, done.stderr
    text = target.read_text()
    assert text.startswith("# Looms of Lyon\n")
    assert "## You\n\nWhat is a Jacquard loom?" in text
    assert "## Assistant (gpt-4o-mini, 9 tokens)" in text and "```text\ncard 1\n```" in text
    conv = store.get(1)
    assert to_markdown(conv, store.path(1)).split("\n", 3)[3] == text.split("\n", 3)[3]


def test_export_names_the_problem(filled: tuple[ConversationStore, Path]) -> None:
    _, data = filled
    ambiguous = loom("export", "loom", data=data)
    assert ambiguous.returncode == 1
    assert "2 conversations match" in ambiguous.stderr and "Loom maintenance" in ambiguous.stderr
    missing = loom("export", "nothing like it", data=data)
    assert missing.returncode == 1 and "no conversation matches" in missing.stderr


def test_import_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = loom("import", str(bad), data=data)
    assert result.returncode == 2 and "is not JSON" in result.stderr
    store = open_conversations(data)
    with pytest.raises(ImportProblem, match="no `messages`"):
        import_json(store, {"title": "x"})
    with pytest.raises(ImportProblem, match="message 2 has no role"):
        import_json(store, {"messages": [{"role": "user", "content": "a"}, {"content": "b"}]})
    assert store.conversations() == []


def test_images_survive_export_and_import(tmp_path: Path) -> None:
    store = open_conversations(tmp_path)
    conv = store.create(title="picture", model="gpt-4o")
    url = "data:image/png;base64,iVBORw0KGgo="
    store.add_message(conv.id, "user", "what is this?", images=[url])
    data = to_json(store.get(conv.id), store.path(conv.id))
    assert data["messages"][0]["content"] == [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    back = import_json(store, data)
    (message,) = store.path(back.id)
    assert message.content == "what is this?" and message.images == [url]


def test_loom_list_lines_up_with_long_ids_and_model_names(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tui.store.conversations import open_conversations

    store = open_conversations(tmp_path)
    store.create(title="short", model="gpt-4o-mini")
    store.db.execute(
        "INSERT INTO conversation (id, title, model, created, updated) VALUES "
        "(1234567, 'long id', 'ft:gpt-4o-mini-2024-07-18:acme-research:loomis-v2:BkX9q2', 1, 2)"
    )
    store.db.close()
    done = subprocess.run(
        [sys.executable, "-m", "tui", "list", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    title_at = lines[0].index("TITLE")
    assert lines[1][title_at:].startswith(("short", "long id"))
    assert lines[2][title_at:].startswith(("short", "long id"))
    assert "…" in done.stdout  # the 57-character model is cut at 32
