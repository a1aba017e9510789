"""What an area gets to work with — and all it gets: the settings, the client for a key
kind (the project's key, or the admin key), the store, prices, the watcher and the
supervisor. Services (tui/core/services.py) makes one context and every area's service
from it; an area never holds the Services bag, so nothing in it can reach another area's
state or the app's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.core.basics import Basics

if TYPE_CHECKING:
    from tui.api.client import OpenAIClient
    from tui.api.observe import RequestLog, RequestRecord
    from tui.config import Settings
    from tui.core.catalogue import ModelCatalogue
    from tui.core.ledger import LedgerRecorder
    from tui.core.topic import Topic
    from tui.core.watcher import Watcher


@dataclass(frozen=True, slots=True, kw_only=True)
class AreaContext(Basics):
    """The narrow context of an area's service: the basics (settings, client, store,
    prices, supervisor), and what only areas get."""

    admin_client: Callable[[], Awaitable[OpenAIClient | None]]
    """The client with the admin key, or None when none is configured."""
    watcher: Watcher
    ledger: Callable[[], LedgerRecorder]
    """Loom's own record of every request it made (the usage area reads it)."""
    request_log: Callable[[], RequestLog]
    """The last requests of every client, bodies cut (the inspector lists them)."""
    request_ended: Topic[RequestRecord]
    """Told of every request once it ended."""
    catalogue: Callable[[], ModelCatalogue]
    """The models of the server in use (shared: the chat's picker reads it too)."""
    model_extras: Callable[[str], Awaitable[list[ModelExtra]]]
    """What every area knows of a model (`Area.model_facts`), asked by model id."""
    remember: Callable[..., str | None]
    """Keep a pick for the next start (a model, per profile); what failed, if anything."""


class AreaService:
    """What every area's service is: made once per app from the context, told when the
    app has drawn its first frame (to resume what it followed), when the server changes
    (a profile switched: what it knew belongs to the old one), and when the app closes."""

    def __init__(self, context: AreaContext) -> None:
        self.context = context

    @property
    def settings(self) -> Settings:
        """The settings in use now."""
        return self.context.settings()

    async def started(self) -> None:
        """The first frame is on screen (resume following, warm a cache); nothing by
        default."""

    def server_changed(self) -> None:
        """Another server from now on: forget what belonged to the old one."""

    async def aclose(self) -> None:
        """The app closes: last writes; nothing by default."""

    def said(self, error: BaseException, doing: str, area: str | None = None) -> str:
        """A failure in one line: what happened, the server's words, what to do."""
        from tui.core.advice import explain_call

        advice = explain_call(error, self.settings, doing=doing, area=area)
        return " ".join(part for part in (advice.headline, advice.detail, advice.fix) if part)


@dataclass(frozen=True, slots=True)
class ModelExtra:
    """What an area adds to a model's details (`Area.model_facts`): the job that made a
    fine-tuned model, say, and a key that opens it on the area's screen."""

    rows: tuple[tuple[str, str], ...] = ()
    """(name, value) lines among the model's facts."""
    heading: str = ""
    lines: tuple[str, ...] = ()
    """More lines under `heading` (a fine-tuned model's checkpoints)."""
    opens: tuple[str, str, str] | None = None
    """(mode, screen method, argument) for the detail's `j` key: `("fine-tuning",
    "open_job", job id)`."""
