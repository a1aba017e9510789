"""Conventions two layers of Loom share — the client and its simulator, the store and the
search screen — in one place below both (no imports: cheap to load)."""

CONTINUE_INSTRUCTION = (
    "Continue your previous reply exactly where it stopped, without repeating anything."
)
"""Sent after a reply cut at the token limit to have it continued; the simulator
recognises it and sends the rest of the reply it had cut."""
MARK_START, MARK_END = "\x02", "\x03"
"""What the store puts around each word a search matched in a snippet, and the search
screen highlights: control characters, so they cannot clash with a message's own text."""
