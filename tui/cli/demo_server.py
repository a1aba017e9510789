"""`loom demo-server`: the simulator on its own, for trying your own clients."""

from __future__ import annotations

import argparse

from tui.cli.common import BAD_USE, FAILED, Options, count, err, integer, port, rate

FAMILY = "the simulator"


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser], options: Options) -> None:
    """The family's commands."""
    server = commands.add_parser(
        "demo-server",
        help="run the simulator on its own",
        description="Run Loom's OpenAI-compatible simulator on its own and print its base URL.",
    )
    server.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    server.add_argument("--port", type=port, default=8751, help="port (default 8751; 0 = any free)")
    server.add_argument("--seed", type=integer, default=0, help="seed for deterministic replies")
    server.add_argument(
        "--tokens-per-second",
        type=rate,
        default=0.0,
        help="reply speed (default 0 = as fast as possible)",
    )
    server.add_argument("--api-key", help="accept only this key (default: any non-empty key)")
    server.add_argument(
        "--reply-tokens",
        type=count,
        default=None,
        help="make every reply at least this many tokens long (for benchmarks)",
    )
    server.set_defaults(run=run_demo_server)


def run_demo_server(args: argparse.Namespace) -> int:
    """`loom demo-server`."""
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.host.startswith("127."):
        err("loom demo-server: --host: the simulator binds to loopback addresses only")
        return BAD_USE
    from tui.sim.app import SimConfig
    from tui.sim.server import serve_forever

    config = SimConfig(
        seed=args.seed,
        tokens_per_second=args.tokens_per_second,
        api_key=args.api_key,
        reply_tokens=args.reply_tokens,
        demo=True,
        requests_a_minute=600,  # gauges that move in a client's inspector
        tokens_a_minute=150_000,
    )
    try:
        serve_forever(config, host=args.host, port=args.port)
    except OSError as exc:
        err(f"loom demo-server: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return FAILED
    return 0
