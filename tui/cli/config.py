"""`loom config path|show|init|edit`: where the config file is, what Loom makes of it
(keys masked), a new one with examples, or open it in $EDITOR (checked when you close it)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tui.cli.common import Options, err, out, settings

FAMILY = "settings"


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser], options: Options) -> None:
    """The family's commands."""
    config = commands.add_parser(
        "config",
        help="the config file: path, show, init, edit",
        description="Where the config file is, what Loom makes of it (keys masked), a new one "
        "with examples for OpenAI, Azure OpenAI, Ollama, vLLM, OpenRouter and LM Studio, or "
        "open it in $EDITOR (checked when you close it).",
    )
    config.add_argument("action", choices=["path", "show", "init", "edit"])
    config.add_argument("--force", action="store_true", help="init: replace an existing file")
    options(config)
    config.set_defaults(run=run_config)


def run_config(args: argparse.Namespace) -> int:
    """`loom config path|show|init|edit`."""
    from tui.config import config_path

    path = config_path(args.config)
    if args.action == "path":
        out(f"{path}\n")
        if not path.exists():
            err("(no file there yet: `loom config init` writes one with examples)")
        return 0
    if args.action == "init":
        return _config_init(path, force=args.force)
    if args.action == "edit":
        return _config_edit(path)
    return _config_show(args, path)


def _config_init(path: Path, *, force: bool) -> int:
    from tui.config.template import TEMPLATE

    if path.exists() and not force:
        err(f"loom config init: {path} exists; `loom config edit` opens it (--force replaces it)")
        return 1
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TEMPLATE, encoding="utf-8")
        path.chmod(0o600)
    except OSError as error:
        err(f"loom config init: cannot write {path}: {error.strerror or error}")
        return 1
    out(f"wrote {path}\n")
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
        err(f"loom config edit: cannot run {editor!r} ({error}); set $EDITOR")
        return 1
    problem = read_config(path).problem
    if problem:
        err(f"loom: {problem}")
        return 1
    out(f"{path}: fine\n")
    return 0


def _config_show(args: argparse.Namespace, path: Path) -> int:
    from tui.core.text import mask

    now = settings(args)
    lines = [
        f"# config file: {path}" + ("" if path.exists() else " (none yet: loom config init)"),
        f"# picks saved by the app: {now.choices_path}",
    ]
    if now.config_problem:
        lines.append(f"# PROBLEM: {now.config_problem}")
        lines.append("# (Loom goes on with the defaults below)")
    lines += [
        f"profile = {now.profile or '(none: the environment)'}",
        f"base_url = {now.base_url}",
        f"api_key = {mask(now.api_key)}",
        f"admin_key = {mask(now.admin_key)}",
        f"organization = {now.organization or '-'}",
        f"project = {now.project or '-'}",
        f"model = {now.model}",
        f"theme = {now.theme or '(chosen by the terminal)'}",
        f"headers = {', '.join(now.headers) or '-'}",
        f"timeouts = connect {now.connect_timeout:g} s, read {now.read_timeout:g} s",
        f"retries = {now.max_retries}",
        f"profiles = {', '.join(now.profiles) or '-'}",
        f"ui = cursor_blink {_on(now.cursor_blink)}, low_bandwidth "
        f"{'(not set)' if now.low_bandwidth is None else _on(now.low_bandwidth)}, "
        f"terminal_erase {now.terminal_erase}, glyphs {now.glyphs}",
    ]
    if now.keymap:
        lines.append("keymap = " + ", ".join(f"{k}={v}" for k, v in now.keymap.items()))
    if now.prices:
        lines.append("prices = " + ", ".join(now.prices))
    out("\n".join(lines) + "\n")
    return 1 if now.config_problem else 0


def _on(value: bool) -> str:
    return "on" if value else "off"
