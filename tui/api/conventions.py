"""Conventions Loom's client and its simulator share (no imports: cheap to load)."""

CONTINUE_INSTRUCTION = (
    "Continue your previous reply exactly where it stopped, without repeating anything."
)
"""Sent after a reply cut at the token limit to have it continued; the simulator
recognises it and sends the rest of the reply it had cut."""
