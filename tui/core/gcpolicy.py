"""How Loom keeps the cyclic garbage collector's full passes short.

A full pass scans every tracked object; with a long reply on screen it stalled the event
loop by 40-55 ms. What lives as long as the app (imported libraries, rendered replies) is
moved out of those passes with `gc.freeze`, after a young collection so little garbage is
kept with it; when widgets are removed, `release_removed` gives their cycles back.
"""

from __future__ import annotations

import gc


def keep_long_lived() -> None:
    """Move what is alive now out of the collector's full passes."""
    gc.collect(1)
    gc.freeze()


def release_removed() -> None:
    """Collect what removed widgets left behind (one full pass), then freeze again."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
