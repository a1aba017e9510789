"""Fenced code blocks of a Markdown message, for copying one of them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """One fenced block: its language (from the info string) and its code."""

    language: str
    code: str

    @property
    def label(self) -> str:
        """A one-line description for a chooser."""
        first = next((line.strip() for line in self.code.splitlines() if line.strip()), "")
        lines = self.code.count("\n") + 1
        name = self.language or "text"
        return f"{name}, {lines} line{'s' if lines != 1 else ''}: {first[:50]}"


def code_blocks(markdown: str) -> list[CodeBlock]:
    """Every fenced block (``` or ~~~, any length, indented up to 3 spaces), in order, as
    CommonMark reads them; an unclosed fence runs to the end, as it renders."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    return [
        CodeBlock(token.info.strip().split(" ")[0], token.content.rstrip("\n"))
        for token in tokens
        if token.type == "fence"
    ]
