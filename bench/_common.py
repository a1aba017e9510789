"""Helpers shared by the benchmarks: a simulator in its own process, memory readings."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def rss_mib(field: str = "VmHWM") -> float:
    """This process's peak (VmHWM) or current (VmRSS) resident memory, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def simulator(
    *, tokens_per_second: float = 0, reply_tokens: int | None = None, seed: int = 1
) -> Iterator[str]:
    """`loom demo-server` in its own process, so its CPU is not counted; yields the base URL."""
    args = [PYTHON, "-m", "tui", "demo-server", "--port", "0", "--seed", str(seed)]
    args += ["--tokens-per-second", str(tokens_per_second)]
    if reply_tokens:
        args += ["--reply-tokens", str(reply_tokens)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        yield line.split(" at ", 1)[1].strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_child(args: Sequence[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a benchmark child process; its last stdout line is a JSON object."""
    result = subprocess.run(
        [PYTHON, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stderr[-3000:]}")
    last = result.stdout.strip().splitlines()[-1]
    return dict(json.loads(last))


def median(values: Sequence[float]) -> float:
    """The median, rounded for reports."""
    return round(statistics.median(values), 4)
