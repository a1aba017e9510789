"""What start-up imports. The layering rules themselves are import-linter contracts in
pyproject.toml, checked by `lint-imports` in .ci/run."""

from __future__ import annotations

import subprocess
import sys


def test_start_up_imports_no_network_or_markdown_stack() -> None:
    code = (
        "import sys\nimport tui.app\nfrom tui.config import Settings\n"
        "tui.app.LoomApp(Settings.load({}, demo=True, data_dir='/tmp/loom-layering'))\n"
        "heavy = ['httpx', 'pydantic', 'starlette', 'uvicorn', 'markdown_it', 'openai']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
