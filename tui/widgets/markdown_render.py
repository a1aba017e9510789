"""Markdown for replies, rendered by Rich: one renderable per piece of a reply.

Textual's Markdown widget builds a widget per block; a long reply becomes thousands of
widgets to style and lay out on every update (measured in bench/: 700-1,300 tokens/s and
stalls near a second). A reply here is a handful of Rich renderables instead, and the
streamed render equals a one-shot render because both go through this one function.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

from rich.console import Console, ConsoleOptions, JustifyMethod, RenderableType, RenderResult
from rich.markdown import CodeBlock, Heading, Markdown
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax

from tui.core.text import safe

CODE_THEME = "monokai"


class LeftHeading(Heading):
    """Headings aligned left, as in a chat transcript."""

    LEVEL_ALIGN: ClassVar[dict[str, JustifyMethod]] = {f"h{level}": "left" for level in range(1, 7)}


MARGIN = "│ "
"""What marks each line of a code block where its background cannot be told apart."""
MARGIN_STYLE = Style(color="bright_black")


class MarkedCodeBlock(CodeBlock):
    """A code block with a bar down its left side: where the terminal has 16 colours (or
    the code style no background), the block's background is lost, and without the bar
    code would read as text."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        code = str(self.text).rstrip()
        syntax = Syntax(code, self.lexer_name, theme=self.theme, word_wrap=True, padding=(1, 1))
        width = options.max_width - len(MARGIN)
        lines = console.render_lines(syntax, options.update_width(max(1, width)))
        margin = Segment(MARGIN, MARGIN_STYLE)
        for line in lines:
            yield margin
            yield from line
            yield Segment.line()


class ReplyMarkdown(Markdown):
    """Rich Markdown with Loom's choices: left headings, highlighted fences, links."""

    elements: ClassVar[dict[str, type]] = {**Markdown.elements, "heading_open": LeftHeading}


class MarkedReplyMarkdown(ReplyMarkdown):
    """...with code blocks marked by a bar (see MarkedCodeBlock)."""

    elements: ClassVar[dict[str, type]] = {
        **ReplyMarkdown.elements,
        "fence": MarkedCodeBlock,
        "code_block": MarkedCodeBlock,
    }


@lru_cache(maxsize=16)
def has_background(code_theme: str) -> bool:
    """Whether the Pygments style paints a background behind code."""
    try:
        return Syntax.get_theme(code_theme).get_background_style().bgcolor is not None
    except Exception:  # an unknown style: Rich falls back to one with a background
        return True


def marks_code(console: Console, code_theme: str) -> bool:
    """Whether code blocks get a bar down their side: in 16 colours (backgrounds are
    lost), or in a code style without a background."""
    return console.color_system in ("standard", "windows") or not has_background(code_theme)


def render_markdown(
    source: str, code_theme: str = CODE_THEME, *, mark_code: bool = False
) -> RenderableType:
    """A renderable for Markdown text from a server (secrets masked, control sequences
    removed); code blocks in the Pygments style `code_theme`, with a bar down their left
    side if `mark_code`."""
    kind = MarkedReplyMarkdown if mark_code else ReplyMarkdown
    return kind(safe(source), code_theme=code_theme, hyperlinks=True)


def warm_up() -> None:
    """Import the Markdown and highlighting stack ahead of the first reply (call off-loop)."""
    import io

    from rich.console import Console

    console = Console(width=60, file=io.StringIO(), color_system="truecolor")
    sample = "# t\n\n- a\n\n> q\n\n`y` **b** *i*\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    for lexer in ("python", "bash", "json", "javascript", "typescript", "rust", "go", "text"):
        sample += f"\n```{lexer}\nx = 1\n```\n"
    console.print(render_markdown(sample))
