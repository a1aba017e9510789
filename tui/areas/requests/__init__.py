"""Requests: the inspector of every request Loom made in this session — status, timings,
the rate limits left, headers and bodies (secrets masked), each as curl or Python. Its
parts: core/ (the service over the shared request log, a request as a command to run
again), screens/ (the list and one request in full)."""

from tui.registry import Area, Mode

AREA = Area(
    name="requests",
    modes=(
        Mode(
            "requests",
            "Requests",
            "tui.areas.requests.screens.inspector:RequestsScreen",
            "Every request Loom made: status, timings, rate limits, headers, bodies, as curl",
            key="f8",
            short="Req",
            order=70,
        ),
    ),
    service="tui.areas.requests.core.service:RequestsService",
)
