"""The fine-tuning cockpit (see screen.py) and its form to start a job (create.py)."""

from tui.screens.fine_tuning.screen import FineTuningScreen

__all__ = ["FineTuningScreen"]
