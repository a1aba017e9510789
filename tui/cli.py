"""The `loom` command: the workbench, and `loom demo-server`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loom",
        description="A keyboard-driven terminal workbench for the OpenAI API and compatible "
        "servers. Run `loom --demo` to try it against the built-in simulator.",
        epilog="Other commands: `loom demo-server --help` runs the simulator on its own.",
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `loom` and `python -m tui`."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["demo-server"]:
        return run_demo_server(args_list[1:])
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
