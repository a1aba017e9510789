"""Outside text made safe: terminal control sequences removed, secrets masked."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tui.core.text import MIN_SECRET, Secrets, mask, strip_controls

NASTY = {
    "OSC 52 (writes the clipboard)": "\x1b]52;c;ZXZpbA==\x07",
    "OSC 52 ended by ST": "\x1b]52;c;ZXZpbA==\x1b\\",
    "OSC 0 (window title)": "\x1b]0;pwned\x07",
    "OSC 8 (hyperlink)": "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "CSI 2J (clear screen)": "\x1b[2J\x1b[H",
    "SGR colour": "\x1b[31;1m",
    "DCS": "\x1bP+q544e\x1b\\",
    "APC": "\x1b_Gf=100;AAAA\x1b\\",
    "8-bit CSI": "\x9b2J",
    "8-bit OSC": "\x9d0;title\x9c",
    "reset (ESC c)": "\x1bc",
    "charset (ESC ( 0)": "\x1b(0",
    "bell, backspace, CR": "\x07\x08\r",
}


def test_every_kind_of_sequence_is_removed_and_text_kept() -> None:
    for name, sequence in NASTY.items():
        cleaned = strip_controls(f"before {sequence}after")
        assert "\x1b" not in cleaned and not any(0x80 <= ord(c) <= 0x9F for c in cleaned), name
        assert cleaned.startswith("before ") and cleaned.endswith("after"), (name, cleaned)
    assert strip_controls("tabs\tand\nnew lines stay") == "tabs\tand\nnew lines stay"
    assert strip_controls("plain ünïcode — 漢字 🙂") == "plain ünïcode — 漢字 🙂"


def test_an_unended_sequence_loses_its_escape_but_not_the_text_after() -> None:
    cleaned = strip_controls("a \x1b]52;c;never ended")
    assert "\x1b" not in cleaned and cleaned.endswith("never ended")


@given(st.text(alphabet=st.characters(max_codepoint=0x2FF)))
def test_nothing_a_terminal_would_act_on_survives(text: str) -> None:
    cleaned = strip_controls(text)
    for char in cleaned:
        code = ord(char)
        assert char in "\t\n" or (0x20 <= code < 0x7F) or code > 0x9F, repr(char)
    assert strip_controls(cleaned) == cleaned


def test_secrets_are_masked_wherever_they_appear() -> None:
    secrets = Secrets()
    key = "sk-proj-abcdef1234"
    secrets.add(key)
    secrets.add("k")  # too short to be worth hiding: it would blank every "k"
    echoed = f"Incorrect API key provided: Bearer {key}. Keys look like {key}!"
    redacted = secrets.redact(echoed)
    assert key not in redacted
    assert redacted.count(mask(key)) == 2 and mask(key) == "sk-…1234"
    assert secrets.redact("keep k as it is") == "keep k as it is"
    assert len("k") < MIN_SECRET


def test_a_secret_containing_another_is_masked_whole() -> None:
    secrets = Secrets()
    secrets.add("abcdef")
    secrets.add("xxabcdefyy")
    assert secrets.redact("xxabcdefyy") == mask("xxabcdefyy")
