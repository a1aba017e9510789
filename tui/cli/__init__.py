"""The `loom` command, as a package: `common` (the parser that says a bad argument in one
line, value checks, the options of every command, the one rule from an error to an exit
status), `parser` (the command line made from its families), `watching` (the one `watch`
of every area), and a module per family of the commands that belong to no one area —
`workbench`, `conversations`, `usage`, `config`, `demo_server`; each area's own family
lives in its folder (`tui/areas/<name>/commands.py`).

Every flag and argument is checked before anything starts: a bad one gets one line naming
it and exit status 2. Whatever else goes wrong ends in one line too, naming the error and
a crash report with the details (secrets masked): never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `loom` and `python -m tui`: never ends with a traceback."""
    code = _main(argv)
    store = sys.modules.get("tui.store.thread")
    if store is not None and store.abandoned():
        # A database whose shared memory became unwritable must not be closed (SIGBUS):
        # end here, everything written and flushed, before the interpreter closes it.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    return code


def _main(argv: Sequence[str] | None) -> int:
    from tui.cli.common import exit_status
    from tui.cli.parser import parser

    command = "loom"
    try:
        args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        command = args.command or "loom"
        if args.run is None:
            from tui.cli.workbench import run_app

            return run_app(args)
        code: int = args.run(args)
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`loom list | head`): nothing more to say, and nothing to
        # flush at exit either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as error:
        return exit_status(error, command)
