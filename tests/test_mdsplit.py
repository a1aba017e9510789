"""Cutting a growing Markdown text into pieces that render like the whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tui.core.mdsplit import cut_pieces, safe_split

BLOCKS = st.sampled_from(
    [
        "A plain paragraph with *emphasis* and `code`.",
        "Second paragraph\nthat wraps onto a second line.",
        "- item one\n- item two",
        "1. first\n2. second",
        "1. loose\n\n2. list",
        "- loose item\n\n  continued paragraph",
        "```python\nx = 1\n\ny = 2\n```",
        "~~~\nfence with ``` inside\n\n~~~",
        "## A heading",
        "> a quote\n>\n> more",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "---",
        "Ünïcödé 🧵 paragraph — with wide 漢字.",
        "    indented code",
    ]
)


def block_signature(text: str) -> list[tuple[str, str, bool, str]]:
    """The block structure markdown-it sees: types, content, tightness and attributes."""
    tokens = MarkdownIt("gfm-like").parse(text)
    return [(t.type, t.content, t.hidden, repr(sorted(t.attrs.items()))) for t in tokens]


@settings(max_examples=300, deadline=None)
@given(st.lists(BLOCKS, min_size=1, max_size=12), st.integers(min_value=0, max_value=400))
def test_pieces_parse_like_the_whole(blocks: list[str], min_offset: int) -> None:
    text = "\n\n".join(blocks) + "\n\ntail paragraph\n"
    cut = safe_split(text, min_offset)
    if cut is None:
        return
    assert cut >= min_offset
    head, tail = text[:cut], text[cut:]
    assert block_signature(head) + block_signature(tail) == block_signature(text)


def test_never_cuts_inside_a_fence_or_a_list() -> None:
    text = "intro\n\n```\ncode\n\nnot a paragraph\n```\n\n- a\n\n- b\n\nafter\n"
    cut = safe_split(text)
    assert cut is not None and text[cut:] == "after\n"
    assert safe_split("intro\n\n```\nopen fence\n\nstill code\n") is None


def test_does_not_cut_before_an_unfinished_line() -> None:
    assert safe_split("para\n\nnext") is None
    assert safe_split("para\n\nnext\n") == len("para\n\n")


@settings(max_examples=200, deadline=None)
@given(st.lists(BLOCKS, min_size=1, max_size=20), st.integers(min_value=1, max_value=300))
def test_a_whole_text_cut_into_pieces_parses_like_the_whole(blocks: list[str], size: int) -> None:
    """How a stored reply is shown: cut into pieces of about `size` characters."""
    text = "\n\n".join(blocks) + "\n"
    pieces = cut_pieces(text, size)
    assert "".join(pieces) == text and all(pieces)
    assert [block for piece in pieces for block in block_signature(piece)] == block_signature(text)
    # Longer than `size` only where no safe cut comes sooner.
    for piece in pieces[:-1]:
        if len(piece) > size:
            assert safe_split(piece[: size + 1]) is None


def test_cut_pieces_of_text_without_a_safe_cut() -> None:
    assert cut_pieces("", 10) == [""]
    assert cut_pieces("one paragraph only\n", 5) == ["one paragraph only\n"]
    assert cut_pieces("a\n\nb\n\nc\n", 3) == ["a\n\n", "b\n\n", "c\n"]
