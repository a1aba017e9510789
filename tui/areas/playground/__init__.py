"""The playground: the one-shot endpoints — legacy completions (streamed, with each
token's probability and its alternatives), embeddings (how close texts are), moderations
(would this be flagged, and for what), images (generated, edited, varied, previewed) and
audio (speech, transcription, translation) — as one screen of tools and their commands.
Its parts: api/ (the resources, the schemas), core/ (the service, the matrix and the
verdicts, what each image and audio model takes, the gallery), store/ (the history of
inputs), commands.py (`loom embed`, `moderate`, `complete`, `images`, `audio`), sim/ (the
routes and their deterministic engines: pictures drawn from the prompt, speech that
carries its words)."""

from tui.registry import Area, Mode

AREA = Area(
    name="playground",
    modes=(
        Mode(
            "playground",
            "Playground",
            "tui.areas.playground.screens.playground:PlaygroundScreen",
            "Completions token by token, embeddings compared, moderations explained, images "
            "made and previewed, speech made and heard",
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
