"""Batches: work that outgrows one chat, run by the server's batch engine and followed
live. Its parts: api/ (the resource, the schemas), core/ (the service, the follower the
shared watcher follows, the input file's check), commands.py (`loom batches`), sim/ (the
routes, the engine that runs a batch's lines through the simulator's own routes on a
clock, the demo's batches)."""

from tui.registry import Area, Mode

AREA = Area(
    name="batches",
    modes=(
        Mode(
            "batches",
            "Batches",
            "tui.areas.batches.screens.batches:BatchesScreen",
            "Batches of this server followed live: counts, results, failures sent again",
            key="f7",
            short="Batch",
            order=30,
        ),
    ),
    service="tui.areas.batches.core.service:BatchesService",
    commands="tui.areas.batches.commands",
    sim_routes="tui.areas.batches.sim.routes:batch_routes",
    sim_seed="tui.areas.batches.sim.routes:seed_demo",
    sim_state="tui.areas.batches.sim.engine:BatchesState.of",
)
