"""Loom's Textual widgets."""
