"""Pick a model from the server's list, filtering as you type; chat models first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.widgets.field import Field
from tui.widgets.key_footer import KeyFooter
from tui.widgets.plain import plain

if TYPE_CHECKING:
    from tui.core.model_facts import ModelInfo


class ModelPicker(ModalScreen[str | None]):
    """A filterable list of model ids; returns the chosen id, or None."""

    DEFAULT_CSS = """
    ModelPicker { align: center middle; }
    ModelPicker > Footer { dock: bottom; }
    ModelPicker > Vertical {
        width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ModelPicker OptionList { height: auto; max-height: 14; border: none; }
    ModelPicker .picker--hint { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "dismiss_none", "Cancel", id="picker.cancel"),
        Binding("enter", "pick", "Pick", id="picker.pick"),
        Binding(
            "f2,ctrl+t",
            "toggle_all",
            "All models",
            id="picker.all",
            tooltip="Show every model the server lists, or only those to chat with",
        ),
        Binding("down", "cursor_down", "Next", show=False),
        Binding("up", "cursor_up", "Previous", show=False),
    ]

    def __init__(
        self,
        models: list[str],
        current: str,
        status: str = "",
        infos: dict[str, ModelInfo] | None = None,
    ) -> None:
        super().__init__()
        self.models = models
        self.infos = infos or {}
        """What is known of each model (kind, context, prices), from the catalogue."""
        self.current = current
        self.status = status
        self.show_all = False
        """Whether models that are not for chat (embeddings, images, audio) are listed."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(f"Model (now {self.current})"), classes="picker--title")
            yield Field(placeholder="filter, or type any model id", id="filter")
            yield OptionList(id="models")
            yield Static(plain(self._hint()), classes="picker--hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#filter", Input).focus()

    def _chat(self, model: str) -> bool:
        from tui.core.models import is_chat_model

        info = self.infos.get(model)
        return info.chat if info is not None else is_chat_model(model)

    def _prompt(self, model: str) -> Text:
        from tui.core.model_facts import dollars, tokens

        line = plain(model)
        info = self.infos.get(model)
        if info is not None:
            facts = [info.kind.value]
            if info.context_window:
                facts.append(tokens(info.context_window))
            if info.input_price or info.output_price:
                facts.append(f"{dollars(info.input_price)}/{dollars(info.output_price)}")
            ends = info.ends()
            if ends is not None and ends[0] in ("past", "soon"):
                facts.append(("✗ " if ends[0] == "past" else "! ") + ends[1])
            line.append("  " + " · ".join(facts), style="dim")
        return line

    def _hint(self) -> str:
        hidden = sum(not self._chat(m) for m in self.models)
        toggle = (
            "F2 shows only chat models"
            if self.show_all
            else (f"F2 shows all ({hidden} not for chat hidden)" if hidden else "")
        )
        words = " · ".join(w for w in ("Enter picks · ↑↓ move · Esc cancels", toggle) if w)
        return (self.status + "\n" if self.status else "") + words

    def _fill(self, needle: str) -> None:
        options = self.query_one("#models", OptionList)
        options.clear_options()
        needle = needle.strip().lower()
        shown = [
            m
            for m in self.models
            if needle in m.lower() and (self.show_all or self._chat(m) or m == self.current)
        ]
        options.add_options([Option(Content.from_rich_text(self._prompt(m)), id=m) for m in shown])
        if shown:
            index = shown.index(self.current) if self.current in shown else 0
            options.highlighted = index

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#filter")
    def _submit(self, event: Input.Submitted) -> None:
        options = self.query_one("#models", OptionList)
        if options.highlighted is not None and options.option_count:
            option = options.get_option_at_index(options.highlighted)
            self.dismiss(option.id)
        elif event.value.strip():
            self.dismiss(event.value.strip())

    @on(OptionList.OptionSelected, "#models")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    async def action_pick(self) -> None:
        """Choose the highlighted model (Enter in the filter does the same)."""
        await self.query_one("#filter", Input).action_submit()

    def action_toggle_all(self) -> None:
        """List every model, or only the chat models again."""
        self.show_all = not self.show_all
        self._fill(self.query_one("#filter", Input).value)
        self.query_one(".picker--hint", Static).update(plain(self._hint()))

    def action_cursor_down(self) -> None:
        """Move the highlight down."""
        self.query_one("#models", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        """Move the highlight up."""
        self.query_one("#models", OptionList).action_cursor_up()

    def action_dismiss_none(self) -> None:
        """Close without changing the model."""
        self.dismiss(None)
