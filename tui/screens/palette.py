"""The command palette's "go to" provider: screens, conversations, models, profiles.

Titles and model ids come from outside: they are shown as plain content with the matched
letters marked, never parsed as markup (Textual's own highlighter parses it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from tui.core.text import safe
from tui.screens import modes

Entry = tuple[str, str, Callable[[], Awaitable[Any] | Any]]
"""(what is shown, help, what to do)."""


def _shown(text: str, matcher: Matcher | None) -> Content:
    content = Content(text)
    if matcher is None:
        return content
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class GoTo(Provider):
    """Go to a screen, open a conversation, use a model, switch profile."""

    async def _entries(self) -> list[Entry]:
        app: Any = self.app
        entries: list[Entry] = [
            (f"Go to {mode.title}", mode.about, partial(app.go_to, mode.name))
            for mode in modes.MODES
            if len(modes.MODES) > 1
        ]
        settings = app.settings
        for name in settings.profiles:
            now = " (in use)" if name == settings.profile else ""
            entries.append(
                (
                    f"Profile: {name}{now}",
                    "Talk to this server from now on",
                    partial(app.switch_profile, name),
                )
            )
        screen: Any = app.screen
        for model in getattr(screen, "models", [])[:500]:
            entries.append(
                (
                    f"Model: {model}",
                    "Send the next messages to this model",
                    partial(app.use_model, model),
                )
            )
        # What the screen on show offers of its own (the cockpit: its jobs).
        own = getattr(screen, "palette_entries", None)
        if callable(own):
            entries += list(own())[:500]
        store = app.services.store
        try:
            recent = await store.run(
                "listing the conversations", lambda repos: repos.conversations.conversations()
            )
        except Exception:  # the palette still works without the store
            recent = []
        for conversation in recent[:200]:
            entries.append(
                (
                    f"Conversation: {safe(conversation.title) or 'Untitled'}",
                    f"#{conversation.id} · open it",
                    partial(app.open_conversation, conversation.id),
                )
            )
        return entries

    async def discover(self) -> Hits:
        for text, about, action in await self._entries():
            if text.startswith(("Go to", "Profile")):
                yield DiscoveryHit(_shown(text, None), action, text=text, help=escape(about))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, about, action in await self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, _shown(text, matcher), action, text=text, help=escape(about))
