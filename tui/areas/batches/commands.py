"""`loom batches`: list the server's batches (`loom batches`), one in full (`loom batches
ID`), follow one to its end (`watch ID`, the shared exit statuses), and check an input file
before it is uploaded (`validate FILE`, the same check as the screen's)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cli.common import BAD_USE, FAILED, Options, err, out, settings
from tui.cli.watching import OUTCOMES_HELP

if TYPE_CHECKING:
    from tui.areas.batches.api.schemas import Batch
    from tui.areas.batches.core.check import Report
    from tui.core.services import Services
    from tui.core.watcher import Followed

FAMILY = "batches"
ACTIONS = {
    "submit": "input file",
    "results": "batch",
    "resubmit": "batch",
    "cancel": "batch",
}
"""The commands that take one argument, and what it names."""
DOING = {
    "submit": "starting a batch from {}",
    "results": "fetching the results of {}",
    "resubmit": "sending the failed requests of {} again",
    "cancel": "cancelling {}",
}


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser], options: Options) -> None:
    """The family's commands."""
    batches = commands.add_parser(
        "batches",
        help="the batches screen; or list, watch, check, submit, resubmit, cancel for scripts",
        description="`loom batches` opens the batches screen (`loom batches ID` on that "
        "batch; with --json either prints the API's objects instead). `loom batches list` "
        "lists them newest first, a line each; `loom batches show ID` one in full (its "
        "stages, counts, errors with their line numbers). `loom batches "
        f"watch ID` prints each change until the batch ends: {OUTCOMES_HELP} (expired "
        "counts as cancelled). `loom batches validate FILE` checks a JSONL input file "
        "against the spec's request for its endpoint, with the estimated tokens and cost "
        "at the batch price: exit status 0 fine, 1 problems (each listed with its line), 2 "
        "the file cannot be read (missing, a folder, a pipe or a device). `loom batches "
        "submit FILE` checks, uploads and starts one and prints its id; `results ID` prints "
        "every request joined with its answer (JSONL, or --csv); `resubmit ID` sends the "
        "requests that failed as a new batch; `cancel ID --yes` cancels one. `loom batches "
        "build TABLE --user TEMPLATE -o FILE` writes an input file from a CSV (with a "
        "header) or JSONL table, a chat request per row with its {column}s filled in, and "
        "checks it.",
    )
    batches.add_argument(
        "target",
        nargs="*",
        metavar="[ID | list | show ID | watch ID | validate FILE | build TABLE | submit FILE | "
        "results ID | resubmit ID | cancel ID]",
        help="what to do",
    )
    batches.add_argument(
        "--endpoint",
        help="validate, submit: the endpoint every line must name (default: the first's)",
    )
    batches.add_argument("--description", help="submit: a description kept in its metadata")
    batches.add_argument(
        "--csv", action="store_true", help="results: CSV (a row per request) instead of JSONL"
    )
    batches.add_argument(
        "-o", "--output", metavar="FILE", help="results: write to FILE instead of stdout"
    )
    batches.add_argument("--yes", action="store_true", help="cancel: without asking")
    batches.add_argument(
        "--user", metavar="TEMPLATE", help="build: the user message, with {column} placeholders"
    )
    batches.add_argument(
        "--system",
        metavar="TEMPLATE",
        default="",
        help="build: a system message (with --conversation: instead of its own)",
    )
    batches.add_argument("--model", default="gpt-4o-mini", help="build: the model (gpt-4o-mini)")
    batches.add_argument("--max-tokens", type=int, help="build: max_tokens of every request")
    batches.add_argument("--temperature", type=float, help="build: temperature of every request")
    batches.add_argument("--id-column", help="build: the column that names each custom_id")
    batches.add_argument(
        "--conversation",
        metavar="ID_OR_TITLE",
        help="build: ask a Loom conversation's prompts again (of --model), not a table's rows",
    )
    batches.add_argument("--json", action="store_true", help="print the API's objects as JSON")
    options(batches)
    batches.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """`loom batches [ID]`, `loom batches watch ID`, `loom batches validate FILE`."""
    import asyncio

    target = list(args.target)
    if target and target[0] == "validate":
        if len(target) != 2:
            err("loom batches validate: name one file (loom batches validate FILE)")
            return BAD_USE
        return validate(Path(target[1]), args.endpoint)
    if target and target[0] == "watch":
        if len(target) != 2:
            err("loom batches watch: name one batch (loom batches watch ID)")
            return BAD_USE
        return asyncio.run(watch(args, target[1]))
    if target and target[0] in ACTIONS:
        if len(target) != 2:
            err(f"loom batches {target[0]}: name one {ACTIONS[target[0]]}")
            return BAD_USE
        report = None
        if target[0] == "submit":
            status, report = checked(Path(target[1]), args.endpoint)
            if status != 0 or report is None:
                return status
        return asyncio.run(act(args, target[0], target[1], report))
    if target and target[0] == "build":
        if args.conversation is not None and len(target) == 1 and args.output:
            return asyncio.run(build_from_conversation(args, Path(args.output)))
        if len(target) != 2 or not args.user or not args.output:
            err(
                "loom batches build: name a table, --user TEMPLATE and -o FILE "
                "(or --conversation ID_OR_TITLE and -o FILE)"
            )
            return BAD_USE
        return build(args, Path(target[1]), Path(args.output))
    if target and target[0] == "list":
        if len(target) != 1:
            err("loom batches list: it takes no argument")
            return BAD_USE
        return asyncio.run(show(args, None))
    if target and target[0] == "show":
        if len(target) != 2:
            err("loom batches show: name one batch (loom batches show ID)")
            return BAD_USE
        return asyncio.run(show(args, target[1]))
    if len(target) > 1:
        err("loom batches: give at most one batch id (or list, watch ID, validate FILE, …)")
        return BAD_USE
    if args.json:
        return asyncio.run(show(args, target[0] if target else None))
    from tui.cli.workbench import run_app

    return run_app(args, mode="batches", job=target[0] if target else None)


def validate(path: Path, endpoint: str | None) -> int:
    """`loom batches validate FILE`: 0 fine, 1 problems, 2 unreadable."""
    return checked(path, endpoint)[0]


def _params(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if args.max_tokens is not None:
        params["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        params["temperature"] = args.temperature
    return params


async def build_from_conversation(args: argparse.Namespace, target: Path) -> int:
    """`loom batches build --conversation X -o FILE`: each prompt of a Loom conversation
    asked again (with the conversation before it) of --model; exit as `build`."""
    from tui.areas.batches.core.build import TemplateError, conversation_requests, write_lines
    from tui.core.failures import StoreError

    services, service = await _service(args)
    try:
        title, _, asked = await service.conversation_prompts(args.conversation, args.system)
        count = write_lines(conversation_requests(asked, args.model, _params(args)), target)
    except TemplateError as error:
        err(f"loom batches build: {error}")
        return FAILED
    except StoreError as error:
        err(f"loom batches build: {error}")
        return FAILED
    except OSError as error:
        err(f"loom batches build: cannot write {target}: {error.strerror or error}")
        return BAD_USE
    finally:
        await services.aclose()
    err(f"loom batches build: {count:,} prompts of “{title}” asked of {args.model} in {target}")
    return checked(target, None)[0]


def build(args: argparse.Namespace, table: Path, target: Path) -> int:
    """`loom batches build TABLE --user T -o FILE`: 0 built and fine, 1 a template or a
    table that cannot make requests (or problems in what was built), 2 unreadable."""
    from tui.areas.batches.core.build import Template, TemplateError, write

    params = _params(args)
    template = Template(
        args.user, args.system, args.model, params, id_column=args.id_column or None
    )
    try:
        count = write(template, table, target)
    except TemplateError as error:
        err(f"loom batches build: {error}")
        return FAILED
    except OSError as error:
        err(f"loom batches build: cannot read {table}: {error.strerror or error}")
        return BAD_USE
    err(f"loom batches build: {count:,} requests written to {target}")
    return checked(target, None)[0]


def checked(path: Path, endpoint: str | None) -> tuple[int, Report | None]:
    """Check an input file and print the report: (exit status, the report if read)."""
    from tui.areas.batches.core.check import batch_cost, check_file
    from tui.core.pricing import load_prices

    try:
        report = check_file(path, endpoint)
    except OSError as error:
        err(f"loom batches: cannot read {path}: {error.strerror or error}")
        return BAD_USE, None
    out("\n".join(report.summary(batch_cost(report, load_prices()))) + "\n")
    return (0 if report.ok else FAILED), report


async def _service(args: argparse.Namespace) -> tuple[Services, Any]:
    from tui.core.services import Services

    services = Services(settings(args), join_demo=True)
    return services, services.area("batches")


async def show(args: argparse.Namespace, batch_id: str | None) -> int:
    """The list, or one batch: as lines, or as the API's JSON (`--json`)."""
    from tui.areas.batches.core.words import detail_lines, list_line

    services, service = await _service(args)
    try:
        if batch_id is None:
            batches, note = await service.list_batches()
        else:
            batches, note = [await (await service.resource()).retrieve(batch_id)], None
    except Exception as error:
        err(f"loom batches: {service.said(error, 'listing batches', area='batches')}")
        return FAILED
    finally:
        await services.aclose()
    if args.json:
        shown: Any = [b.model_dump(mode="json") for b in batches]
        out(json.dumps(shown[0] if batch_id else shown, indent=2) + "\n")
        return 0
    if batch_id is not None:
        out("\n".join(detail_lines(batches[0])) + "\n")
        return 0
    if not batches:
        out("no batches on this server\n")
    for batch in batches:
        out(list_line(batch) + "\n")
    if note:
        err(f"loom batches: {note}")
    return 0


async def watch(args: argparse.Namespace, batch_id: str) -> int:
    """Follow a batch in the shell: a line per change of its counts and status."""
    import sys

    from tui.areas.batches.core.follower import BatchUpdate
    from tui.cli import watching

    def make(services: Services) -> Followed:
        service = services.area("batches")
        said: list[tuple[int, int, int] | None] = [None]

        def told(update: BatchUpdate) -> None:
            batch = update.state.batch
            if update.state.batch_id != batch_id or batch is None:
                return
            counts = batch.counts
            now = (counts.total, counts.completed, counts.failed)
            if now != said[0] and counts.total:
                out(f"{counts.completed:,} done, {counts.failed:,} failed of {counts.total:,}\n")
                sys.stdout.flush()
            said[0] = now

        service.updates.subscribe(told)
        follower: Followed = service.follower(batch_id)
        return follower

    def ending(followed: Followed) -> str | None:
        from tui.areas.batches.core.follower import BatchFollower

        assert isinstance(followed, BatchFollower)
        batch = followed.state.batch
        if batch is None:
            return None
        files = [f for f in (batch.output_file_id, batch.error_file_id) if f]
        errors = batch.errors.data if batch.errors is not None else []
        lines = [f"line {e.line}: {e.message}" if e.line else f"{e.message}" for e in errors]
        if files:
            lines.append("files: " + ", ".join(files))
        return "\n".join(lines) or None

    return await watching.watch(args, "batches", make, ending=ending)


async def act(
    args: argparse.Namespace, action: str, target: str, report: Report | None = None
) -> int:
    """`submit FILE` (its `report` checked already), `results ID`, `resubmit ID`, `cancel
    ID`."""
    if action == "cancel" and not args.yes:
        err(f"loom batches cancel: this stops {target} for good; add --yes to go ahead")
        return BAD_USE
    services, service = await _service(args)
    try:
        if report is not None:
            return await _submit(args, service, Path(target), report)
        resource = await service.resource()
        batch = await resource.retrieve(target)
        if action == "results":
            return await _results(args, service, batch)
        if action == "resubmit":
            made = await service.resubmit_failed(batch)
            if made is None:
                out(f"no request of {batch.id} failed: nothing to send again\n")
                return 0
            out(f"{made.id}\n")
            return 0
        done = await service.cancel(batch.id)
        out(f"{done.id}: {done.status}\n")
        return 0
    except OSError as error:
        err(f"loom batches {action}: {error.strerror or error}")
        return BAD_USE
    except Exception as error:
        doing = DOING[action].format(target)
        err(f"loom batches {action}: {service.told(error, doing)}")
        return FAILED
    finally:
        await services.aclose()


async def _submit(args: argparse.Namespace, service: Any, path: Path, report: Report) -> int:
    assert report.endpoint is not None
    metadata = {"description": args.description} if args.description else None
    import asyncio

    content = await asyncio.to_thread(path.read_bytes)
    made = await service.submit(content, report.endpoint, name=path.name, metadata=metadata)
    out(f"{made.id}\n")
    return 0


async def _results(args: argparse.Namespace, service: Any, batch: Batch) -> int:
    import sys

    from tui.areas.batches.core.results import as_csv, as_jsonl, join
    from tui.core.pricing import load_prices

    if not (batch.output_file_id or batch.error_file_id):
        err(f"loom batches results: {batch.id} has no results yet (it is {batch.status})")
        return FAILED
    inputs = await service.input_index(batch)
    rows = [join(row, inputs) async for row in service.results(batch)]
    text = as_csv(rows, load_prices()) if args.csv else as_jsonl(rows)
    if args.output:
        import asyncio

        await asyncio.to_thread(_write, Path(args.output), text)
        err(f"loom batches results: {len(rows):,} requests written to {args.output}")
    else:
        sys.stdout.writelines(text)
    from tui.core.failures import StoreError

    try:
        kept = await service.account(batch, rows)
    except StoreError as error:
        err(f"loom batches results: its usage is not in Loom's ledger: {error}")
    else:
        if kept:
            err(f"loom batches results: the usage of {kept:,} requests is in Loom's ledger")
    return 0


def _write(path: Path, text: Iterable[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        file.writelines(text)
