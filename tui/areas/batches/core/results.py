"""A batch's results: its input, output and error files joined by `custom_id`, a row per
request, read as they stream down (a file of 50,000 lines is never parsed whole first);
exported as JSONL or CSV; and the failed requests taken out of the input again, to be sent
as a new batch.

A row keeps what a list shows (status, tokens, cost, a preview of the reply) and the raw
lines it came from (opened only when one request is looked at), so 50,000 rows cost their
text, not 50,000 trees of parsed JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.core.text import strip_controls

if TYPE_CHECKING:
    from tui.core.pricing import PriceTable

PREVIEW = 120
"""Characters of a reply kept for the list."""

Span = tuple[int, int]
"""Where a line is in a LineStore: (offset, length in bytes)."""


class LineStore:
    """Lines kept in a temporary file and read back by place: the raw lines of 50,000
    results (tens of MB) stay on disk, not in memory, while a row keeps where its lines
    are. The file goes when the store is closed (or the process ends)."""

    def __init__(self) -> None:
        import tempfile

        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (open while the store lives)
        self._end = 0

    def put(self, text: str) -> Span:
        """Keep a line; where it is."""
        data = text.encode("utf-8")
        self._file.seek(self._end)
        self._file.write(data)
        span = (self._end, len(data))
        self._end += len(data)
        return span

    def get(self, span: Span) -> str:
        """A line kept before."""
        self._file.seek(span[0])
        return self._file.read(span[1]).decode("utf-8", "replace")

    def close(self) -> None:
        """Let the file go."""
        self._file.close()


@dataclass(slots=True)
class ResultRow:
    """One request of a batch and what became of it."""

    custom_id: str
    status: int | None
    """The HTTP status of its answer (None: it failed without one)."""
    error: str
    """Why it failed, in the server's words ("" when it did not)."""
    preview: str
    """The start of the reply's text (or of the embedding, the moderation's verdict)."""
    input_tokens: int
    output_tokens: int
    model: str
    output: str
    """The output or error line as it came ("" once it is kept in `store`)."""
    request: str = ""
    """The input line it answers, once the input is known ("" when it is in `store`)."""
    line: int | None = None
    """Its line in the input file."""
    store: LineStore | None = None
    """Where its lines are kept, if they are not held here."""
    output_span: Span | None = None
    request_span: Span | None = None
    _haystack: str = ""

    def output_line(self) -> str:
        """The output or error line as it came."""
        if self.output_span is not None and self.store is not None:
            return self.store.get(self.output_span)
        return self.output

    def request_line(self) -> str:
        """The input line it answers ("" before the input is known)."""
        if self.request_span is not None and self.store is not None:
            return self.store.get(self.request_span)
        return self.request

    def keep_in(self, store: LineStore) -> None:
        """Keep its output line in `store` instead of in memory."""
        self.output_span = store.put(self.output)
        self.output = ""
        self.store = store

    @property
    def ok(self) -> bool:
        """Whether it succeeded."""
        return self.status is not None and 200 <= self.status < 300

    def haystack(self) -> str:
        """What a filter looks in (made once: a filter runs over 50,000 rows a key)."""
        if not self._haystack:
            text = f"{self.custom_id} {self.status or ''} {self.error} {self.preview}"
            self._haystack = text.lower()
        return self._haystack


def _text_of(body: Any) -> str:
    """The readable part of a response body."""
    if not isinstance(body, dict):
        return ""
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        first = choices[0]
        message = first.get("message")
        if isinstance(message, dict):
            content = message.get("content")
            if isinstance(content, str):
                return content
            calls = message.get("tool_calls")
            if calls:
                return f"(tool calls: {json.dumps(calls)[:PREVIEW]})"
        text = first.get("text")
        if isinstance(text, str):
            return text
    data = body.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict):
        vector = data[0].get("embedding")
        if isinstance(vector, list):
            return f"embedding of {len(vector):,} dimensions"
    results = body.get("results")
    if isinstance(results, list) and results and isinstance(results[0], dict):
        return "flagged" if results[0].get("flagged") else "not flagged"
    output = body.get("output_text")
    return output if isinstance(output, str) else ""


def _tokens(body: Any) -> tuple[int, int]:
    usage = body.get("usage") if isinstance(body, dict) else None
    if not isinstance(usage, dict):
        return 0, 0

    def number(*names: str) -> int:
        for name in names:
            value = usage.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12:
                return value
        return 0

    return number("prompt_tokens", "input_tokens"), number("completion_tokens", "output_tokens")


def parse_output_line(raw: str) -> ResultRow | None:
    """A row from one line of an output or error file (None for a line that is not one)."""
    try:
        entry = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(entry, dict):
        return None
    response = entry.get("response") if isinstance(entry.get("response"), dict) else None
    failure = entry.get("error") if isinstance(entry.get("error"), dict) else None
    status = response.get("status_code") if response is not None else None
    status = status if isinstance(status, int) and not isinstance(status, bool) else None
    body = response.get("body") if response is not None else None
    error = ""
    if failure is not None:
        error = str(failure.get("message") or failure.get("code") or "failed")
    elif isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = str(body["error"].get("message") or body["error"].get("code") or "")
    elif status is not None and not 200 <= status < 300:
        error = f"HTTP {status}"
    tokens_in, tokens_out = _tokens(body)
    model = body.get("model") if isinstance(body, dict) else None
    preview = strip_controls(_text_of(body))[:PREVIEW].replace("\n", " ")
    return ResultRow(
        custom_id=str(entry.get("custom_id") or ""),
        status=status,
        error=strip_controls(error),
        preview=preview,
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        model=model if isinstance(model, str) else "",
        output=raw,
    )


async def lines_of(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """The lines of a download, as its pieces arrive (blank lines left out)."""
    rest = b""
    async for piece in chunks:
        rest += piece
        *whole, rest = rest.split(b"\n")
        for raw in whole:
            if raw.strip():
                yield raw.decode("utf-8", "replace")
    if rest.strip():
        yield rest.decode("utf-8", "replace")


Inputs = dict[str, tuple[int, "str | Span"]]
"""custom_id -> (line number, the line, or where it is in a LineStore)."""


def index_input(lines: Iterable[str]) -> Inputs:
    """custom_id -> (line number, the line) of an input file."""
    found: Inputs = {}
    for number, raw in enumerate(lines, 1):
        index_line(found, number, raw)
    return found


def index_line(found: Inputs, number: int, raw: str, store: LineStore | None = None) -> None:
    """Add one input line to an index by custom_id (the line kept in `store`, if given)."""
    try:
        entry = json.loads(raw)
    except (ValueError, RecursionError):
        return
    custom_id = entry.get("custom_id") if isinstance(entry, dict) else None
    if isinstance(custom_id, str) and custom_id not in found:
        found[custom_id] = (number, raw if store is None else store.put(raw))


def join(row: ResultRow, inputs: Inputs, store: LineStore | None = None) -> ResultRow:
    """The row with the input line it answers."""
    found = inputs.get(row.custom_id)
    if found is not None:
        row.line, where = found
        if isinstance(where, str):
            row.request = where
        else:
            row.request_span, row.store = where, store
    return row


def cost_of(row: ResultRow, prices: PriceTable | None) -> float | None:
    """What one request cost at the batch price (None when its model has no price)."""
    price = prices.price(row.model) if row.model and prices is not None else None
    if price is None:
        return None
    share = prices.batch_share if prices is not None else 1.0
    return (row.input_tokens * price.input + row.output_tokens * price.output) * share / 1e6


def as_jsonl(rows: Iterable[ResultRow]) -> Iterable[str]:
    """The joined rows as JSONL: a line per request with its input and its output."""
    for row in rows:
        joined = {
            "custom_id": row.custom_id,
            "line": row.line,
            "status_code": row.status,
            "error": row.error or None,
            "request": json.loads(request) if (request := row.request_line()) else None,
            "output": json.loads(row.output_line()),
        }
        yield json.dumps(joined, ensure_ascii=False) + "\n"


CSV_COLUMNS = (
    "custom_id",
    "line",
    "status_code",
    "error",
    "model",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "reply",
)


def as_csv(rows: Iterable[ResultRow], prices: PriceTable | None) -> Iterable[str]:
    """The joined rows as CSV (the reply's text, not its whole body)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        cost = cost_of(row, prices)
        try:
            body = json.loads(row.output_line()).get("response", {}) or {}
            reply = _text_of(body.get("body"))
        except (ValueError, AttributeError):
            reply = row.preview
        writer.writerow(
            (
                strip_controls(row.custom_id),
                row.line if row.line is not None else "",
                row.status if row.status is not None else "",
                row.error,
                strip_controls(row.model),
                row.input_tokens,
                row.output_tokens,
                "" if cost is None else f"{cost:.6f}",
                strip_controls(reply),
            )
        )
        yield buffer.getvalue()


def failed_inputs(rows: Iterable[ResultRow]) -> list[str]:
    """The input lines of the requests that failed, as they were sent (to send again)."""
    return [line for row in rows if not row.ok and (line := row.request_line())]
