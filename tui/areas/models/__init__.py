"""Models: every model the server offers — what it is, its context and prices, whether it
is going away — browsed, filtered, grouped and sorted, one in full with what the other
areas know of it (the job that made a fine-tuned model), chatted with in one key. The
list itself (the catalogue, the models resource) is shared: the chat's picker reads it
too. Its parts: core/ (the service), screens/ (the browser, one model in full)."""

from tui.registry import Area, Mode

AREA = Area(
    name="models",
    modes=(
        Mode(
            "models",
            "Models",
            "tui.areas.models.screens.browser:ModelsScreen",
            "Every model of this server: its kind, context, prices, shutdown date; chat with one",
            key="f11",
            short="Model",
            order=40,
        ),
    ),
    service="tui.areas.models.core.service:ModelsService",
)
