"""Faults the simulator can be asked for, by header or from Python."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, get_args

FaultKind = Literal[
    "rate_limit",
    "server_error",
    "unavailable",
    "status",
    "cut",
    "stall",
    "malformed",
    "ignore_stream",
    "html",
    "html_error",
    "redirect",
    "redirect_away",
    "no_done",
    "tool_calls",
    "echo_key",
]
KINDS: tuple[str, ...] = get_args(FaultKind)

HEADER = "x-loom-sim-fault"
"""Request header naming a fault: `rate_limit[:seconds]`, `server_error`, `unavailable`,
`status:CODE` (any 4xx/5xx with an error object), `cut:K`, `stall:seconds[:K]`,
`malformed:K` (K counts content chunks); and the ways real servers and proxies differ from
the API: `ignore_stream` (a JSON completion although a stream was asked for), `html` (a 200
with an HTML page, as a captive portal sends), `html_error[:CODE]` (an error status with an
HTML page), `redirect[:CODE]` (307 or 308 to the same path under /moved on this server),
`redirect_away[:CODE]` (the same, to another host), `no_done` (the stream finishes but the
connection stays open without `[DONE]`), `tool_calls` (the reply is a call of a tool),
`echo_key` (a 401 whose message repeats the request's Authorization header, as some
proxies do)."""


class FaultSyntaxError(ValueError):
    """A fault header the simulator does not understand."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure."""

    kind: FaultKind
    after_chunks: int = 0
    """For stream faults: how many content chunks are sent first."""
    seconds: float = 1.0
    """For `rate_limit`: the Retry-After; for `stall`: how long the stream goes silent."""
    status: int = 500
    """For `status`: the HTTP status to answer with."""

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """Read a header value such as `cut:5` or `stall:2:3`."""
        name, _, rest = spec.strip().partition(":")
        name = name.strip().lower().replace("-", "_")
        args = [a for a in rest.split(":") if a] if rest else []
        try:
            if name == "rate_limit":
                return cls("rate_limit", seconds=float(args[0]) if args else 1.0)
            if name in ("server_error", "unavailable"):
                return cls(name)  # type: ignore[arg-type]
            if name == "status":
                code = int(args[0]) if args else 500
                if not 400 <= code <= 599:
                    raise FaultSyntaxError(f"status fault needs a 4xx or 5xx code, not {code}")
                return cls("status", status=code)
            if name in ("cut", "malformed"):
                return cls(name, after_chunks=int(args[0]) if args else 3)  # type: ignore[arg-type]
            if name in ("ignore_stream", "html", "no_done", "tool_calls", "echo_key"):
                return cls(name)  # type: ignore[arg-type]
            if name == "html_error":
                code = int(args[0]) if args else 502
                if not 400 <= code <= 599:
                    raise FaultSyntaxError(f"html_error needs a 4xx or 5xx code, not {code}")
                return cls("html_error", status=code)
            if name in ("redirect", "redirect_away"):
                code = int(args[0]) if args else 307
                if code not in (301, 302, 303, 307, 308):
                    raise FaultSyntaxError(f"{name} needs a redirect status, not {code}")
                return cls(name, status=code)  # type: ignore[arg-type]
            if name == "stall":
                seconds = float(args[0]) if args else 5.0
                after = int(args[1]) if len(args) > 1 else 1
                return cls("stall", after_chunks=after, seconds=seconds)
        except ValueError as exc:
            raise FaultSyntaxError(f"bad number in fault {spec!r}") from exc
        raise FaultSyntaxError(f"unknown fault {spec!r}; one of {', '.join(KINDS)}")


class FaultQueue:
    """Faults queued from Python for the next requests to a route, each for N requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[tuple[str, Fault, int]] = []

    def add(self, fault: Fault, *, times: int = 1, route: str = "chat") -> None:
        """Apply `fault` to the next `times` requests of `route` ("chat" or "models")."""
        with self._lock:
            self._queue.append((route, fault, times))

    def take(self, route: str) -> Fault | None:
        """The fault for this request, if one is queued."""
        with self._lock:
            for i, (r, fault, times) in enumerate(self._queue):
                if r == route:
                    if times <= 1:
                        del self._queue[i]
                    else:
                        self._queue[i] = (r, fault, times - 1)
                    return fault
        return None

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._queue.clear()
