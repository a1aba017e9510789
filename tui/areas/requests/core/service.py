"""The requests area's service: the shared log of the last requests (every client's), what
to listen to for new ones, and where a request written to a file goes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.context import AreaService

if TYPE_CHECKING:
    from tui.api.observe import RequestRecord
    from tui.core.topic import Topic


class RequestsService(AreaService):
    """The inspector's view of the requests Loom made."""

    def records(self) -> list[RequestRecord]:
        """The last requests, newest first."""
        return list(reversed(list(self.context.request_log())))

    @property
    def ended(self) -> Topic[RequestRecord]:
        """Told of every request once it ended."""
        return self.context.request_ended

    def clear(self) -> None:
        """Forget the requests listed (the ledger keeps its own)."""
        self.context.request_log().clear()

    def write(self, name: str, text: str) -> Path:
        """Write a request (its headers, bodies, curl, Python) into exports/; the path."""
        from tui.core.safe_files import write_inside

        return write_inside(self.settings.store_dir / "exports", name, text)
