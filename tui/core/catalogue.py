"""The models of the server in use, with their facts, for the browser and the chat's
picker: the list kept in the store is shown at once, the server is asked again in the
background, and a server that fails to list leaves the kept list usable, marked stale with
why. No Textual here."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.core.model_facts import ModelInfo, describe
from tui.core.text import moment

if TYPE_CHECKING:
    from tui.core.basics import Basics
    from tui.core.topic import Topic
    from tui.store.model_cache import ModelUse


@dataclass
class Catalogue:
    """The models known now."""

    models: list[ModelInfo] = field(default_factory=list)
    fetched_at: float | None = None
    """When the server gave this list (None: never)."""
    stale: str | None = None
    """Why this list may be old (the server failed to list), if it may."""
    skipped: int = 0
    """Entries of the server's list that could not be read."""
    uses: dict[str, ModelUse] = field(default_factory=dict)
    """How often each model replied here."""

    def ids(self, *, chat_only: bool = False) -> list[str]:
        """The model ids (only those the chat endpoint serves, with `chat_only`)."""
        return [m.id for m in self.models if m.chat or not chat_only]

    def find(self, model_id: str) -> ModelInfo | None:
        """One model by id."""
        return next((m for m in self.models if m.id == model_id), None)


def _raw(model: Any) -> dict[str, Any]:
    return dict(model.model_dump(mode="json", exclude_none=False))


class ModelCatalogue:
    """The catalogue of the server in use (see Services.catalogue)."""

    def __init__(self, context: Basics) -> None:
        self.context = context
        self.current = Catalogue()
        self.changed: Topic[Catalogue] = context.topic("the model list")
        """Told whenever the catalogue changes."""
        self._loaded_from_store = False

    @property
    def server(self) -> str:
        """Whose models these are."""
        return self.context.settings().base_url

    def _describe(self, raw: list[dict[str, Any]]) -> list[ModelInfo]:
        settings = self.context.settings()
        prices = self.context.prices()
        known = {"id", "object", "created", "owned_by"}
        infos = []
        for entry in raw:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            created = entry.get("created")
            infos.append(
                describe(
                    entry["id"],
                    owned_by=str(entry.get("owned_by") or ""),
                    created=created if isinstance(created, int) else None,
                    extra={k: v for k, v in entry.items() if k not in known},
                    config=settings.model_facts,
                    prices=prices,
                )
            )
        return infos

    def _tell(self) -> None:
        self.changed.publish(self.current)

    async def from_store(self) -> Catalogue:
        """The list kept from the last time, with the use counts (once; the store may
        fail: then nothing is shown from it)."""
        from tui.store.errors import StoreError

        if self._loaded_from_store:
            return self.current
        self._loaded_from_store = True
        server = self.server
        try:
            cached, uses = await self.context.store().run(
                "reading the kept model list",
                lambda r: (r.models.get(server), r.models.uses()),
            )
        except StoreError:
            return self.current
        self.current.uses = uses
        if cached is not None and self.current.fetched_at is None:
            self.current.models = self._describe(cached.models)
            self.current.fetched_at = cached.fetched_at
            self.current.stale = "kept from the last time; asking the server again"
            self._tell()
        return self.current

    async def refresh(self) -> Catalogue:
        """Ask the server for its list (and keep it); on failure the list before stays,
        marked stale with why, and the error is raised."""
        from tui.api.errors import APIError
        from tui.core.advice import explain_call
        from tui.store.errors import StoreError

        await self.from_store()
        client = await self.context.client()
        try:
            listing = await client.models.listing()
        except APIError as error:
            advice = explain_call(error, self.context.settings(), doing="listing the models")
            when = moment(self.current.fetched_at, "%H:%M") if self.current.fetched_at else None
            kept = f" (showing the list from {when})" if when and self.current.models else ""
            self.current.stale = f"{advice.headline} {advice.detail}{kept}"
            self._tell()
            raise
        raw = [_raw(m) for m in listing.models]
        self.current = Catalogue(
            models=self._describe(raw),
            fetched_at=time.time(),
            stale=None,
            skipped=listing.skipped,
            uses=self.current.uses,
        )
        self._tell()
        server = self.server

        def keep(r: Any) -> dict[str, ModelUse]:
            r.models.put(server, raw)
            found: dict[str, ModelUse] = r.models.uses()
            return found

        try:
            uses = await self.context.store().run("keeping the model list", keep)
        except StoreError:
            pass  # the store says so itself; the list on screen is the server's
        else:
            self.current.uses = uses
            self._tell()
        return self.current

    def forget(self, model_id: str) -> None:
        """A model was deleted: drop it from the list shown."""
        self.current.models = [m for m in self.current.models if m.id != model_id]
        self._tell()

    def reset(self) -> None:
        """The server changed: nothing known of its models yet."""
        self.current = Catalogue()
        self._loaded_from_store = False
        self._tell()
