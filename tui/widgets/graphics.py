"""Images through the terminal's own graphics protocol (Kitty's, iTerm2's, Sixel), by
`textual-image`, where the terminal draws images; half blocks (tui.widgets.picture)
everywhere else.

textual-image asks the terminal what it can do when it is imported, and that must happen
before Textual owns the terminal (Textual's input thread would take the answer). So
`prepare()` runs in the command line before the app starts, and only in a terminal that
`tui.core.terminal.draws_images` names: elsewhere nothing is asked and nothing waits."""

from __future__ import annotations

import sys
from typing import Any


def prepare() -> None:
    """Ask the terminal, before the app starts, whether it draws images (quietly: any
    failure leaves half blocks)."""
    from tui.core.terminal import draws_images

    if not draws_images() or not (sys.__stdout__ and sys.__stdout__.isatty()):
        return
    try:
        import textual_image.widget  # noqa: F401  (its import is the question)
    except Exception:  # not installed, or the terminal answered nonsense
        return


def image_widget() -> type[Any] | None:
    """textual-image's widget when `prepare` found a protocol the terminal speaks; None
    (half blocks) when it was not asked, or found none."""
    module = sys.modules.get("textual_image.widget")
    renderables = sys.modules.get("textual_image.renderable")
    if module is None or renderables is None:
        return None
    chosen = getattr(renderables, "Image", None)
    names = {"HalfcellImage", "UnicodeImage"}
    if chosen is None or any(chosen is getattr(renderables, n, None) for n in names):
        return None
    found: type[Any] | None = getattr(module, "Image", None)
    return found
