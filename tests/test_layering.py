"""The layering rule: api, sim, config and backend never import Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

NON_UI = [
    "tui.api.client",
    "tui.api.chat",
    "tui.api.models",
    "tui.api.errors",
    "tui.sim.app",
    "tui.sim.server",
    "tui.config",
    "tui.backend",
    "tui.advice",
    "tui.mdsplit",
    "tui.store.db",
    "tui.store.conversations",
]


def test_non_ui_modules_import_no_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in NON_UI)
        + "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_no_textual_import_statement_in_non_ui_packages() -> None:
    root = Path(__file__).resolve().parents[1] / "tui"
    files = [
        *root.joinpath("api").rglob("*.py"),
        *root.joinpath("sim").rglob("*.py"),
        *root.joinpath("store").rglob("*.py"),
        root / "config.py",
        root / "backend.py",
        root / "advice.py",
        root / "mdsplit.py",
    ]
    offenders = [
        str(f)
        for f in files
        if any(
            line.lstrip().startswith(("import textual", "from textual"))
            for line in f.read_text().splitlines()
        )
    ]
    assert offenders == []


def test_start_up_imports_no_network_or_markdown_stack() -> None:
    code = (
        "import sys\nimport tui.app\n"
        "heavy = ['httpx', 'pydantic', 'starlette', 'uvicorn', 'markdown_it', 'openai']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
