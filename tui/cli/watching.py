"""`loom … watch ID`, for every area that follows something for hours (a fine-tuning job,
a batch, a run): one implementation and one exit-status rule. The area hands over what
to follow; this follows it with the shared watcher until it ends, prints each status
change (the area prints its own lines, its events say), says when the server fails and
when it is back, and ends with the outcome's exit status: 0 succeeded, 1 failed, 3
cancelled or expired, 4 it cannot be followed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.cli.common import err, out, settings

if TYPE_CHECKING:
    from tui.core.services import Services
    from tui.core.watcher import Followed, WatchEvent

OUTCOMES_HELP = (
    "exit status 0 when it succeeded, 1 failed, 3 cancelled or expired, 4 if it cannot be followed"
)


async def watch(
    args: argparse.Namespace,
    area: str,
    make: Callable[[Services], Followed],
    *,
    ending: Callable[[Followed], str | None] | None = None,
) -> int:
    """Follow what `make` gives until it ends; its outcome as the exit status."""
    from tui.core.services import Services
    from tui.core.watcher import Outcome, Watch

    services = Services(settings(args), join_demo=True)
    try:
        if services.settings.demo:
            await services.client()
            if services.joined_demo is None:
                err(
                    "loom: no `loom --demo` app is running here: following a simulator of "
                    "this command's own (what it holds starts over)"
                )
        followed = make(services)
        watching = Watch(followed, focused=True)
        said: list[str | None] = [None]

        def told(event: WatchEvent) -> None:
            if event.watch is not watching:
                return
            if event.change is not None:
                before, now = event.change
                was = f"{followed.words(before)} → " if before else ""
                out(f"status: {was}{followed.words(now)}\n")
            problem = followed.state.problem
            if problem and problem != said[0]:
                err(f"loom: {problem} (trying again)")
            if problem is None and said[0] is not None:
                err("loom: reconnected")
            said[0] = problem
            sys.stdout.flush()

        services.watcher.events.subscribe(told)
        outcome = await services.watcher.run(watching)
    finally:
        await services.aclose()
    if outcome is Outcome.LOST:
        err(f"loom {args.command} watch: {followed.state.stopped or 'it cannot be followed'}")
        return int(Outcome.LOST)
    final = ending(followed) if ending is not None else None
    if final:
        out(final + "\n")
    return int(outcome)
