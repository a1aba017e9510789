"""`loom list`, `loom export` and `loom import`: the conversations, from the shell."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tui.cli.common import Options, err, out, settings

if TYPE_CHECKING:
    from tui.store.conversations import ConversationStore

FAMILY = "conversations"


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser], options: Options) -> None:
    """The family's commands."""
    export = commands.add_parser(
        "export",
        help="write a conversation as Markdown or JSON",
        description="Write a conversation (the branch last shown) as Markdown or JSON.",
    )
    export.add_argument("conversation", help="its id (see `loom list`), or part of its title")
    export.add_argument("--format", choices=["md", "json"], default="md", help="default md")
    export.add_argument("-o", "--output", default=None, help="file to write; - for stdout")
    options(export)
    export.set_defaults(run=run_export)

    imported = commands.add_parser(
        "import",
        help="add a conversation from a JSON file",
        description="Add a conversation from a JSON file written by `loom export --format "
        "json` (or any JSON object with the API's `messages`).",
    )
    imported.add_argument("file", help="the JSON file; - for stdin")
    options(imported)
    imported.set_defaults(run=run_import)

    listed = commands.add_parser(
        "list",
        help="list conversations with their ids",
        description="List conversations: id, last activity, messages, model and title.",
    )
    listed.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    listed.add_argument("--all", action="store_true", help="archived conversations too")
    options(listed)
    listed.set_defaults(run=run_list)


def open_store(args: argparse.Namespace) -> ConversationStore | None:
    """The conversation store of the data folder (None, said, if it cannot be used)."""
    from tui.store.conversations import open_conversations
    from tui.store.db import StoreError

    try:
        return open_conversations(settings(args).store_dir)
    except StoreError as error:
        err(f"loom: {error}")
        return None


def run_export(args: argparse.Namespace) -> int:
    """`loom export`."""
    from pathlib import Path

    from tui.areas.chat.core.export import file_stem, render

    store = open_store(args)
    if store is None:
        return 1
    found = store.find(args.conversation)
    if not found:
        err(f"loom export: no conversation matches {args.conversation!r} (see `loom list`)")
        return 1
    if len(found) > 1:
        err(
            f"loom export: {len(found)} conversations match {args.conversation!r}; "
            "give more of the title, or the id:"
        )
        for c in found[:20]:
            err(f"  {c.id:>5}  {c.title}")
        return 1
    text = render(store, found[0], args.format)
    output = args.output or f"{file_stem(found[0].title)}.{args.format}"
    if output == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        err(f"loom export: cannot write {output}: {error.strerror or error}")
        return 1
    err(f"wrote {output}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """`loom import`."""
    from pathlib import Path

    from tui.areas.chat.core.export import ImportProblem, import_json, load_json

    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        err(f"loom import: cannot read {args.file}: {error.strerror or error}")
        return 2
    try:
        data = load_json(raw)
    except ImportProblem as error:
        err(f"loom import: {args.file}: {error}")
        return 2
    store = open_store(args)
    if store is None:
        return 1
    try:
        conversation = import_json(store, data)
    except ImportProblem as error:
        err(f"loom import: {args.file}: {error}")
        return 2
    out(f"imported “{conversation.title}” as conversation {conversation.id}\n")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """`loom list`."""
    import json

    from tui.core.text import moment

    store = open_store(args)
    if store is None:
        return 1
    rows = store.overview(archived=None if args.all else False)
    if args.json:
        from tui.areas.chat.core.export import terminal_safe_json

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
        err("no conversations yet")
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
    out("\n".join(lines) + "\n")
    return 0
