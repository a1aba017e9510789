"""`loom embed`, `loom moderate` and `loom complete` from the shell, in a subprocess against
the simulator over loopback: what they print and the exit statuses scripts rely on."""

from __future__ import annotations

import json
from pathlib import Path

from tui.sim.server import SimServer

from .conftest import loom
from .hostile import Hostile, hostile  # noqa: F401


def _env(sim: SimServer | Hostile, tmp_path: Path) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": sim.base_url,
        "OPENAI_API_KEY": "sk-test-fake-0001",
        "LOOM_DATA_DIR": str(tmp_path / "data"),
    }


def test_embed_prints_the_matrix_and_json_gives_vectors(sim: SimServer, tmp_path: Path) -> None:
    env = _env(sim, tmp_path)
    done = loom("embed", "The cat sat on the mat", "A cat sat on a mat", "Tax forms", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].strip() == "1  The cat sat on the mat"
    matrix = [line for line in lines if line.startswith(("  1 ", "  2 ", "  3 "))][-3:]
    values = [[float(x) for x in row.split()[1:]] for row in matrix]
    assert values[0][0] == 1.0 and values[0][1] > values[0][2]
    assert "text-embedding-3-small: 1,536 dimensions" in lines[-1]
    texts = tmp_path / "texts.csv"
    texts.write_text("id,text\n1,red apples\n2,green apples\n3,a tax form\n")
    as_json = loom("embed", "--file", str(texts), "--dimensions", "32", "--json", env=env)
    assert as_json.returncode == 0, as_json.stderr
    shown = json.loads(as_json.stdout)
    assert shown["texts"] == ["red apples", "green apples", "a tax form"]
    assert shown["dimensions"] == 32 and len(shown["vectors"][0]) == 32
    assert shown["matrix"][0][1] > shown["matrix"][0][2]
    many = tmp_path / "many.txt"
    many.write_text(
        "\n".join(f"text number {n} about {'cats' if n % 2 else 'taxes'}" for n in range(20))
    )
    ranked = loom("embed", "--file", str(many), env=env)
    assert ranked.returncode == 0 and "closest pairs:" in ranked.stdout


def test_embed_and_moderate_say_what_is_wrong_with_bad_input(
    sim: SimServer, tmp_path: Path
) -> None:
    env = _env(sim, tmp_path)
    nothing = loom("embed", env=env)
    assert nothing.returncode == 2 and "give one text or more" in nothing.stderr
    missing = loom("moderate", "--file", str(tmp_path / "none.txt"), env=env)
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    column = tmp_path / "t.csv"
    column.write_text("id,body\n1,hello\n")
    wrong = loom("embed", "--file", str(column), "--column", "text", env=env)
    assert wrong.returncode == 2 and "its columns: id, body" in wrong.stderr
    empty = loom("embed", "one", " ", env=env)
    assert empty.returncode == 2 and "text 2 is empty" in empty.stderr
    too_long = loom("embed", "word " * 9000, env=env)
    assert too_long.returncode == 1 and "maximum context length" in too_long.stderr
    for done in (nothing, missing, wrong, empty, too_long):
        assert "Traceback" not in done.stderr


def test_moderate_exits_1_when_flagged_0_when_not(sim: SimServer, tmp_path: Path) -> None:
    env = _env(sim, tmp_path)
    calm = loom("moderate", "The weather is lovely", "Tea is ready", env=env)
    assert calm.returncode == 0, calm.stderr
    assert calm.stdout.count(" ok ") == 2 and "FLAGGED" not in calm.stdout
    threat = loom("moderate", "Tea is ready", "I will kill you", env=env)
    assert threat.returncode == 1, threat.stderr
    assert "FLAGGED  I will kill you" in threat.stdout and "violence 0.70" in threat.stdout
    as_json = loom("moderate", "I will kill you", "--json", env=env)
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["results"][0]["categories"]["violence"] is True
    unreachable = loom("moderate", "x", env={**env, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert unreachable.returncode == 4 and "Traceback" not in unreachable.stderr


def test_complete_streams_to_stdout_and_json_has_the_tokens(sim: SimServer, tmp_path: Path) -> None:
    env = _env(sim, tmp_path)
    done = loom("complete", "Once upon a time", "--max-tokens", "12", env=env)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip()) > 10 and done.stdout.endswith("\n")
    as_json = loom(
        "complete", "Once upon a time", "--max-tokens", "5", "--logprobs", "2", "--json", env=env
    )
    assert as_json.returncode == 0, as_json.stderr
    shown = json.loads(as_json.stdout)
    (choice,) = shown["choices"]
    assert len(choice["tokens"]) == 5 and choice["finish_reason"] == "length"
    assert all(len(t["top_logprobs"]) == 2 for t in choice["tokens"])
    assert "".join(t["token"] for t in choice["tokens"]) == choice["text"]
    assert shown["usage"]["completion_tokens"] == 5
    chat = loom("complete", "hi", "--model", "gpt-4o", env=env)
    assert chat.returncode == 1 and "completions (legacy)" in chat.stderr


def test_a_server_without_the_endpoints_gets_one_sentence(
    hostile: Hostile,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = _env(hostile, tmp_path)
    for argv, status, api in (
        (("moderate", "hello"), 4, "moderations"),
        (("embed", "hello"), 1, "embeddings"),
        (("complete", "hello"), 1, "completions"),
    ):
        done = loom(*argv, env=env)
        lines = done.stderr.splitlines()
        assert done.returncode == status and len(lines) == 1, (argv, done.stderr)
        assert f"This server has no {api} API (404 while" in lines[0]
        assert "Traceback" not in done.stderr
