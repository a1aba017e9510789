"""The workbench itself: `loom` (chat), and `loom NAME` for every mode that has no command
family of its own (`loom models`, `loom requests`) — each opens the app on that screen."""

from __future__ import annotations

import argparse
from typing import Any

from tui.cli.common import Options, err, settings

FAMILY = "the workbench"


def run_app(args: argparse.Namespace, *, mode: str | None = None, job: str | None = None) -> int:
    """The workbench, on `mode` (and following `job`) if given."""
    if getattr(args, "version", False):
        from tui import __version__

        print(f"loom {__version__}")
        return 0
    loaded = settings(args)
    if getattr(args, "low_bandwidth", False):
        loaded.low_bandwidth = True
    from tui.app import LoomApp
    from tui.widgets.graphics import prepare

    prepare()  # a terminal that draws images is asked how, before the app owns it
    app = LoomApp(loaded, mode=mode, job=job)
    app.run()
    failure = app.failure_report()
    if failure is not None:
        from tui.core.crash import report

        err(report(*failure))
    return app.return_code or 0


def add_modes(
    commands: argparse._SubParsersAction[Any],
    options: Options,
    taken: set[str],
) -> list[str]:
    """`loom NAME` for every mode whose name no command family took; their names."""
    from tui.screens.modes import MODES

    added = []
    for mode in MODES:
        if mode.name in taken or mode.name == "chat":
            continue
        opens = commands.add_parser(
            mode.name, help=f"open the {mode.title.lower()} screen", description=mode.about + "."
        )
        options(opens)
        opens.set_defaults(run=lambda args, name=mode.name: run_app(args, mode=name))
        added.append(mode.name)
    return added
