"""Fine-tuning: jobs on the server followed live — the cockpit, the form that starts one,
`loom fine-tuning [JOB_ID | watch JOB_ID | validate FILE]`, and the simulator's jobs that
train on a clock. Its parts: api/ (the resource, the schemas), sim/ (the routes, the jobs'
clock), core/ (the service, the follower the shared watcher follows, the training-file
check, the form's checks, result files, words), screens/ (the cockpit in parts, the form),
commands.py."""

from tui.registry import Area, Mode

AREA = Area(
    name="fine_tuning",
    modes=(
        Mode(
            "fine-tuning",
            "Fine-tuning",
            "tui.areas.fine_tuning.screens.cockpit:FineTuningScreen",
            "Jobs of this server followed live: loss curves, events, checkpoints; start one",
            key="f10",
            short="Tune",
            order=20,
        ),
    ),
    service="tui.areas.fine_tuning.core.service:FineTuningService",
    sim_routes="tui.areas.fine_tuning.sim.routes:fine_tuning_routes",
    sim_seed="tui.areas.fine_tuning.sim.routes:seed_demo",
    sim_state="tui.areas.fine_tuning.sim.jobs:FineTuningState.of",
    commands="tui.areas.fine_tuning.commands",
    model_facts="tui.areas.fine_tuning.core.model_facts:facts_of",
)
