"""The one way outside text reaches a widget: as plain `Text`, never parsed as markup.

Textual reads `[...]` in strings given to `Static`, `Label`, option prompts, border titles
and notifications as markup: a server message such as `[type=value_error]` or a title like
`arr[i]` would end the app with a MarkupError, or lose text. Loom builds widget text from
anything it did not write with `plain`, which also masks secrets and removes terminal
control sequences (see `tui.core.text`). `tests/test_markup_lint.py` keeps it that way.
"""

from __future__ import annotations

from rich.text import Text

from tui.core.text import safe


def plain(text: str, style: str = "") -> Text:
    """Outside text as a `Text` to show literally: no markup, no controls, no secrets."""
    return Text(safe(text), style=style)


class Facts:
    """A sheet of `name  value` lines (a job's details, a model's, a request's): the names
    Loom's, in a bold column; the values outside text, shown as `plain` shows it."""

    def __init__(self, width: int = 16) -> None:
        self.text = Text()
        self.width = width

    def row(self, name: str, value: str, style: str = "") -> None:
        """One line: a name and its value."""
        self.text.append(f"{name:<{self.width}}", style="bold")
        self.text.append(safe(value) + "\n", style=style)
