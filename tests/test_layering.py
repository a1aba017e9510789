"""What start-up imports. The layering rules themselves are import-linter contracts in
pyproject.toml, checked by `lint-imports` in .ci/run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAVY = ["httpx", "pydantic", "sqlite3", "starlette", "uvicorn", "markdown_it", "openai"]
"""What the first frame does without: the network, validation, the store, the simulator
and the Markdown stack load after it (start-up is benchmarked in bench/startup.py)."""


def test_the_first_frame_imports_no_network_store_or_markdown_stack(tmp_path: Path) -> None:
    # Run in a process of its own (this one has them all loaded), to the first frame:
    # the chat screen and everything it imports are on screen then.
    code = f"""
import asyncio, sys
import tui.app
from tui.config import Settings

seen = []
ready = tui.app.LoomApp.on_ready

def on_ready(self):
    seen.extend(m for m in {HEAVY!r} if m in sys.modules)
    seen.append("ready")
    ready(self)

tui.app.LoomApp.on_ready = on_ready

async def main():
    settings = Settings.load(
        {{}}, demo=True, data_dir={str(tmp_path)!r}, config={str(tmp_path / "none.toml")!r}
    )
    app = tui.app.LoomApp(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(500):
            if "ready" in seen:
                break
            await pilot.pause(0.01)

asyncio.run(main())
print(",".join(seen))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={**os.environ, "LOOM_STATE_DIR": str(tmp_path / "state")},
    )
    assert result.stdout.strip().splitlines()[-1] == "ready", result.stdout
