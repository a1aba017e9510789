"""Loom: a keyboard-driven terminal workbench for the OpenAI API and compatible servers."""

__version__ = "0.1.0"
