"""Bad input at the command line and in files: one line, exit 2, never a traceback; what
Loom prints is safe for a terminal; `loom list` shows the ids `loom export` takes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.store.conversations import open_conversations

from .conftest import loom


def one_line_refusal(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--base-url", "notaurl"], ["--base-url", "notaurl", "http://localhost"]),
        (["--base-url", "http://[/x]:9/v1"], ["--base-url", "not a valid URL"]),
        (["--base-url", "http://localhost:99999/v1"], ["--base-url", "out of range"]),
        (["demo-server", "--port", "99999"], ["--port", "99999", "0-65535"]),
        (["demo-server", "--port", "-1"], ["--port", "0-65535"]),
        (["demo-server", "--port", "eighty"], ["--port", "eighty"]),
        (["demo-server", "--tokens-per-second", "nan"], ["--tokens-per-second", "nan"]),
        (["demo-server", "--tokens-per-second", "-5"], ["--tokens-per-second"]),
        (["demo-server", "--reply-tokens", "-1"], ["--reply-tokens"]),
        (["demo-server", "--host", "0.0.0.0"], ["--host", "loopback"]),
        (["--model", "\x1b]0;x\x07"], ["--model"]),
        (["export"], ["conversation"]),
        (["frobnicate"], ["frobnicate"]),
    ],
)
def test_bad_flags_get_one_line_and_exit_2(args: list[str], words: list[str]) -> None:
    one_line_refusal(loom(*args), *words)


def test_a_bad_base_url_in_the_environment_is_named() -> None:
    result = loom(env={"OPENAI_BASE_URL": "http://[::1:80/v1"})
    one_line_refusal(result, "OPENAI_BASE_URL")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[" * 100_000, ["nested too deeply"]),
        (b'{"messages": [' + b'{"a": ' * 200 + b"1" + b"}" * 200 + b"]}", ["nested too deeply"]),
        (b'{"messages": [{"role": "user", "content": "\\ud800"}]}', ["message 1", "Unicode"]),
        (b"\xff\xfe{}", ["not UTF-8"]),
        (b'{"messages": [{"role": "user", "content": "x"}], "params": {"top_p": NaN}}', ["NaN"]),
        (
            b'{"messages": [{"role": "user", "content": "x"}], "params": {"temperature": 9}}',
            ["params", "temperature"],
        ),
        (
            b'{"messages": [{"role": "user", "content": "x"}], "params": {"seed": 1.5}}',
            ["seed", "whole number"],
        ),
        (
            b'{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", '
            b'"content": "b"}], "metadata": [{}, {"prompt_tokens": [1]}]}',
            ["metadata[1].prompt_tokens"],
        ),
        (b"{not json", ["not JSON", "line 1"]),
    ],
)
def test_bad_import_files_are_refused_in_one_line(
    tmp_path: Path, content: bytes, words: list[str]
) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(content)
    one_line_refusal(loom("import", str(path), "--data-dir", str(tmp_path / "d")), *words)
    # Nothing half-imported is left behind.
    assert open_conversations(tmp_path / "d").conversations() == []


def test_global_options_go_before_or_after_the_command(tmp_path: Path) -> None:
    store = open_conversations(tmp_path)
    conversation = store.create(title="placement", model="m")
    store.add_message(conversation.id, "user", "where do flags go?")
    before = loom("--data-dir", str(tmp_path), "export", str(conversation.id), "-o", "-")
    after = loom("export", str(conversation.id), "-o", "-", "--data-dir", str(tmp_path))
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr
    assert "where do flags go?" in before.stdout
    assert before.stdout == after.stdout


def test_loom_list_shows_ids_titles_models_and_counts(tmp_path: Path) -> None:
    store = open_conversations(tmp_path)
    first = store.create(title="warp \x1b]0;pwned\x07threads", model="gpt-4o")
    store.add_message(first.id, "user", "one")
    store.add_message(first.id, "assistant", "two")
    second = store.create(title="weft", model="")
    store.update(second.id, archived=True)
    shown = loom("list", "--data-dir", str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    (header, row) = shown.stdout.strip().splitlines()
    assert header.split() == ["ID", "UPDATED", "MSGS", "MODEL", "TITLE"]
    assert row.split()[0] == str(first.id) and "gpt-4o" in row and "warp" in row
    assert row.split()[3] == "2"
    every = json.loads(loom("list", "--all", "--json", "--data-dir", str(tmp_path)).stdout)
    assert [(c["id"], c["messages"], c["archived"]) for c in every] == [
        (second.id, 0, True),
        (first.id, 2, False),
    ]
    assert every[1]["title"] == "warp \x1b]0;pwned\x07threads"  # JSON keeps it, escaped


def test_demo_conversations_are_kept_apart(tmp_path: Path) -> None:
    mine = open_conversations(tmp_path)
    mine.create(title="my real one", model="gpt-4o")
    demo = open_conversations(tmp_path / "demo")
    demo.create(title="a demo one", model="gpt-4o-mini")
    real = loom("list", "--data-dir", str(tmp_path)).stdout
    shown = loom("--demo", "list", "--data-dir", str(tmp_path)).stdout
    assert "my real one" in real and "a demo one" not in real
    assert "a demo one" in shown and "my real one" not in shown


def test_export_to_a_terminal_carries_no_control_sequences_or_key(tmp_path: Path) -> None:
    key = "sk-export-23456789"
    store = open_conversations(tmp_path)
    conversation = store.create(title="sequences", model="m")
    user = store.add_message(conversation.id, "user", "show me")
    nasty = (
        "clip\x1b]52;c;ZXZpbA==\x07 title\x1b]0;pwned\x07 clear\x1b[2J link"
        "\x1b]8;;http://x\x1b\\y\x1b]8;;\x1b\\ dcs\x1bP1$r\x1b\\ c1\x9b2J end "
        f"and your key: Bearer {key}"
    )
    reply = store.add_message(conversation.id, "assistant", nasty, parent_id=user.id)
    store.save_reply(reply.id, nasty, finish_reason="stop")
    env = {"OPENAI_API_KEY": key}
    for fmt in ("md", "json"):
        out = loom(
            "export", "sequences", "--format", fmt, "-o", "-", "--data-dir", str(tmp_path), env=env
        )
        assert out.returncode == 0, out.stderr
        assert not any(ord(c) < 0x20 and c not in "\n\t" for c in out.stdout), fmt
        assert not any(0x7F <= ord(c) <= 0x9F for c in out.stdout), fmt
        assert key not in out.stdout and "sk-…6789" in out.stdout, fmt
        assert "clip" in out.stdout and " end " in out.stdout
    written = loom(
        "export", "sequences", "-o", str(tmp_path / "out.md"), "--data-dir", str(tmp_path), env=env
    )
    assert written.returncode == 0
    text = (tmp_path / "out.md").read_text()
    assert "\x1b" not in text and key not in text


def test_markdown_export_of_a_conversation_without_a_model(tmp_path: Path) -> None:
    from tui.areas.chat.core.export import render

    store = open_conversations(tmp_path)
    conversation = store.create(title="imported", model="")
    user = store.add_message(conversation.id, "user", "q")
    store.add_message(conversation.id, "assistant", "a", parent_id=user.id)
    text = render(store, store.get(conversation.id), "md")
    third = text.splitlines()[2]
    assert third.startswith("_started ") and not third.startswith("* ")
    assert "## Assistant\n" in text and "()" not in text


CRASHING_APP = """
import os, sys
import tui.app
import tui.areas.chat.screens as chat

real_run = tui.app.LoomApp.run
tui.app.LoomApp.run = lambda self, **kw: real_run(self, headless=True, size=(80, 24))

def boom(self):
    raise RuntimeError("boom, Bearer " + os.environ["OPENAI_API_KEY"])

chat.ChatScreen.after_first_frame = boom
from tui.cli import main

sys.exit(main(["--base-url", "http://127.0.0.1:9/v1"]))
"""


def test_an_unexpected_error_in_the_app_ends_in_one_line_and_a_report(tmp_path: Path) -> None:
    key = "sk-crash-123456789"
    env = {
        "OPENAI_API_KEY": key,
        "LOOM_STATE_DIR": str(tmp_path / "state"),
        "LOOM_DATA_DIR": str(tmp_path / "data"),
    }
    import os

    result = subprocess.run(
        [sys.executable, "-c", CRASHING_APP],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert "unexpected error" in line and "RuntimeError: boom" in line
    assert key not in line and "sk-…6789" in line
    (report,) = (tmp_path / "state").glob("crash-*.txt")
    assert report.name in line
    details = report.read_text()
    assert "after_first_frame" in details and "boom" in details
    assert key not in details


def test_an_unexpected_error_in_a_command_ends_in_one_line_and_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli import main
    from tui.store.conversations import ConversationStore

    def broken(self: object, **kwargs: object) -> None:
        raise KeyError("no such column")

    monkeypatch.setenv("LOOM_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(ConversationStore, "overview", broken)
    assert main(["list", "--data-dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert "KeyError" in line and "crash-" in line and "Traceback" not in captured.err
    assert list((tmp_path / "state").glob("crash-*.txt"))
