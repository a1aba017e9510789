"""Markdown for replies, rendered by Rich: one renderable per piece of a reply.

Textual's Markdown widget builds a widget per block; a long reply becomes thousands of
widgets to style and lay out on every update (measured in bench/: 700-1,300 tokens/s and
stalls near a second). A reply here is a handful of Rich renderables instead, and the
streamed render equals a one-shot render because both go through this one function.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import JustifyMethod, RenderableType
from rich.markdown import Heading, Markdown

from tui.core.text import safe

CODE_THEME = "monokai"


class LeftHeading(Heading):
    """Headings aligned left, as in a chat transcript."""

    LEVEL_ALIGN: ClassVar[dict[str, JustifyMethod]] = {f"h{level}": "left" for level in range(1, 7)}


class ReplyMarkdown(Markdown):
    """Rich Markdown with Loom's choices: left headings, highlighted fences, links."""

    elements: ClassVar[dict[str, type]] = {**Markdown.elements, "heading_open": LeftHeading}


def render_markdown(source: str, code_theme: str = CODE_THEME) -> RenderableType:
    """A renderable for Markdown text from a server (secrets masked, control sequences
    removed); code blocks in the Pygments style `code_theme`."""
    return ReplyMarkdown(safe(source), code_theme=code_theme, hyperlinks=True)


def warm_up() -> None:
    """Import the Markdown and highlighting stack ahead of the first reply (call off-loop)."""
    import io

    from rich.console import Console

    console = Console(width=60, file=io.StringIO(), color_system="truecolor")
    sample = "# t\n\n- a\n\n> q\n\n`y` **b** *i*\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    for lexer in ("python", "bash", "json", "javascript", "typescript", "rust", "go", "text"):
        sample += f"\n```{lexer}\nx = 1\n```\n"
    console.print(render_markdown(sample))
