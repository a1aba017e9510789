"""The `loom` command: the workbench, `loom demo-server`, `loom export`, `loom import`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.store.conversations import ConversationStore


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loom",
        description="A keyboard-driven terminal workbench for the OpenAI API and compatible "
        "servers. Run `loom --demo` to try it against the built-in simulator.",
        epilog="Other commands: `loom demo-server` runs the simulator on its own; "
        "`loom export TITLE_OR_ID --format md|json [-o FILE|-]` and `loom import FILE` "
        "move conversations in and out (each has --help).",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against the built-in simulator on 127.0.0.1 (no key, no network)",
    )
    parser.add_argument("--base-url", help="API base URL (default: $OPENAI_BASE_URL or OpenAI)")
    parser.add_argument("--model", help="model to chat with (default: gpt-4o-mini)")
    parser.add_argument(
        "--data-dir", help="where conversations are kept (default: $LOOM_DATA_DIR or XDG data)"
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


def _server_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loom demo-server",
        description="Run Loom's OpenAI-compatible simulator on its own and print its base URL.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8751, help="port (default 8751; 0 = any free)")
    parser.add_argument("--seed", type=int, default=0, help="seed for deterministic replies")
    parser.add_argument(
        "--tokens-per-second",
        type=float,
        default=0.0,
        help="reply speed (default 0 = as fast as possible)",
    )
    parser.add_argument("--api-key", help="accept only this key (default: any non-empty key)")
    parser.add_argument(
        "--reply-tokens",
        type=int,
        default=None,
        help="make every reply at least this many tokens long (for benchmarks)",
    )
    return parser


def run_demo_server(argv: Sequence[str]) -> int:
    """`loom demo-server`."""
    args = _server_parser().parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.host.startswith("127."):
        print("loom demo-server: the simulator binds to loopback addresses only", file=sys.stderr)
        return 2
    from tui.sim.app import SimConfig
    from tui.sim.server import serve_forever

    config = SimConfig(
        seed=args.seed,
        tokens_per_second=max(0.0, args.tokens_per_second),
        api_key=args.api_key,
        reply_tokens=args.reply_tokens,
    )
    try:
        serve_forever(config, host=args.host, port=args.port)
    except OSError as exc:
        print(f"loom demo-server: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def _export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loom export",
        description="Write a conversation (the branch last shown) as Markdown or JSON.",
    )
    parser.add_argument("conversation", help="its id, or part of its title (any case)")
    parser.add_argument("--format", choices=["md", "json"], default="md", help="default md")
    parser.add_argument("-o", "--output", default=None, help="file to write; - for stdout")
    parser.add_argument("--data-dir", help="where conversations are kept")
    return parser


def _import_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loom import",
        description="Add a conversation from a JSON file written by `loom export --format json` "
        "(or any JSON object with the API's `messages`).",
    )
    parser.add_argument("file", help="the JSON file; - for stdin")
    parser.add_argument("--data-dir", help="where conversations are kept")
    return parser


def _open_store(data_dir: str | None) -> ConversationStore | None:
    from tui.store.conversations import open_conversations
    from tui.store.db import StoreError

    try:
        return open_conversations(data_dir)
    except StoreError as error:
        print(f"loom: {error}", file=sys.stderr)
        return None


def run_export(argv: Sequence[str]) -> int:
    """`loom export`."""
    from pathlib import Path

    from tui.export import file_stem, render

    args = _export_parser().parse_args(argv)
    store = _open_store(args.data_dir)
    if store is None:
        return 1
    found = store.find(args.conversation)
    if not found:
        print(f"loom export: no conversation matches {args.conversation!r}", file=sys.stderr)
        return 1
    if len(found) > 1:
        print(
            f"loom export: {len(found)} conversations match {args.conversation!r}; "
            "give more of the title, or the id:",
            file=sys.stderr,
        )
        for c in found[:20]:
            print(f"  {c.id:>5}  {c.title}", file=sys.stderr)
        return 1
    text = render(store, found[0], args.format)
    output = args.output or f"{file_stem(found[0].title)}.{args.format}"
    if output == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"loom export: cannot write {output}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"wrote {output}", file=sys.stderr)
    return 0


def run_import(argv: Sequence[str]) -> int:
    """`loom import`."""
    import json
    from pathlib import Path

    from tui.export import ImportProblem, import_json

    args = _import_parser().parse_args(argv)
    try:
        raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
        data = json.loads(raw)
    except OSError as error:
        print(f"loom import: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 1
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        print(f"loom import: {args.file} is not JSON: {error}", file=sys.stderr)
        return 1
    store = _open_store(args.data_dir)
    if store is None:
        return 1
    try:
        conversation = import_json(store, data)
    except ImportProblem as error:
        print(f"loom import: {args.file}: {error}", file=sys.stderr)
        return 1
    print(f"imported “{conversation.title}” as conversation {conversation.id}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `loom` and `python -m tui`."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["demo-server"]:
        return run_demo_server(args_list[1:])
    if args_list[:1] == ["export"]:
        return run_export(args_list[1:])
    if args_list[:1] == ["import"]:
        return run_import(args_list[1:])
    args = _app_parser().parse_args(args_list)
    if args.version:
        from tui import __version__

        print(f"loom {__version__}")
        return 0
    from tui.config import Settings

    settings = Settings.load(
        base_url=args.base_url, model=args.model, demo=args.demo, data_dir=args.data_dir
    )
    from tui.app import LoomApp

    app = LoomApp(settings)
    app.run()
    return app.return_code or 0
