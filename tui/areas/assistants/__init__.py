"""Assistants, threads and runs (the Assistants API, `OpenAI-Beta: assistants=v2`). So far
its simulator (sim/): assistants, threads, messages and runs with the real lifecycle,
streamed run events in the spec's names, a function tool called when the user asks for it,
steps recorded; the screen, the commands and the export to a Loom conversation come next
(issue 23)."""

from tui.registry import Area

AREA = Area(
    name="assistants",
    sim_routes="tui.areas.assistants.sim.routes:assistant_routes",
    sim_state="tui.areas.assistants.sim.engine:AssistantsState.of",
    service="tui.areas.assistants.core.service:AssistantsService",
    store="tui.areas.assistants.store.threads:KnownThreads",
    commands="tui.areas.assistants.commands",
)
