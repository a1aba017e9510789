"""The playground: the one-shot text endpoints — legacy completions (streamed, with each
token's probability and its alternatives), embeddings (how close texts are) and moderations
(would this be flagged, and for what) — as one screen of tools and three commands. Its
parts: api/ (the resource, the schemas), core/ (the service, the matrix and the verdicts,
the history of inputs), commands.py (`loom embed`, `loom moderate`, `loom complete`), sim/
(the three routes and their deterministic engines)."""

from tui.registry import Area, Mode

AREA = Area(
    name="playground",
    modes=(
        Mode(
            "playground",
            "Playground",
            "tui.areas.playground.screens.playground:PlaygroundScreen",
            "Completions token by token, embeddings compared, moderations explained",
            key="f6",
            short="Play",
            order=35,
        ),
    ),
    service="tui.areas.playground.core.service:PlaygroundService",
    commands="tui.areas.playground.commands",
    sim_routes="tui.areas.playground.sim.routes:playground_routes",
    store="tui.areas.playground.store.history:History",
)
