"""The `loom` command: the workbench, and `loom demo-server|export|import|list`.

Every flag and argument is checked before anything starts: a bad one gets one line naming
it and exit status 2. Whatever else goes wrong ends in one line too, naming the error and
a crash report with the details (secrets masked): never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from tui.config import Settings
    from tui.store.conversations import ConversationStore

COMMANDS = (
    "demo-server",
    "export",
    "import",
    "list",
    "config",
    "fine-tuning",
    "models",
    "usage",
    "requests",
)


class Parser(argparse.ArgumentParser):
    """argparse, with one line for a bad argument instead of a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


# --- values ----------------------------------------------------------------------------


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0-65535)")
    return value


def _at_least_zero(kind: type[int] | type[float], what: str) -> Callable[[str], float]:
    """A checker for a count or a rate: a finite number, 0 or more."""

    def check(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not math.isfinite(value) or value < 0:
            raise argparse.ArgumentTypeError(f"{text!r} should be 0 or more")
        return value

    return check


_rate = _at_least_zero(float, "a number")
_count = _at_least_zero(int, "a whole number")


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _url(text: str) -> str:
    from tui.config import BadSetting, check_base_url

    try:
        return check_base_url(text, name="URL")
    except BadSetting as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("URL: ")) from None


def _name(text: str) -> str:
    from tui.core.text import strip_controls

    if not text.strip() or strip_controls(text) != text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a usable name")
    return text.strip()


# --- parsers ---------------------------------------------------------------------------


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options that work before or after a command (`loom --data-dir X export 1` and
    `loom export 1 --data-dir X`). On a command's parser they default to SUPPRESS, so a
    value given before the command is not reset."""
    default: dict[str, object] = {"default": argparse.SUPPRESS} if suppress else {}
    flag: dict[str, object] = {"default": argparse.SUPPRESS} if suppress else {"default": False}
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the built-in simulator on 127.0.0.1 (no key, no network) and keep its "
        "conversations apart from yours",
        **flag,  # type: ignore[arg-type]
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where conversations are kept (default: $LOOM_DATA_DIR or the XDG data folder)",
        **default,  # type: ignore[arg-type]
    )
    parser.add_argument(
        "--profile",
        type=_name,
        metavar="NAME",
        help="a profile of the config file (default: $LOOM_PROFILE, the last one picked, "
        "or the config's default_profile)",
        **default,  # type: ignore[arg-type]
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="the config file (default: $LOOM_CONFIG or config.toml in the XDG config folder)",
        **default,  # type: ignore[arg-type]
    )


def _parser() -> Parser:
    parser = Parser(
        prog="loom",
        description="A keyboard-driven terminal workbench for the OpenAI API and compatible "
        "servers. Run `loom --demo` to try it against the built-in simulator.",
    )
    _global_options(parser, suppress=False)
    parser.add_argument(
        "--base-url", type=_url, help="API base URL (default: $OPENAI_BASE_URL or OpenAI)"
    )
    parser.add_argument("--model", type=_name, help="model to chat with (default: gpt-4o-mini)")
    parser.add_argument(
        "--low-bandwidth",
        action="store_true",
        help="for slow links: fewer frames while a reply streams, no cursor blink or "
        "animations, 16 colours (the config's [ui] low_bandwidth)",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    server = commands.add_parser(
        "demo-server",
        help="run the simulator on its own",
        description="Run Loom's OpenAI-compatible simulator on its own and print its base URL.",
    )
    server.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    server.add_argument(
        "--port", type=_port, default=8751, help="port (default 8751; 0 = any free)"
    )
    server.add_argument("--seed", type=_integer, default=0, help="seed for deterministic replies")
    server.add_argument(
        "--tokens-per-second",
        type=_rate,
        default=0.0,
        help="reply speed (default 0 = as fast as possible)",
    )
    server.add_argument("--api-key", help="accept only this key (default: any non-empty key)")
    server.add_argument(
        "--reply-tokens",
        type=_count,
        default=None,
        help="make every reply at least this many tokens long (for benchmarks)",
    )

    export = commands.add_parser(
        "export",
        help="write a conversation as Markdown or JSON",
        description="Write a conversation (the branch last shown) as Markdown or JSON.",
    )
    export.add_argument("conversation", help="its id (see `loom list`), or part of its title")
    export.add_argument("--format", choices=["md", "json"], default="md", help="default md")
    export.add_argument("-o", "--output", default=None, help="file to write; - for stdout")
    _global_options(export, suppress=True)

    imported = commands.add_parser(
        "import",
        help="add a conversation from a JSON file",
        description="Add a conversation from a JSON file written by `loom export --format "
        "json` (or any JSON object with the API's `messages`).",
    )
    imported.add_argument("file", help="the JSON file; - for stdin")
    _global_options(imported, suppress=True)

    listed = commands.add_parser(
        "list",
        help="list conversations with their ids",
        description="List conversations: id, last activity, messages, model and title.",
    )
    listed.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    listed.add_argument("--all", action="store_true", help="archived conversations too")
    _global_options(listed, suppress=True)

    config = commands.add_parser(
        "config",
        help="the config file: path, show, init, edit",
        description="Where the config file is, what Loom makes of it (keys masked), a new one "
        "with examples for OpenAI, Azure OpenAI, Ollama, vLLM, OpenRouter and LM Studio, or "
        "open it in $EDITOR (checked when you close it).",
    )
    config.add_argument("action", choices=["path", "show", "init", "edit"])
    config.add_argument("--force", action="store_true", help="init: replace an existing file")
    _global_options(config, suppress=True)

    tuning = commands.add_parser(
        "fine-tuning",
        help="the fine-tuning cockpit; or watch a job, or check a training file",
        description="`loom fine-tuning` opens the cockpit (`loom fine-tuning JOB_ID` on that "
        "job). `loom fine-tuning watch JOB_ID` prints each new event and status change "
        "until the job ends, reconnecting on its own: exit status 0 when it succeeded, 1 "
        "failed, 3 cancelled, 4 if it cannot be followed. `loom fine-tuning validate FILE` "
        "checks a JSONL training file: exit status 0 fine, 1 problems (each listed with its "
        "line), 2 the file cannot be read (missing, a folder, a pipe or a device).",
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
    _global_options(tuning, suppress=True)

    models = commands.add_parser(
        "models",
        help="the model browser",
        description="Open the model browser: every model the server offers, its kind, "
        "context window, prices and shutdown date; one key chats with it.",
    )
    _global_options(models, suppress=True)

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
    usage.add_argument("--days", type=_count, default=30, help="0 = today (default 30)")
    usage.add_argument("--bucket", choices=["1m", "1h", "1d"], default="1d")
    usage.add_argument(
        "--group",
        default=None,
        help="model, project_id, api_key_id, user_id, line_item (costs), endpoint, profile, "
        "server, or none (default: model; line_item for --org --metric cost)",
    )
    _global_options(usage, suppress=True)

    requests = commands.add_parser(
        "requests", help="the request inspector", description="Open the request inspector."
    )
    _global_options(requests, suppress=True)
    return parser


# --- commands --------------------------------------------------------------------------


def _out(text: str) -> None:
    """Write outside text to stdout, with no terminal control sequences."""
    from tui.core.text import safe

    sys.stdout.write(safe(text))


def _err(text: str) -> None:
    from tui.core.text import safe

    sys.stderr.write(safe(text) + "\n")


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment and the flags; their secrets are masked from then on."""
    from tui.config import Settings
    from tui.core.text import SECRETS

    settings = Settings.load(
        base_url=getattr(args, "base_url", None),
        model=getattr(args, "model", None),
        demo=args.demo,
        data_dir=args.data_dir,
        profile=args.profile,
        config=args.config,
    )
    for secret in settings.secrets():
        SECRETS.add(secret)
    if settings.config_problem and args.command not in (None, "config"):
        _err(f"loom: {settings.config_problem} (going on with the defaults)")
    return settings


def _open_store(args: argparse.Namespace) -> ConversationStore | None:
    from tui.store.conversations import open_conversations
    from tui.store.db import StoreError

    try:
        return open_conversations(_settings(args).store_dir)
    except StoreError as error:
        _err(f"loom: {error}")
        return None


def run_demo_server(args: argparse.Namespace) -> int:
    """`loom demo-server`."""
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.host.startswith("127."):
        _err("loom demo-server: --host: the simulator binds to loopback addresses only")
        return 2
    from tui.sim.app import SimConfig
    from tui.sim.server import serve_forever

    config = SimConfig(
        seed=args.seed,
        tokens_per_second=args.tokens_per_second,
        api_key=args.api_key,
        reply_tokens=args.reply_tokens,
        demo_jobs=True,
        requests_a_minute=600,  # gauges that move in a client's inspector
        tokens_a_minute=150_000,
    )
    try:
        serve_forever(config, host=args.host, port=args.port)
    except OSError as exc:
        _err(f"loom demo-server: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return 1
    return 0


def run_export(args: argparse.Namespace) -> int:
    """`loom export`."""
    from pathlib import Path

    from tui.core.export import file_stem, render

    store = _open_store(args)
    if store is None:
        return 1
    found = store.find(args.conversation)
    if not found:
        _err(f"loom export: no conversation matches {args.conversation!r} (see `loom list`)")
        return 1
    if len(found) > 1:
        _err(
            f"loom export: {len(found)} conversations match {args.conversation!r}; "
            "give more of the title, or the id:"
        )
        for c in found[:20]:
            _err(f"  {c.id:>5}  {c.title}")
        return 1
    text = render(store, found[0], args.format)
    output = args.output or f"{file_stem(found[0].title)}.{args.format}"
    if output == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        _err(f"loom export: cannot write {output}: {error.strerror or error}")
        return 1
    _err(f"wrote {output}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """`loom import`."""
    from pathlib import Path

    from tui.core.export import ImportProblem, import_json, load_json

    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        _err(f"loom import: cannot read {args.file}: {error.strerror or error}")
        return 2
    try:
        data = load_json(raw)
    except ImportProblem as error:
        _err(f"loom import: {args.file}: {error}")
        return 2
    store = _open_store(args)
    if store is None:
        return 1
    try:
        conversation = import_json(store, data)
    except ImportProblem as error:
        _err(f"loom import: {args.file}: {error}")
        return 2
    _out(f"imported “{conversation.title}” as conversation {conversation.id}\n")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """`loom list`."""
    import json

    from tui.core.text import moment

    store = _open_store(args)
    if store is None:
        return 1
    rows = store.overview(archived=None if args.all else False)
    if args.json:
        from tui.core.export import terminal_safe_json

        listing = [
            {
                "id": row.conversation.id,
                "title": row.conversation.title,
                "model": row.conversation.model,
                "created": row.conversation.created,
                "updated": row.conversation.updated,
                "messages": row.messages,
                "pinned": row.conversation.pinned,
                "archived": row.conversation.archived,
            }
            for row in rows
        ]
        sys.stdout.write(terminal_safe_json(json.dumps(listing, ensure_ascii=False, indent=2)))
        sys.stdout.write("\n")
        return 0
    if not rows:
        _err("no conversations yet")
        return 0

    def cut(text: str, most: int) -> str:
        return text if len(text) <= most else text[: most - 1] + "…"

    # Columns as wide as what they hold (ids of any length, long model names), so they
    # line up whatever the data; a model name longer than 32 characters is cut.
    models = [cut(row.conversation.model or "-", 32) for row in rows]
    wide_id = max(2, *(len(str(row.conversation.id)) for row in rows))
    wide_msgs = max(4, *(len(f"{row.messages}") for row in rows))
    wide_model = max(5, *(len(model) for model in models))
    lines = [
        f"{'ID':>{wide_id}}  {'UPDATED':<16}  {'MSGS':>{wide_msgs}}  {'MODEL':<{wide_model}}  TITLE"
    ]
    for row, model in zip(rows, models, strict=True):
        c = row.conversation
        updated = moment(c.updated)
        marks = ("★ " if c.pinned else "") + ("(archived) " if c.archived else "")
        title = " ".join(c.title.split()) or "Untitled"
        lines.append(
            f"{c.id:>{wide_id}}  {updated:<16}  {row.messages:>{wide_msgs}}  "
            f"{model:<{wide_model}}  {marks}{title}"
        )
    _out("\n".join(lines) + "\n")
    return 0


def run_fine_tuning(args: argparse.Namespace) -> int:
    """`loom fine-tuning [JOB_ID]`, `loom fine-tuning watch JOB_ID`, `... validate FILE`."""
    target = list(args.target)
    if target and target[0] == "validate":
        if len(target) != 2:
            _err("loom fine-tuning validate: name one file (loom fine-tuning validate FILE)")
            return 2
        return _validate(Path(target[1]), args.method)
    if target and target[0] == "watch":
        if len(target) != 2:
            _err("loom fine-tuning watch: name one job (loom fine-tuning watch JOB_ID)")
            return 2
        import asyncio

        return asyncio.run(_watch(args, target[1]))
    if len(target) > 1:
        _err("loom fine-tuning: give at most one job id (or watch JOB_ID, validate FILE)")
        return 2
    args.version = False
    args.low_bandwidth = getattr(args, "low_bandwidth", False)
    return run_app(args, mode="fine-tuning", job=target[0] if target else None)


def _validate(path: Path, method: str) -> int:
    from tui.core.training_data import check_file

    try:
        report = check_file(path, method)
    except OSError as error:
        _err(f"loom fine-tuning validate: cannot read {path}: {error.strerror or error}")
        return 2
    _out("\n".join(report.summary()) + "\n")
    return 0 if report.ok else 1


async def _watch(args: argparse.Namespace, job_id: str) -> int:
    """Follow a job in the shell: one line per new event and status change."""

    from tui.core.fine_tuning import JobFollower, JobUpdate
    from tui.core.job_text import status_words
    from tui.core.services import Services
    from tui.core.text import moment

    services = Services(_settings(args), join_demo=True)
    said_problem: list[str | None] = [None]

    def told(update: JobUpdate) -> None:
        for line in reversed(update.new_lines):
            stamp = moment(line.created_at, "%Y-%m-%d %H:%M:%S")
            level = "" if line.level == "info" else f"{line.level.upper()} "
            _out(f"{stamp}  {level}{line.message}\n")
        if update.status_change is not None:
            before, now = update.status_change
            was = f"{status_words(before)} → " if before else ""
            _out(f"status: {was}{status_words(now)}\n")
        state = update.state
        if state.problem and state.problem != said_problem[0]:
            _err(f"loom: {state.problem} (trying again)")
        if state.problem is None and said_problem[0] is not None:
            _err("loom: reconnected")
        said_problem[0] = state.problem
        sys.stdout.flush()

    try:
        if services.settings.demo:
            await services.client()
            if services.joined_demo is None:
                _err(
                    "loom: no `loom --demo` app is running here: following a simulator of "
                    "this command's own (its jobs start over)"
                )
        follower = JobFollower(services.client, job_id)
        follower.focused = True
        follower.listeners.append(told)
        state = await follower.run()
    finally:
        await services.aclose()
    if state.stopped:
        _err(f"loom fine-tuning watch: {state.stopped}")
        return 4
    job = state.job
    if job is not None and job.fine_tuned_model and job.status == "succeeded":
        _out(f"fine-tuned model: {job.fine_tuned_model}\n")
    return {"succeeded": 0, "failed": 1, "cancelled": 3}.get(state.status, 4)


def run_usage(args: argparse.Namespace) -> int:
    """`loom usage`: the screen, or `--json` / `--csv` for scripts."""
    if not (args.json or args.csv):
        return run_app(args, mode="usage")
    import asyncio

    return asyncio.run(_print_usage(args))


async def _print_usage(args: argparse.Namespace) -> int:
    from tui.api.errors import APIError
    from tui.core.services import Services
    from tui.core.usage import LEDGER_GROUPS, ORG_GROUPS, NeedsAdminKey, Query, UsageBook
    from tui.core.usage_export import to_csv, to_json
    from tui.store.errors import StoreError

    allowed = ORG_GROUPS[args.metric] if args.org else LEDGER_GROUPS
    group = None if args.group == "none" else (args.group or allowed[0])
    if group is not None and group not in allowed:
        _err(f"loom usage: --group {group}: one of {', '.join(allowed)} or none here")
        return 2
    if not args.org and args.metric in ("images", "audio seconds"):
        _err("loom usage: the ledger records Loom's own requests (no images or audio): use --org")
        return 2
    services = Services(_settings(args), join_demo=True)
    query = Query(
        source="org" if args.org else "ledger",
        metric=args.metric,
        days=args.days,
        width=args.bucket,
        group=group,
    )
    book = UsageBook(services)
    try:
        dataset = await (book.fetch_org(query) if args.org else book.from_ledger(query))
    except NeedsAdminKey as need:
        _err(f"loom usage: {need}")
        return 1
    except (APIError, StoreError) as error:
        _err(f"loom usage: {error}")
        return 1
    finally:
        await services.aclose()
    _out(to_json(dataset) + "\n" if args.json else to_csv(dataset))
    if dataset.unusable:
        _err(
            f"loom usage: {dataset.unusable:,} result(s) left out: the server sent figures or "
            "times that are not usable numbers (infinite, negative, out of range)"
        )
    if dataset.problem:
        _err(f"loom usage: {dataset.problem}")
        return 1
    return 0


def run_app(args: argparse.Namespace, *, mode: str | None = None, job: str | None = None) -> int:
    """The workbench."""
    if args.version:
        from tui import __version__

        print(f"loom {__version__}")
        return 0
    settings = _settings(args)
    if args.low_bandwidth:
        settings.low_bandwidth = True
    from tui.app import LoomApp

    app = LoomApp(settings, mode=mode, job=job)
    app.run()
    failure = app.failure_report()
    if failure is not None:
        from tui.core.crash import report

        _err(report(*failure))
    return app.return_code or 0


def run_config(args: argparse.Namespace) -> int:
    """`loom config path|show|init|edit`."""
    from tui.config import config_path

    path = config_path(args.config)
    if args.action == "path":
        _out(f"{path}\n")
        if not path.exists():
            _err("(no file there yet: `loom config init` writes one with examples)")
        return 0
    if args.action == "init":
        return _config_init(path, force=args.force)
    if args.action == "edit":
        return _config_edit(path)
    return _config_show(args, path)


def _config_init(path: Path, *, force: bool) -> int:
    from tui.config.template import TEMPLATE

    if path.exists() and not force:
        _err(f"loom config init: {path} exists; `loom config edit` opens it (--force replaces it)")
        return 1
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TEMPLATE, encoding="utf-8")
        path.chmod(0o600)
    except OSError as error:
        _err(f"loom config init: cannot write {path}: {error.strerror or error}")
        return 1
    _out(f"wrote {path}\n")
    return 0


def _config_edit(path: Path) -> int:
    import shlex
    import subprocess

    from tui.config.file import read_config

    if not path.exists() and _config_init(path, force=False) != 0:
        return 1
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        subprocess.run([*shlex.split(editor), str(path)], check=False)
    except (OSError, ValueError) as error:
        _err(f"loom config edit: cannot run {editor!r} ({error}); set $EDITOR")
        return 1
    problem = read_config(path).problem
    if problem:
        _err(f"loom: {problem}")
        return 1
    _out(f"{path}: fine\n")
    return 0


def _config_show(args: argparse.Namespace, path: Path) -> int:
    from tui.core.text import mask

    settings = _settings(args)
    lines = [
        f"# config file: {path}" + ("" if path.exists() else " (none yet: loom config init)"),
        f"# picks saved by the app: {settings.choices_path}",
    ]
    if settings.config_problem:
        lines.append(f"# PROBLEM: {settings.config_problem}")
        lines.append("# (Loom goes on with the defaults below)")
    lines += [
        f"profile = {settings.profile or '(none: the environment)'}",
        f"base_url = {settings.base_url}",
        f"api_key = {mask(settings.api_key)}",
        f"admin_key = {mask(settings.admin_key)}",
        f"organization = {settings.organization or '-'}",
        f"project = {settings.project or '-'}",
        f"model = {settings.model}",
        f"theme = {settings.theme or '(chosen by the terminal)'}",
        f"headers = {', '.join(settings.headers) or '-'}",
        f"timeouts = connect {settings.connect_timeout:g} s, read {settings.read_timeout:g} s",
        f"retries = {settings.max_retries}",
        f"profiles = {', '.join(settings.profiles) or '-'}",
        f"ui = cursor_blink {_on(settings.cursor_blink)}, low_bandwidth "
        f"{'(not set)' if settings.low_bandwidth is None else _on(settings.low_bandwidth)}, "
        f"terminal_erase {settings.terminal_erase}, glyphs {settings.glyphs}",
    ]
    if settings.keymap:
        lines.append("keymap = " + ", ".join(f"{k}={v}" for k, v in settings.keymap.items()))
    if settings.prices:
        lines.append("prices = " + ", ".join(settings.prices))
    _out("\n".join(lines) + "\n")
    return 1 if settings.config_problem else 0


def _on(value: bool) -> str:
    return "on" if value else "off"


RUNNERS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: run_app,
    "demo-server": run_demo_server,
    "export": run_export,
    "import": run_import,
    "list": run_list,
    "config": run_config,
    "fine-tuning": run_fine_tuning,
    "models": lambda args: run_app(args, mode="models"),
    "usage": lambda args: run_usage(args),
    "requests": lambda args: run_app(args, mode="requests"),
}


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
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        try:
            return RUNNERS[args.command](args)
        except ValueError as error:
            from tui.config import BadSetting

            if not isinstance(error, BadSetting):
                raise
            _err(f"loom: {error}")
            return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`loom list | head`): nothing more to say, and nothing to
        # flush at exit either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as error:
        import sqlite3
        import traceback

        from tui.core.crash import report

        if isinstance(error, sqlite3.Error):
            from tui.store.db import explain

            _err(f"loom: {explain(error, Path('the database'))}")
            return 1
        _err(report(error, "".join(traceback.format_exception(error))))
        return 1
