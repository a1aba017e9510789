"""The `loom` command line, made from its families: the workbench's own flags, then each
family's commands — the shared ones here (settings, the simulator)
and each area's (tui/areas: `Area.commands`), then `loom NAME` for every other mode.
`loom --help` lists the commands by family."""

from __future__ import annotations

import argparse
from functools import partial
from importlib import import_module
from types import ModuleType

from tui.cli.common import Parser, global_options, name, url

SHARED = ("tui.cli.config", "tui.cli.demo_server")
"""The command families that belong to no one area."""


def families() -> list[ModuleType]:
    """Every command family: the shared ones, then each area's."""
    from tui.registry import areas

    found = [import_module(module) for module in SHARED]
    found += [import_module(a.commands) for a in areas() if a.commands is not None]
    return found


def parser() -> Parser:
    """The whole command line."""
    built = Parser(
        prog="loom",
        description="A keyboard-driven terminal workbench for the OpenAI API and compatible\n"
        "servers. Run `loom --demo` to try it against the built-in simulator.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    global_options(built, suppress=False)
    built.add_argument(
        "--base-url", type=url, help="API base URL (default: $OPENAI_BASE_URL or OpenAI)"
    )
    built.add_argument("--model", type=name, help="model to chat with (default: gpt-4o-mini)")
    built.add_argument(
        "--low-bandwidth",
        action="store_true",
        help="for slow links: fewer frames while a reply streams, no cursor blink or "
        "animations, 16 colours (the config's [ui] low_bandwidth)",
    )
    built.add_argument("--version", action="store_true", help="print the version and exit")
    commands = built.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    options = partial(global_options, suppress=True)
    groups: list[tuple[str, list[str]]] = []
    for family in families():
        before = set(commands.choices)
        family.add(commands, options)
        added = [c for c in commands.choices if c not in before]
        groups.append((getattr(family, "FAMILY", family.__name__), added))
    from tui.cli.workbench import add_modes

    screens = add_modes(commands, options, set(commands.choices))
    groups.insert(0, ("the workbench", ["(none: chat)", *screens]))
    merged: dict[str, list[str]] = {}
    for family_name, names in groups:
        merged.setdefault(family_name, []).extend(names)
    width = max(len(family_name) for family_name in merged)
    built.epilog = "command families:\n" + "\n".join(
        f"  {family_name:<{width}}  {', '.join(names)}" for family_name, names in merged.items()
    )
    built.set_defaults(run=None)
    return built
