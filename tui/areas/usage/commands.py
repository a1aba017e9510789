"""`loom usage`: the usage screen, or with --json / --csv what it shows, for scripts: Loom's
own ledger of its requests, or with --org the organisation's usage API (an admin key)."""

from __future__ import annotations

import argparse

from tui.cli.common import BAD_USE, FAILED, Options, count, err, out, settings
from tui.cli.workbench import run_app

FAMILY = "usage"


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser], options: Options) -> None:
    """The family's commands."""
    usage = commands.add_parser(
        "usage",
        help="usage and cost: the screen, or --json/--csv for scripts",
        description="Open the usage screen; with --json or --csv, print usage instead: Loom's "
        "own ledger of its requests, or with --org the organisation's usage API (an admin "
        "key: OPENAI_ADMIN_KEY or the profile's admin_key_env).",
    )
    shape = usage.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print JSON")
    shape.add_argument("--csv", action="store_true", help="print CSV")
    usage.add_argument("--org", action="store_true", help="the organisation's usage API")
    usage.add_argument(
        "--metric",
        choices=["tokens", "requests", "images", "audio seconds", "cost"],
        default="tokens",
    )
    usage.add_argument("--days", type=count, default=30, help="0 = today (default 30)")
    usage.add_argument("--bucket", choices=["1m", "1h", "1d"], default="1d")
    usage.add_argument(
        "--group",
        default=None,
        help="model, project_id, api_key_id, user_id, line_item (costs), endpoint, profile, "
        "server, or none (default: model; line_item for --org --metric cost)",
    )
    options(usage)
    usage.set_defaults(run=run_usage)


def run_usage(args: argparse.Namespace) -> int:
    """`loom usage`: the screen, or `--json` / `--csv` for scripts."""
    if not (args.json or args.csv):
        return run_app(args, mode="usage")
    import asyncio

    return asyncio.run(_print_usage(args))


async def _print_usage(args: argparse.Namespace) -> int:
    from tui.api.errors import APIError
    from tui.areas.usage.core.book import LEDGER_GROUPS, ORG_GROUPS, NeedsAdminKey, Query
    from tui.areas.usage.core.export import to_csv, to_json
    from tui.core.services import Services
    from tui.store.errors import StoreError

    allowed = ORG_GROUPS[args.metric] if args.org else LEDGER_GROUPS
    group = None if args.group == "none" else (args.group or allowed[0])
    if group is not None and group not in allowed:
        err(f"loom usage: --group {group}: one of {', '.join(allowed)} or none here")
        return BAD_USE
    if not args.org and args.metric in ("images", "audio seconds"):
        err("loom usage: the ledger records Loom's own requests (no images or audio): use --org")
        return BAD_USE
    services = Services(settings(args), join_demo=True)
    query = Query(
        source="org" if args.org else "ledger",
        metric=args.metric,
        days=args.days,
        width=args.bucket,
        group=group,
    )
    book = services.area("usage").book
    try:
        dataset = await (book.fetch_org(query) if args.org else book.from_ledger(query))
    except NeedsAdminKey as need:
        err(f"loom usage: {need}")
        return FAILED
    except (APIError, StoreError) as error:
        err(f"loom usage: {error}")
        return FAILED
    finally:
        await services.aclose()
    out(to_json(dataset) + "\n" if args.json else to_csv(dataset))
    if dataset.unusable:
        err(
            f"loom usage: {dataset.unusable:,} result(s) left out: the server sent figures or "
            "times that are not usable numbers (infinite, negative, out of range)"
        )
    if dataset.problem:
        err(f"loom usage: {dataset.problem}")
        return FAILED
    return 0
