"""Server-sent events: turn an httpx response body into the `data` of each event."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator

import httpx

_LINE_END = re.compile(r"\r\n|\r|\n")
"""SSE ends lines with CRLF, CR or LF, and nothing else: unlike `str.splitlines` (and httpx's
`aiter_lines`), a U+2028 inside an event's JSON, which some servers send unescaped, does not
end its line."""


class SSEDecoder:
    """Incremental SSE parsing: feed text as it arrives, get each complete event's data."""

    def __init__(self) -> None:
        self._rest = ""
        self._data: list[str] = []

    def feed(self, text: str) -> Iterator[str]:
        """The data of every event completed by `text`."""
        if self._rest:
            text = self._rest + text
        held = ""
        if "\r" in text:
            if text.endswith("\r"):
                # Maybe the first half of a CRLF split across two reads: decided next time.
                text, held = text[:-1], "\r"
            lines = _LINE_END.split(text)
        else:
            lines = text.split("\n")  # the usual case, and much quicker than the pattern
        self._rest = lines.pop() + held
        # `_line`, inline: this runs for every line of every event.
        data = self._data
        for line in lines:
            if not line:
                if data:
                    yield "\n".join(data)
                    data.clear()
            elif line.startswith("data:"):
                value = line[5:]
                data.append(value[1:] if value.startswith(" ") else value)

    def close(self) -> Iterator[str]:
        """What is left when the body ends, even without its final blank line."""
        if self._rest:
            for line in _LINE_END.split(self._rest):
                yield from self._line(line)
            self._rest = ""
        yield from self._line("")

    def _line(self, line: str) -> Iterator[str]:
        if not line:
            if self._data:
                yield "\n".join(self._data)
                self._data.clear()
        elif line.startswith("data:"):
            value = line[5:]
            self._data.append(value[1:] if value.startswith(" ") else value)
        # "event:", "id:", "retry:" and ":" comments carry nothing Loom needs.


FRESH_READ = 0.001
"""A piece of body that took longer than this to come came from a new socket read; pieces
already buffered (httpx hands over one per HTTP chunk) come within microseconds."""


BIG_READ = 8192
"""After a read that brought at least this many characters, the next comes without a pause."""


class SSEEvents:
    """The data of each event of a response body; comments, ids and retry fields skipped.

    With `read_gap`, the body is read from the socket about once per `read_gap` seconds:
    after a piece that needed a new read, the reader pauses, tokens that arrive meanwhile
    wait in the kernel and come in the next read together. A stream of hundreds of small
    events a second then wakes the process a few dozen times instead of once per token.
    """

    def __init__(
        self,
        response: httpx.Response,
        read_gap: float = 0.0,
        texts: AsyncIterator[str] | None = None,
    ) -> None:
        self._texts = texts if texts is not None else response.aiter_text()
        self._read_gap = read_gap
        self.reads = 0
        """Pieces of body that came from a new socket read (those that had to be waited for)."""

    async def data(self) -> AsyncGenerator[str, None]:
        """Each event's data, in order."""
        decoder = SSEDecoder()
        clock = time.monotonic
        asked = clock()
        batch = 0  # characters that came with the last read
        async for text in self._texts:
            fresh = clock() - asked > FRESH_READ
            pause = False
            if fresh:
                self.reads += 1
                # A read that brought a lot means a fast stream: reading it eagerly costs
                # little per token, and pausing would only slow it down.
                pause = self._read_gap > 0 and batch < BIG_READ
                batch = 0
            batch += len(text)
            for data in decoder.feed(text):
                yield data
            if pause:
                await asyncio.sleep(self._read_gap)
            asked = clock()
        for data in decoder.close():
            yield data
