"""Usage: tokens, requests and cost over time — the organisation's usage API (an admin key)
or Loom's own ledger of every request it made (any key, any server) — charted, tabled,
written as CSV, and `loom usage --json|--csv` for scripts. Its parts: api/ (the usage and
costs resource, the schemas), sim/ (90 days of made-up but consistent activity), core/
(the book that fetches once and adds up here, the service, CSV and JSON), store/ (pages
kept for ten minutes), screens/, commands.py."""

from tui.registry import Area, Mode

AREA = Area(
    name="usage",
    modes=(
        Mode(
            "usage",
            "Usage",
            "tui.areas.usage.screens.usage:UsageScreen",
            "Tokens, requests and cost over time: the organisation's, or Loom's own ledger",
            key="f12",
            short="Use",
            order=60,
        ),
    ),
    service="tui.areas.usage.core.book:UsageService",
    sim_routes="tui.areas.usage.sim.routes:usage_routes",
    sim_state="tui.areas.usage.sim.routes:UsageData.of",
    store="tui.areas.usage.store.cache:UsageCache",
    commands="tui.areas.usage.commands",
)
