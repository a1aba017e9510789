"""Building a batch's input without writing JSONL by hand: a prompt template whose
`{placeholders}` are filled from each row of a table (a CSV file with a header, or a JSONL
file of objects), into one chat-completions request per row — with the model and the
parameters the form (or the command line) gives; or a Loom conversation's prompts, each
asked again (with the conversation before it) of another model. A placeholder the table
lacks is refused before anything is built, naming it and the columns there are; `{{` and
`}}` are literal braces. The result goes through the same check as any input file.
"""

from __future__ import annotations

import csv
import io
import json
import string
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.jsonl import objects, regular_size

ENDPOINT = "/v1/chat/completions"
MAX_ROWS = 50_000
"""A batch takes at most this many requests: a larger table is refused."""


class TemplateError(ValueError):
    """A template or a table that cannot make requests (the words say which and why)."""


@dataclass(frozen=True)
class Template:
    """What every request is made from."""

    user: str
    system: str = ""
    model: str = "gpt-4o-mini"
    params: Mapping[str, Any] = field(default_factory=dict)
    """Other body parameters (max_tokens, temperature, …), as the chat's form sets them."""
    id_column: str | None = None
    """The column whose value is each request's custom_id (else `row-00001`, …)."""

    def fields(self) -> list[str]:
        """The placeholders the templates name, in order, each once."""
        seen: list[str] = []
        for text in (self.system, self.user):
            try:
                parsed = list(string.Formatter().parse(text))
            except ValueError as error:
                raise TemplateError(f"the template cannot be read: {error}") from error
            for _, name, spec, conversion in parsed:
                if name is None:
                    continue
                if not name or not name.isidentifier() or spec or conversion:
                    raise TemplateError(
                        f"{{{name}}} is not a placeholder: use a column's name, as {{ticket}} "
                        "(write {{ and }} for literal braces)"
                    )
                if name not in seen:
                    seen.append(name)
        if not seen:
            raise TemplateError("the templates name no {column}: every request would be the same")
        return seen


def read_table(path: Path) -> tuple[list[str], Iterator[dict[str, str]]]:
    """(the columns, the rows) of a CSV file with a header or a JSONL file of objects
    (OSError if it cannot be read; TemplateError if it is neither)."""
    regular_size(path)
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        return _jsonl_table(path)
    with path.open(encoding="utf-8-sig", newline="") as file:
        sample = file.read(64 * 1024)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    header = next(csv.reader(io.StringIO(sample), dialect), None)
    if not header or not any(name.strip() for name in header):
        raise TemplateError(f"{path} has no header line naming its columns")
    columns = [name.strip() for name in header]

    def rows() -> Iterator[dict[str, str]]:
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file, dialect)
            next(reader, None)
            for values in reader:
                if any(value.strip() for value in values):
                    yield dict(zip(columns, values, strict=False))

    return columns, rows()


def _jsonl_table(path: Path) -> tuple[list[str], Iterator[dict[str, str]]]:
    with path.open("rb") as file:
        first = next(objects(file), None)
    if first is None or first[2] is None:
        raise TemplateError(f"{path}: its first line is not a JSON object of columns")
    columns = list(first[2])

    def rows() -> Iterator[dict[str, str]]:
        with path.open("rb") as file:
            for number, _, row, problem in objects(file):
                if row is None:
                    raise TemplateError(f"{path}: line {number} {problem}")
                yield {k: v if isinstance(v, str) else json.dumps(v) for k, v in row.items()}

    return columns, rows()


class _Strict(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def requests(template: Template, path: Path) -> Iterator[dict[str, Any]]:
    """One batch line per row of the table at `path`, in order."""
    wanted = template.fields()
    columns, rows = read_table(path)
    missing = [name for name in wanted if name not in columns]
    if missing:
        raise TemplateError(
            f"the template names {', '.join('{' + m + '}' for m in missing)}, which "
            f"{path.name} does not have; its columns: {', '.join(columns)}"
        )
    if template.id_column and template.id_column not in columns:
        raise TemplateError(
            f"there is no column {template.id_column!r} for the custom_id; its columns: "
            f"{', '.join(columns)}"
        )
    for n, row in enumerate(rows, 1):
        if n > MAX_ROWS:
            raise TemplateError(
                f"{path.name} has more than {MAX_ROWS:,} rows: a batch takes that many"
            )
        values = _Strict({k: (v or "") for k, v in row.items()})
        messages = []
        if template.system:
            messages.append({"role": "system", "content": template.system.format_map(values)})
        messages.append({"role": "user", "content": template.user.format_map(values)})
        custom_id = (row.get(template.id_column) or "") if template.id_column else ""
        yield {
            "custom_id": custom_id.strip() or f"row-{n:05d}",
            "method": "POST",
            "url": ENDPOINT,
            "body": {"model": template.model, "messages": messages, **dict(template.params)},
        }


def conversation_requests(
    asked: Sequence[list[dict[str, Any]]], model: str, params: Mapping[str, Any]
) -> Iterator[dict[str, Any]]:
    """One batch line per prompt of a conversation (`tui.core.chat_messages.prompts`: each
    with the conversation before it), asked of `model` with `params`."""
    if not asked:
        raise TemplateError("the conversation has no prompt to ask again")
    for n, messages in enumerate(asked, 1):
        yield {
            "custom_id": f"turn-{n:03d}",
            "method": "POST",
            "url": ENDPOINT,
            "body": {"model": model, "messages": messages, **dict(params)},
        }


def preview(template: Template, path: Path, count: int = 3) -> list[dict[str, Any]]:
    """The first `count` requests the table makes."""
    made = []
    for line in requests(template, path):
        made.append(line)
        if len(made) >= count:
            break
    return made


def write(template: Template, path: Path, target: Path) -> int:
    """Build every request of the table into the JSONL file `target` (replacing it); how
    many."""
    return write_lines(requests(template, path), target)


def write_lines(lines: Iterable[dict[str, Any]], target: Path) -> int:
    """Write batch lines into the JSONL file `target`, replacing it only once all are
    written; how many."""
    count = 0
    temporary = target.with_name(f".{target.name}.part")
    try:
        with temporary.open("w", encoding="utf-8") as out:
            for line in lines:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                count += 1
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count
