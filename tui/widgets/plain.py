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
