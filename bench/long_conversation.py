"""Opening a long conversation: a stored conversation of 2,000 messages against an empty
data folder. Times from spawning `loom` to its first frame, and to the conversation being
on screen; RSS once it is.

    python bench/long_conversation.py [--messages 2000] [--repeats 5]

Child mode (`--child DIR`) runs the app headless on that data folder and prints one JSON
line at the first frame and one when the newest messages are mounted and painted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import PYTHON, ROOT, median

sys.path.insert(0, str(ROOT))


def fill(folder: Path, messages: int) -> None:
    """One conversation of `messages` messages: questions and Markdown replies."""
    from tui.config import Settings
    from tui.sim.reply import compose_reply
    from tui.store.conversations import ConversationStore
    from tui.store.db import DB_NAME, open_store

    # Where the child (demo mode) keeps its conversations: the demo folder of `folder`.
    where = Settings.load({}, demo=True, data_dir=str(folder)).store_dir
    store = ConversationStore(open_store(where / DB_NAME))
    conversation = store.create(title="A very long conversation", model="gpt-4o-mini")
    parent = None
    store.db.execute("BEGIN")
    for turn in range(messages // 2):
        question = f"Question {turn}: how does part {turn} of the loom work?"
        user = store.add_message(conversation.id, "user", question, parent_id=parent)
        reply = store.add_message(conversation.id, "assistant", "", parent_id=user.id)
        text = compose_reply(question, seed=turn)
        store.save_reply(
            reply.id, text, finish_reason="stop", prompt_tokens=20, completion_tokens=150
        )
        parent = reply.id
    store.db.execute("COMMIT")
    store.db.close()


def child(folder: str, empty: bool) -> None:
    from _common import rss_mib

    from tui.app import LoomApp
    from tui.areas.chat.widgets.messages import ChatItem, ReplyView
    from tui.config import Settings

    class Measured(LoomApp):
        def on_ready(self) -> None:
            # Textual calls LoomApp.on_ready too (handlers run for each class).
            print(json.dumps({"event": "first_frame", "rss_mib": rss_mib()}), flush=True)
            if empty:
                self.exit()
            else:
                self.set_interval(0.01, self._check)

        def _check(self) -> None:
            screen = self.screen
            replies = screen.query(ReplyView)
            if (
                getattr(screen, "conversation_id", None) is not None
                and screen.query(ChatItem)
                and all(reply.settled for reply in replies)
            ):
                # Mounted, and every reply's Markdown rendered: the conversation is readable.
                self.call_after_refresh(self._shown)

        def _shown(self) -> None:
            print(json.dumps({"event": "shown", "rss_mib": rss_mib("VmRSS")}), flush=True)
            self.exit()

    settings = Settings.load({}, demo=True, data_dir=folder)
    Measured(settings).run(headless=True, size=(80, 24))


def once(folder: Path, empty: bool = False) -> dict[str, float]:
    started = time.perf_counter()
    args = [PYTHON, __file__, "--child", str(folder)] + (["--empty"] if empty else [])
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    # A child that never shows the conversation must not hang the benchmark.
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    result: dict[str, float] = {}
    try:
        for line in proc.stdout:
            event = json.loads(line)
            result[event["event"] + "_s"] = time.perf_counter() - started
            result[event["event"] + "_rss_mib"] = event["rss_mib"]
        proc.wait(timeout=60)
    finally:
        watchdog.cancel()
    wanted = "first_frame_s" if empty else "shown_s"
    if wanted not in result:
        raise SystemExit(f"long_conversation: the child ended without {wanted} ({folder})")
    return result


def measure(messages: int, repeats: int) -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory() as empty,
        tempfile.TemporaryDirectory() as short,
        tempfile.TemporaryDirectory() as full,
    ):
        fill(Path(short), 2)
        fill(Path(full), messages)
        once(Path(empty), empty=True)
        once(Path(full))
        empties, shorts, fulls = [], [], []
        for _ in range(repeats):
            empties.append(once(Path(empty), empty=True))
            shorts.append(once(Path(short)))
            fulls.append(once(Path(full)))
    empty_first = median([r["first_frame_s"] for r in empties])
    long_first = median([r["first_frame_s"] for r in fulls])
    short_shown = median([r["shown_s"] for r in shorts])
    long_shown = median([r["shown_s"] for r in fulls])
    return {
        "messages": messages,
        "empty_first_frame_s": empty_first,
        "long_first_frame_s": long_first,
        "long_extra_first_frame_s": round(long_first - empty_first, 3),
        "short_shown_s": short_shown,
        "long_shown_s": long_shown,
        "long_extra_shown_s": round(long_shown - short_shown, 3),
        "long_rss_mib": max(r["shown_rss_mib"] for r in fulls),
        "short_rss_mib": max(r["shown_rss_mib"] for r in shorts),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--empty", action="store_true")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.empty)
    else:
        print(json.dumps(measure(args.messages, args.repeats)))
