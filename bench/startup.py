"""Start-up: `loom --demo` to its first painted frame (headless), against a bare Textual app.

Child mode (`startup.py loom|bare`) runs one app and prints, at its first frame, the peak
RSS; the parent times from spawning the process to that line, so interpreter start and
imports count for both.
"""

from __future__ import annotations

import argparse
import compileall
import json
import subprocess
import time

from _common import PYTHON, ROOT, median


def child(kind: str) -> None:
    from _common import rss_mib

    if kind == "bare":
        from textual.app import App, ComposeResult
        from textual.widgets import Footer, Static

        class Bare(App[None]):
            def compose(self) -> ComposeResult:
                yield Static("hello")
                yield Footer()

            def on_ready(self) -> None:
                print(json.dumps({"rss_mib": rss_mib()}), flush=True)
                self.exit()

        Bare().run(headless=True, size=(80, 24))
        return

    from tui.app import LoomApp
    from tui.config import Settings

    class FirstFrame(LoomApp):
        def on_ready(self) -> None:
            print(json.dumps({"rss_mib": rss_mib()}), flush=True)
            self.exit()

    import tempfile

    settings = Settings.load({}, demo=True, data_dir=tempfile.mkdtemp())
    FirstFrame(settings).run(headless=True, size=(80, 24))


def once(kind: str) -> tuple[float, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, __file__, "--child", kind], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - started
    proc.wait(timeout=30)
    return elapsed, float(json.loads(line)["rss_mib"])


def measure(repeats: int) -> dict[str, float]:
    """Alternate bare and Loom runs; medians and their ratio."""
    # Textual, like any installed package, was byte-compiled when pip installed it; an
    # editable install of Loom is compiled on its first import unless the environment
    # forbids writing bytecode (PYTHONDONTWRITEBYTECODE, set on some machines). Compile it
    # here so both apps start as they do once installed, not with Loom compiling itself.
    compileall.compile_dir(ROOT / "tui", quiet=1)
    bare_t, loom_t, bare_m, loom_m = [], [], [], []
    once("bare")  # warm the file cache
    once("loom")
    for _ in range(repeats):
        t, m = once("bare")
        bare_t.append(t)
        bare_m.append(m)
        t, m = once("loom")
        loom_t.append(t)
        loom_m.append(m)
    return {
        "startup_bare_s": median(bare_t),
        "startup_loom_s": median(loom_t),
        "startup_ratio": round(median(loom_t) / median(bare_t), 3),
        "startup_bare_rss_mib": median(bare_m),
        "startup_rss_mib": median(loom_m),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=["loom", "bare"])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if args.child:
        child(args.child)
    else:
        print(json.dumps(measure(args.repeats)))
