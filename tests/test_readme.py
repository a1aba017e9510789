"""Every command line README shows is one `loom` takes: each parses, and each that does not
open the workbench runs for real (in demo mode, in a folder of its own) with the exit
status README promises. `loom --help` too."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tui.areas.batches.sim.routes import chat_lines, jsonl
from tui.areas.fine_tuning.sim.routes import training_jsonl
from tui.cli.parser import parser as _parser

README = Path(__file__).resolve().parents[1] / "README.md"
INTERACTIVE = {None, "models", "requests"}
"""Commands that open the workbench: parsed here, tried in a real terminal elsewhere."""


def readme_commands() -> list[list[str]]:
    """The `loom …` lines of README's shell blocks, as argument lists (an optional
    `[--flag value]` gives the line with and without it)."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    found: list[list[str]] = []
    for block in blocks:
        for line in block.splitlines():
            line = line.split(" # ", 1)[0].strip()
            match = re.search(r"(?:^|\s|/)loom(\s.*|$)", line)
            if not match:
                continue
            rest = match.group(1).strip()
            optional = re.search(r"\[(--[^\]]+)\]", rest)
            variants = (
                [rest.replace(optional.group(0), ""), rest.replace(optional.group(0), optional[1])]
                if optional
                else [rest]
            )
            found += [shlex.split(v) for v in variants]
    return found


def test_readme_shows_commands_and_every_one_parses() -> None:
    commands = readme_commands()
    assert len(commands) >= 12, commands
    for argv in commands:
        try:
            _parser().parse_args(argv)
        except SystemExit as exit:
            pytest.fail(f"README's `loom {shlex.join(argv)}` does not parse (exit {exit.code})")


def _loom(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_readme_commands_that_do_not_open_the_workbench_keep_their_word(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(LOOM_DATA_DIR=str(tmp_path / "data"), LOOM_CONFIG=str(tmp_path / "config.toml"))
    # Twelve conversations, one of them "jacquard", as README's examples assume.
    for n in range(1, 13):
        title = "jacquard" if n == 3 else f"conversation {n}"
        source = tmp_path / f"c{n}.json"
        source.write_text(
            json.dumps({"title": title, "messages": [{"role": "user", "content": f"hi {n}"}]})
        )
        made = _loom("import", str(source), "--demo", cwd=tmp_path, env=env)
        assert made.returncode == 0, made.stderr
    (tmp_path / "train.jsonl").write_bytes(training_jsonl(15))
    (tmp_path / "requests.jsonl").write_bytes(jsonl(chat_lines(5)))
    (tmp_path / "tickets.csv").write_text("text\nThe printer jams\nDark mode, please\n")
    (tmp_path / "texts.csv").write_text("id,text\n1,red apples\n2,green apples\n")
    from PIL import Image

    Image.new("RGB", (256, 256), (40, 90, 160)).save(tmp_path / "photo.png")
    Image.new("RGBA", (256, 256), (0, 0, 0, 0)).save(tmp_path / "sea.png")
    Image.new("RGB", (128, 128), (200, 30, 30)).save(tmp_path / "logo.png")
    exported = _loom(
        "export",
        "jacquard",
        "--format",
        "json",
        "-o",
        "jacquard.json",
        "--demo",
        cwd=tmp_path,
        env=env,
    )
    assert exported.returncode == 0, exported.stderr
    expected = {
        ("fine-tuning", "validate", "train.jsonl", "--method", "dpo"): 1,  # problems, listed
        ("fine-tuning", "watch", "ftjob-abc123"): 4,  # an unknown job cannot be followed
        ("batches", "watch", "batch_abc123"): 4,  # nor an unknown batch
        # An unknown batch is said in one line, exit 1.
        ("batches", "show", "batch_abc123"): 1,
        ("batches", "results", "batch_abc123", "--csv", "-o", "results.csv"): 1,
        ("batches", "resubmit", "batch_abc123"): 1,
        ("batches", "cancel", "batch_abc123", "--yes"): 1,
        ("moderate", "I will find you", "Lovely weather"): 1,  # flagged: its word for it
        # README pipes text in; run here with an empty standard input, it says so (exit 2).
        ("audio", "speak", "-", "--out", "piped.wav", "--play"): 2,
    }
    ran = 0
    for argv in readme_commands():
        parsed = _parser().parse_args(argv)
        if parsed.command in INTERACTIVE or parsed.command == "demo-server":
            continue
        if parsed.command == "usage" and not (parsed.json or parsed.csv):
            continue  # the usage screen
        if parsed.command == "config" and parsed.action == "edit":
            continue
        if parsed.command == "playground":
            continue  # the playground screen
        if parsed.command == "batches" and not parsed.target:
            continue  # the batches screen
        if parsed.command == "admin" and (parsed.list is None or parsed.follow):
            continue  # the console, or following the log until Ctrl+C (tests/test_admin.py)
        done = _loom(*argv, "--demo", cwd=tmp_path, env=env)
        want = expected.get(tuple(argv), 0)
        assert done.returncode == want, (argv, done.returncode, done.stderr)
        assert "Traceback" not in done.stderr and "unexpected error" not in done.stderr
        ran += 1
    assert ran >= 10
    assert (tmp_path / "jacquard.md").read_text().startswith("# jacquard")


def test_readme_demo_server_line_serves(tmp_path: Path) -> None:
    [argv] = [a for a in readme_commands() if a and a[0] == "demo-server"]
    at = argv.index("--port") + 1
    argv = [*argv[:at], "0", *argv[at + 1 :]]  # any free port, not README's fixed one
    server = subprocess.Popen(
        [sys.executable, "-m", "tui", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "serving OpenAI-compatible API at http://127.0.0.1:" in line
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_loom_help_names_every_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tui", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    for command in ("demo-server", "export", "import", "list", "config", "fine-tuning"):
        assert command in done.stdout
    for command in ("models", "usage", "requests"):
        assert command in done.stdout
