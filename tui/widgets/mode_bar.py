"""The line that names the app's screens and the key to each: shown once there are two.

Nine modes must fit 80 columns (chat, fine-tuning, batches, models, playground, usage,
requests, organisation, assistants): the line takes the first of its forms that fits —
full titles with their keys between bars; then without the bars; then short titles
(`Tune`, `Req`) with their keys, the current screen still named in full; then the current
one short too (it stays marked, reversed) — so at 80 columns every mode and its key stay on
screen, none cut; narrower, only the current one keeps its key, and `ctrl+p` "Go to"
reaches each whatever the width."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

Entry = tuple[str, str, str | None, str]
"""(name, title, key, short title) of one screen."""


class ModeBar(Widget):
    """`Chat f9 │ Fine-tuning f10 …`, the current screen marked; one line at any width."""

    DEFAULT_CSS = """
    ModeBar {
        dock: top;
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    current: reactive[str] = reactive("")
    """The mode on screen."""

    def __init__(self, modes: list[Entry], current: str) -> None:
        super().__init__()
        self.modes = modes
        self.set_reactive(ModeBar.current, current)

    def line(self, width: int) -> Text:
        """The tab line in the first form that fits `width` cells."""
        forms = (
            ("full", " │ "),
            ("full", "  "),
            ("short", " "),
            ("shortest", " "),  # the current one short too (still marked by its colours)
            ("bare", " "),
        )
        text = Text()
        for titles, gap in forms:
            text = self._form(titles, gap)
            if text.cell_len <= width:
                return text
        return text

    def _form(self, titles: str, gap: str) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        for n, (name, title, key, short) in enumerate(self.modes):
            here = name == self.current
            if n:
                line.append(gap)
            keep_title = titles == "full" or (here and titles != "shortest")
            shown = title if keep_title or not short else short
            line.append(shown, style="bold reverse" if here else "bold")
            if key and (titles != "bare" or here):
                line.append(f" {key.replace('shift+', '⇧')}", style="dim")
        return line

    def render(self) -> Text:
        return self.line(self.content_size.width or self.app.size.width - 2)
