"""How Loom keeps the cyclic garbage collector's full passes short, decided in one place.

A full pass scans every tracked object; with a long reply on screen it stalled the event
loop by 40-55 ms. What lives as long as the app (imported libraries, rendered replies) is
moved out of those passes with `gc.freeze`, after a young collection so little garbage is
kept with it; when widgets are removed, their cycles are given back. The rest of Loom says
what happened (`loaded`, `reply_grew`, `reply_settled`, `removed`); this module decides.
"""

from __future__ import annotations

import gc
import time

FREEZE_SECONDS = 1.0
"""While a reply streams, what it has made so far is frozen at most this often."""


class GcPolicy:
    """The one place that calls gc.freeze and gc.collect."""

    def __init__(self) -> None:
        self._last_freeze = 0.0

    def _freeze(self) -> None:
        gc.collect(1)
        gc.freeze()
        self._last_freeze = time.monotonic()

    def loaded(self) -> None:
        """Libraries or the first frame were just loaded: they live as long as the app."""
        self._freeze()

    def reply_grew(self) -> None:
        """A streaming reply finished more blocks: keep them out, now and then."""
        if time.monotonic() - self._last_freeze >= FREEZE_SECONDS:
            self._freeze()

    def reply_settled(self) -> None:
        """A reply is whole and on screen: what it made stays."""
        self._freeze()

    def removed(self) -> None:
        """Widgets were removed (a conversation replaced): collect their cycles (one full
        pass), then freeze what remains."""
        gc.unfreeze()
        gc.collect()
        self._freeze()


GC = GcPolicy()
"""The app's policy (the collector is one per process)."""
