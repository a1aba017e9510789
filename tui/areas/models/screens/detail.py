"""One model in full: every field the server returned for it (`GET /models/{id}`), the
facts with their source, how often it was used here; for a fine-tuned model or checkpoint
its job, base model, trained tokens, final metrics and checkpoints."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui.core.model_facts import Fact, ModelInfo, dollars, tokens
from tui.core.text import moment, safe
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import Facts

if TYPE_CHECKING:
    from tui.areas.models.core.service import ModelsService
    from tui.core.context import ModelExtra
    from tui.core.services import Services


def one_line(info: ModelInfo, uses: dict[str, Any]) -> Text:
    """A model's facts in a line or two (the browser's foot, the chat's picker)."""
    text = Text()
    text.append(safe(info.id), style="bold")
    text.append(f"  {info.kind.value}")
    parts = []
    if info.context_window:
        parts.append(f"{tokens(info.context_window)} context")
    if info.max_output:
        parts.append(f"{tokens(info.max_output)} out")
    if info.input_price or info.output_price:
        parts.append(f"{dollars(info.input_price)} in / {dollars(info.output_price)} out per M")
    ends = info.ends()
    if ends is not None:
        when, day = ends
        what = "shut down" if info.shutdown else "deprecated"
        parts.append(f"{what} {'since' if when == 'past' else 'on'} {day}")
        if info.replacement:
            parts.append(f"use {safe(str(info.replacement.value))}")
    use = uses.get(info.id)
    if use is not None:
        parts.append(f"{use.replies:,} replies here")
    if parts:
        text.append("  ·  " + " · ".join(parts), style="dim")
    return text


def _fact(name: str, fact: Fact | None, shown: str) -> tuple[str, str]:
    return name, (f"{shown}   ({fact.source})" if fact is not None else "–")


class ModelDetail(Screen[None]):
    """Everything about one model."""

    DEFAULT_CSS = """
    ModelDetail { layout: vertical; }
    ModelDetail #detail-title { text-style: bold; padding: 0 1; background: $panel; }
    ModelDetail VerticalScroll { height: 1fr; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="model.back"),
        Binding("t", "chat", "Chat", id="model.chat", tooltip="A new conversation with it"),
        Binding("j", "job", "Job", id="model.job", tooltip="Open the fine-tuning job that made it"),
        Binding("c", "copy", "Copy", id="model.copy", tooltip="Copy its id"),
    ]

    def __init__(self, info: ModelInfo) -> None:
        super().__init__()
        self.info = info
        self.extras: list[ModelExtra] = []
        """What areas add to the facts (the job that made a fine-tuned model)."""
        self.served: dict[str, Any] | None = None
        self.problem: str | None = None

    @property
    def services(self) -> Services:
        """The app's services."""
        services: Services = self.app.services  # type: ignore[attr-defined]
        return services

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Model {safe(self.info.id)}"), id="detail-title")
        with VerticalScroll():
            yield Static(Content.from_rich_text(self._text()), id="detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.fetch()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "job":
            return any(extra.opens for extra in self.extras)
        if action == "chat":
            return self.info.chat
        return True

    @work(group="model-detail", exclusive=True, exit_on_error=False)
    async def fetch(self) -> None:
        """Ask the server for the model, and the other areas what they know of it."""
        from tui.core.failures import APIError, NotFoundError

        service: ModelsService = self.services.area("models")
        try:
            self.served = await service.served(self.info.id)
        except NotFoundError as error:
            self.problem = (
                f"The server has no model {self.info.id} now (404: deleted meanwhile, or it "
                f"does not answer GET /models/ID): {safe(error.message)}"
            )
        except APIError as error:
            self.problem = service.said(error, "asking for the model")
        if self.info.base is not None:
            self.extras = await service.extras(self.info.id)
        self.query_one("#detail", Static).update(self._text())
        self.refresh_bindings()

    def _text(self) -> Text:
        info = self.info
        sheet = Facts(18)
        out = sheet.text

        row = sheet.row

        row("id", info.id)
        row("owned by", info.owned_by or "–")
        row("created", moment(info.created, "%Y-%m-%d", utc=True))
        row(*_fact("kind", info.kind, str(info.kind.value)))
        row(*_fact("context window", info.context_window, tokens(info.context_window)))
        row(*_fact("max output", info.max_output, tokens(info.max_output)))
        row(*_fact("input price", info.input_price, dollars(info.input_price) + " per M tokens"))
        row(*_fact("output price", info.output_price, dollars(info.output_price) + " per M tokens"))
        for name, fact in (("deprecated", info.deprecated), ("shut down", info.shutdown)):
            if fact is not None:
                ends = info.ends()
                style = "bold" if ends and ends[0] in ("past", "soon") else ""
                row(*_fact(name, fact, str(fact.value)), style)
        if info.replacement is not None:
            row(*_fact("replacement", info.replacement, str(info.replacement.value)))
        if info.base:
            row("fine-tuned from", info.base)
        for extra in self.extras:
            for name, value in extra.rows:
                row(name, value)
            if extra.lines:
                out.append(f"{extra.heading}\n", style="bold")
                for line in extra.lines:
                    out.append(safe(line) + "\n")
        if self.problem:
            out.append("\n" + self.problem + "\n", style="bold")
        served = self.served if self.served is not None else None
        if served is not None:
            out.append("\nWhat the server says of it:\n", style="bold")
            out.append(safe(json.dumps(served, indent=2, ensure_ascii=False)) + "\n")
        elif info.extra:
            out.append("\nWhat the server listed with it:\n", style="bold")
            out.append(safe(json.dumps(info.extra, indent=2, ensure_ascii=False)) + "\n")
        return out

    def action_back(self) -> None:
        """Back to the list."""
        self.dismiss(None)

    async def action_chat(self) -> None:
        """A new conversation with the model."""
        self.dismiss(None)
        await self.app.use_model(self.info.id, new_chat=True)  # type: ignore[attr-defined]

    async def action_job(self) -> None:
        """Open the job that made this model (on its area's screen)."""
        opens = next((extra.opens for extra in self.extras if extra.opens), None)
        if opens is not None:
            self.dismiss()
            mode, method, argument = opens
            await self.app.deliver(mode, method, argument)  # type: ignore[attr-defined]

    def action_copy(self) -> None:
        """Copy the model's id."""
        self.app.copy_and_say(self.info.id, f"the id {self.info.id}")  # type: ignore[attr-defined]
