"""The chat screen: talk to a model, keep every conversation (see screen.py)."""

from tui.areas.chat.screens.base import export_dir
from tui.areas.chat.screens.screen import NARROW, SHOWN_AT_ONCE, ChatScreen, ConversationView

__all__ = ["NARROW", "SHOWN_AT_ONCE", "ChatScreen", "ConversationView", "export_dir"]
