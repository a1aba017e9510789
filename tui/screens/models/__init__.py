"""The model browser (see screen.py) and one model in full (detail.py)."""

from tui.screens.models.screen import ModelsScreen

__all__ = ["ModelsScreen"]
