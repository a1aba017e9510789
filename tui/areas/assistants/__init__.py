"""Assistants, threads and runs (the Assistants API, `OpenAI-Beta: assistants=v2`): browse
them, run a thread with streaming and tools, and bring threads home as Loom conversations.
Its parts: api/ (the resource, the objects, a streamed run's events), core/ (the service),
store/ (the threads known per server: the API cannot list them), screens/ (the screen),
commands.py (`loom assistants …`), sim/ (assistants, threads and runs with the real
lifecycle and streamed events)."""

from tui.registry import Area, Mode

AREA = Area(
    name="assistants",
    modes=(
        Mode(
            "assistants",
            "Assistants",
            "tui.areas.assistants.screens.assistants:AssistantsScreen",
            "Assistants and threads: run with streaming, answer tool calls, bring threads home",
            key="shift+f9",
            short="Asst",
            order=67,
        ),
    ),
    sim_routes="tui.areas.assistants.sim.routes:assistant_routes",
    sim_state="tui.areas.assistants.sim.engine:AssistantsState.of",
    service="tui.areas.assistants.core.service:AssistantsService",
    store="tui.areas.assistants.store.threads:KnownThreads",
    commands="tui.areas.assistants.commands",
)
