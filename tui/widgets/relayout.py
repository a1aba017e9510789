"""The one place Loom leans on a private part of Textual, and the check that it still holds.

After a reflow Textual stores each widget's new size through `Widget._size_updated`, which
asks for another full-screen layout. For a growing reply, its body and the conversation
around them, the first pass already placed everything at that size: storing it without a
second pass makes a streaming reply cost one reflow per growth step instead of two (see
bench/README.md). Textual has no public hook for this. `tests/test_relayout.py` fails
loudly if the method's signature changes in a Textual upgrade; this module then needs
looking at, and nothing else does.
"""

from __future__ import annotations

import inspect

from textual.geometry import Size
from textual.widget import Widget

EXPECTED_PARAMETERS = ("self", "size", "virtual_size", "container_size", "layout")
"""`Widget._size_updated`'s parameters in the Textual versions Loom supports."""


def signature_matches() -> bool:
    """Whether Textual's `_size_updated` still takes what this shim passes."""
    parameters = tuple(inspect.signature(Widget._size_updated).parameters)
    return parameters == EXPECTED_PARAMETERS


class NoRelayoutOnResize:
    """For widgets whose new size needs no second layout pass (see the module's doc)."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        updated: bool = super()._size_updated(  # type: ignore[misc]
            size, virtual_size, container_size, layout=False
        )
        return updated
