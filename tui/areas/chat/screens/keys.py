"""The chat screen's own keys (each message's keys are in the chat area's
widgets/chat_item.py, the prompt's in widgets/prompt_input.py). None is only ctrl+b (tmux)
or ctrl+a (screen)."""

from __future__ import annotations

from textual.binding import Binding

BINDINGS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding("escape", "stop", "Stop", id="chat.stop", tooltip="Stop the reply, keep its text"),
    Binding(
        "escape",
        "cancel",
        "Cancel",
        id="chat.cancel",
        tooltip="Cancel the edit, or drop the attachments",
    ),
    Binding("ctrl+o", "pick_model", "Model", id="chat.model", tooltip="Pick a model"),
    # Retry and Export are left out of the footer (no room at 80 columns): a failed
    # reply names ctrl+r, and both are in F1 and the command palette.
    Binding(
        "ctrl+r",
        "retry",
        "Retry",
        show=False,
        id="chat.retry",
        tooltip="Ask the last prompt again (the old reply is kept as a version)",
    ),
    Binding("ctrl+n", "new_chat", "New", id="chat.new", tooltip="Start a new conversation"),
    # Not ctrl+b (tmux's prefix) nor ctrl+a (screen's).
    Binding("ctrl+l", "toggle_sidebar", "Chats", id="chat.chats", tooltip="Show/hide the list"),
    Binding("ctrl+f", "search", "Find", id="chat.search", tooltip="Search all conversations"),
    Binding(
        "ctrl+up,alt+up",
        "focus_messages",
        "Msgs",
        id="chat.messages",
        tooltip="Move to the messages (then ↑↓, and keys to copy, edit, branch…); "
        "shift+tab from the prompt too (macOS takes ctrl+up)",
    ),
    Binding(
        "f3",
        "params",
        "Params",
        id="chat.params",
        tooltip="System prompt, parameters and presets of this conversation",
    ),
    Binding(
        "ctrl+s",
        "export",
        "Export",
        show=False,
        id="chat.export",
        tooltip="Export this conversation as Markdown or JSON",
    ),
    Binding(
        "ctrl+t",
        "attach",
        "Attach",
        show=False,
        id="chat.attach",
        tooltip="Attach a file to the next message (text inlined, images as image parts)",
    ),
    Binding(
        "f4",
        "moderate",
        "Moderate",
        show=False,
        id="chat.moderate",
        tooltip="Moderate this conversation's messages (the playground shows each verdict)",
    ),
    Binding(
        "f5",
        "speak",
        "Speak",
        show=False,
        id="chat.speak",
        tooltip="Speak the last reply (the playground's Audio tool writes and plays it)",
    ),
    Binding("f1,ctrl+g", "help", "Help", id="chat.help", tooltip="Show every key (F1 or ctrl+g)"),
    Binding("pageup", "page_back", "Scroll up", show=False, priority=True, id="chat.page_up"),
    Binding(
        "pagedown",
        "scroll_down",
        "Scroll down",
        show=False,
        priority=True,
        id="chat.page_down",
    ),
    Binding(
        "ctrl+end,alt+down",
        "scroll_end",
        "Latest",
        show=False,
        id="chat.end",
        tooltip="Jump to the newest message and follow it again",
    ),
]
"""The keys; their actions are in the chat screen and its parts."""
