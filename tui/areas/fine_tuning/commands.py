"""`loom fine-tuning`: the cockpit (`loom fine-tuning JOB_ID` on that job), `watch JOB_ID`
(each new event and status change until the job ends, with the shared exit statuses) and
`validate FILE` (the training-file check of the create form, for scripts)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.common import BAD_USE, FAILED, Options, err, out
from tui.cli.watching import OUTCOMES_HELP

if TYPE_CHECKING:
    from tui.core.services import Services
    from tui.core.watcher import Followed

FAMILY = "fine-tuning"


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser], options: Options) -> None:
    """The family's commands."""
    tuning = commands.add_parser(
        "fine-tuning",
        help="the fine-tuning cockpit; or watch a job, or check a training file",
        description="`loom fine-tuning` opens the cockpit (`loom fine-tuning JOB_ID` on that "
        "job). `loom fine-tuning watch JOB_ID` prints each new event and status change "
        f"until the job ends, reconnecting on its own: {OUTCOMES_HELP}. `loom fine-tuning "
        "validate FILE` checks a JSONL training file: exit status 0 fine, 1 problems (each "
        "listed with its line), 2 the file cannot be read (missing, a folder, a pipe or a "
        "device).",
    )
    tuning.add_argument(
        "target", nargs="*", metavar="[watch|validate] ID_OR_FILE", help="what to open"
    )
    tuning.add_argument(
        "--method",
        choices=["supervised", "dpo", "reinforcement"],
        default="supervised",
        help="validate: the method the file is for (default supervised)",
    )
    options(tuning)
    tuning.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """`loom fine-tuning [JOB_ID]`, `loom fine-tuning watch JOB_ID`, `... validate FILE`."""
    target = list(args.target)
    if target and target[0] == "validate":
        if len(target) != 2:
            err("loom fine-tuning validate: name one file (loom fine-tuning validate FILE)")
            return BAD_USE
        return validate(Path(target[1]), args.method)
    if target and target[0] == "watch":
        if len(target) != 2:
            err("loom fine-tuning watch: name one job (loom fine-tuning watch JOB_ID)")
            return BAD_USE
        import asyncio

        return asyncio.run(watch(args, target[1]))
    if len(target) > 1:
        err("loom fine-tuning: give at most one job id (or watch JOB_ID, validate FILE)")
        return BAD_USE
    from tui.cli.workbench import run_app

    return run_app(args, mode="fine-tuning", job=target[0] if target else None)


def validate(path: Path, method: str) -> int:
    """`loom fine-tuning validate FILE`: 0 fine, 1 problems, 2 unreadable."""
    from tui.areas.fine_tuning.core.training_data import check_file

    try:
        report = check_file(path, method)
    except OSError as error:
        err(f"loom fine-tuning validate: cannot read {path}: {error.strerror or error}")
        return BAD_USE
    out("\n".join(report.summary()) + "\n")
    return 0 if report.ok else FAILED


async def watch(args: argparse.Namespace, job_id: str) -> int:
    """Follow a job in the shell: a line per new event and status change."""
    import sys

    from tui.areas.fine_tuning.core.follower import JobFollower, JobUpdate
    from tui.areas.fine_tuning.core.service import FineTuningService
    from tui.cli import watching
    from tui.core.text import moment

    def make(services: Services) -> Followed:
        service: FineTuningService = services.area("fine_tuning")

        def told(update: JobUpdate) -> None:
            if update.state.job_id != job_id:
                return
            for line in reversed(update.new_lines):
                stamp = moment(line.created_at, "%Y-%m-%d %H:%M:%S")
                level = "" if line.level == "info" else f"{line.level.upper()} "
                out(f"{stamp}  {level}{line.message}\n")
            sys.stdout.flush()

        service.updates.subscribe(told)
        return JobFollower(service.resource, job_id, publish=service.updates.publish)

    def ending(followed: Followed) -> str | None:
        assert isinstance(followed, JobFollower)
        job = followed.state.job
        if job is not None and job.fine_tuned_model and job.status == "succeeded":
            return f"fine-tuned model: {job.fine_tuned_model}"
        return None

    return await watching.watch(args, "fine_tuning", make, ending=ending)
