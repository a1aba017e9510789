"""What Loom costs in a real terminal: bytes written and CPU, in a pseudo-terminal.

The other benchmarks run headless and never see what Loom writes to the terminal, which is
what an SSH link has to carry. This one runs the real `loom` in a pseudo-terminal of a
given size (TERM=xterm-256color) against `loom demo-server` paced at 200 tokens/s, types a
prompt, and counts every byte Loom writes while the reply streams, and its CPU share (from
/proc/PID/stat); then it waits with nothing happening and counts again (idle). The floor,
in the same run: a plain client printing the same stream to the same kind of terminal.

    python bench/pty_stream.py [--size 100x30] [--list shown|hidden] [--low-bandwidth]
                               [--no-erase] [--repeats 3]

--no-erase: as in a terminal that does not erase in colour (no `bce`: GNU screen), where
Loom writes blank runs space by space.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import struct
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, ROOT, median, simulator

PROMPT = "Tell me about looms"
REPLY_TOKENS = 2000
RATE = 200
IDLE_SECONDS = 5.0
QUIET = 0.6
"""Seconds without output that count as "the screen is drawn"."""
SETTLE = 1.0
"""Seconds counted after the reply is stored whole: its last frames."""


def reply_finished(data: Path, timeout: float) -> float:
    """When the store first held the reply whole (its finish reason set): a signal that
    does not depend on what the screen shows."""
    import sqlite3

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            db = sqlite3.connect(f"file:{data / 'loom.sqlite3'}?mode=ro", uri=True, timeout=1)
            try:
                row = db.execute(
                    "SELECT 1 FROM message WHERE role = 'assistant' AND finish_reason IS NOT NULL"
                ).fetchone()
            finally:
                db.close()
        except sqlite3.Error:
            continue
        if row is not None:
            return time.monotonic()
    raise SystemExit("pty_stream: the reply never ended")


FLOOR_CLIENT = r"""
import sys, httpx, json
url, prompt = sys.argv[1], sys.argv[2]
body = {"model": "gpt-4o-mini", "stream": True,
        "messages": [{"role": "user", "content": prompt}]}
headers = {"Authorization": "Bearer sk-bench"}
with httpx.stream("POST", url + "/chat/completions", json=body, headers=headers,
                  timeout=60) as response:
    for line in response.iter_lines():
        if line.startswith("data: ") and line != "data: [DONE]":
            for choice in json.loads(line[6:])["choices"]:
                piece = choice["delta"].get("content")
                if piece:
                    sys.stdout.write(piece)
                    sys.stdout.flush()
print("\n[end]", flush=True)
"""


@dataclass
class Terminal:
    """A child process on a pseudo-terminal, with everything it writes counted."""

    pid: int
    fd: int
    started: float = field(default_factory=time.monotonic)
    chunks: list[tuple[float, int]] = field(default_factory=list)
    data: bytearray = field(default_factory=bytearray)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: bool = False

    @classmethod
    def spawn(cls, argv: list[str], size: tuple[int, int], env: dict[str, str]) -> Terminal:
        columns, rows = size
        pid, fd = pty.fork()
        if pid == 0:  # the child: its terminal is the pty's other end
            os.chdir(ROOT)
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        terminal = cls(pid, fd)
        threading.Thread(target=terminal._read, daemon=True).start()
        return terminal

    def _read(self) -> None:
        while not self.done:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if not ready:
                continue
            try:
                got = os.read(self.fd, 65536)
            except OSError:
                break
            if not got:
                break
            with self.lock:
                self.chunks.append((time.monotonic(), len(got)))
                self.data += got

    @property
    def total(self) -> int:
        with self.lock:
            return len(self.data)

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime

    def wait_quiet(self, quiet: float = QUIET, timeout: float = 60.0) -> None:
        """Until nothing has been written for `quiet` seconds (after at least one byte)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.05)
            with self.lock:
                last = self.chunks[-1][0] if self.chunks else None
            if last is not None and time.monotonic() - last >= quiet:
                return
        raise SystemExit("pty_stream: the terminal never went quiet")

    def wait_for(self, marker: bytes, start: int, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.data.find(marker, start) >= 0:
                    return
            time.sleep(0.02)
        raise SystemExit(f"pty_stream: {marker!r} never appeared")

    def close(self) -> None:
        self.done = True
        try:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def reply_bytes(seed: int) -> int:
    """The bytes of the reply text the simulator sends for PROMPT."""
    from tui.sim.reply import compose_reply

    return len(compose_reply(PROMPT, seed=seed, min_tokens=REPLY_TOKENS).encode())


def loom_once(
    url: str,
    size: tuple[int, int],
    *,
    list_shown: bool | None,
    low_bandwidth: bool,
    erase: bool = True,
    idle: bool = True,
) -> dict[str, Any]:
    """One run of the real `loom`: first frame, a streamed reply, then idle (if `idle`)."""
    home = tempfile.mkdtemp(prefix="loom-pty-")
    config = Path(home) / "config.toml"
    config.write_text("" if erase else '[ui]\nterminal_erase = "off"\n')
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OPENAI_", "LOOM_")) and k != "COLORTERM"
        },
        "TERM": "xterm-256color",
        "OPENAI_BASE_URL": url,
        "OPENAI_API_KEY": "sk-bench",
        "LOOM_DATA_DIR": f"{home}/data",
        "LOOM_STATE_DIR": f"{home}/state",
        "XDG_CONFIG_HOME": f"{home}/config",
        "LOOM_CONFIG": str(config),
    }
    argv = [PYTHON, "-m", "tui"] + (["--low-bandwidth"] if low_bandwidth else [])
    term = Terminal.spawn(argv, size, env)
    try:
        term.wait_quiet()
        first_frame = term.total
        wide = size[0] >= 100
        if list_shown is not None and list_shown != wide:
            term.type("\x0c")  # ctrl+l shows or hides the conversation list
            term.wait_quiet()
        term.type(PROMPT)
        term.wait_quiet(0.3)
        before, cpu_before, wall_before = term.total, term.cpu_seconds(), time.monotonic()
        term.type("\r")
        ended = reply_finished(Path(home) / "data", timeout=120)
        time.sleep(SETTLE)  # the last flush, the figures, the final reflow
        after, cpu_after = term.total, term.cpu_seconds()
        streaming_wall = ended + SETTLE - wall_before
        idle_before, idle_cpu_before, idle_wall = term.total, term.cpu_seconds(), time.monotonic()
        time.sleep(IDLE_SECONDS if idle else 0.1)
        idle_bytes = term.total - idle_before
        idle_cpu = term.cpu_seconds() - idle_cpu_before
        idle_span = time.monotonic() - idle_wall
    finally:
        term.close()
    return {
        "first_frame_bytes": first_frame,
        "streaming_bytes": after - before,
        "streaming_wall_s": round(streaming_wall, 3),
        "cpu_share": round((cpu_after - cpu_before) / streaming_wall, 4),
        "idle_bytes_per_s": round(idle_bytes / idle_span, 1),
        "idle_cpu_share": round(idle_cpu / idle_span, 4),
    }


def floor_once(url: str, size: tuple[int, int]) -> dict[str, Any]:
    """A plain client printing the same stream to a terminal of the same size."""
    env = {**os.environ, "TERM": "xterm-256color"}
    term = Terminal.spawn([PYTHON, "-c", FLOOR_CLIENT, url, PROMPT], size, env)
    started, cpu = time.monotonic(), 0.0
    try:
        term.wait_for(b"[end]", 0)
        wall = time.monotonic() - started
        cpu = term.cpu_seconds()
        total = term.total
    finally:
        term.close()
    return {"bytes": total, "cpu_share": round(cpu / wall, 4), "wall_s": round(wall, 3)}


def measure(
    size: tuple[int, int] = (100, 30),
    repeats: int = 3,
    list_shown: bool | None = None,
    low_bandwidth: bool = False,
    erase: bool = True,
    idle: bool = True,
) -> dict[str, Any]:
    """Medians of `repeats` runs of Loom and of the floor, alternating."""
    seed = 1
    text = reply_bytes(seed)
    looms, floors = [], []
    with simulator(tokens_per_second=RATE, reply_tokens=REPLY_TOKENS, seed=seed) as url:
        for _ in range(repeats):
            floors.append(floor_once(url, size))
            looms.append(
                loom_once(
                    url,
                    size,
                    list_shown=list_shown,
                    low_bandwidth=low_bandwidth,
                    erase=erase,
                    idle=idle,
                )
            )
    return {
        "size": f"{size[0]}x{size[1]}",
        "list": "default" if list_shown is None else ("shown" if list_shown else "hidden"),
        "low_bandwidth": low_bandwidth,
        "erase": erase,
        "reply_text_bytes": text,
        "bytes_per_text_byte": round(median([r["streaming_bytes"] for r in looms]) / text, 2),
        "bytes_per_text_byte_runs": [round(r["streaming_bytes"] / text, 2) for r in looms],
        "cpu_share": median([r["cpu_share"] for r in looms]),
        "cpu_share_runs": [r["cpu_share"] for r in looms],
        "idle_bytes_per_s": median([r["idle_bytes_per_s"] for r in looms]),
        "idle_cpu_share": median([r["idle_cpu_share"] for r in looms]),
        "first_frame_bytes": median([r["first_frame_bytes"] for r in looms]),
        "streaming_wall_s": median([r["streaming_wall_s"] for r in looms]),
        "floor_bytes_per_text_byte": round(median([r["bytes"] for r in floors]) / text, 2),
        "floor_cpu_share": median([r["cpu_share"] for r in floors]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="100x30")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--list", choices=["shown", "hidden"], default=None)
    parser.add_argument("--low-bandwidth", action="store_true")
    parser.add_argument("--no-erase", action="store_true")
    args = parser.parse_args()
    columns, rows = (int(n) for n in args.size.split("x"))
    listed = None if args.list is None else args.list == "shown"
    result = measure((columns, rows), args.repeats, listed, args.low_bandwidth, not args.no_erase)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
