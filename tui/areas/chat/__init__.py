"""Chat: talk to a model, the reply streaming in as Markdown; conversations kept, listed,
searched, branched, exported and imported. Its parts: api/ (chat completions, streamed),
sim/ (the simulator's chat completions and their faults), core/ (a conversation: sending,
streaming into events, versions, saving that survives a failing store; parameters,
attachments, tool calls, exports), widgets/ and screens/ (the chat screen, its parameter
panel, presets, search and model picker), commands.py (`loom list`, `export`, `import`).

The conversations themselves are kept by the shared store (tui/store/conversations.py,
presets.py): they are its first tables, older than areas, and the store's own migrations
own them."""

from tui.registry import Area, Mode

AREA = Area(
    name="chat",
    modes=(
        Mode(
            "chat",
            "Chat",
            "tui.areas.chat.screens:ChatScreen",
            "Talk to a model; conversations are kept, searchable and branchable",
            key="f9",
            order=10,
        ),
    ),
    sim_routes="tui.areas.chat.sim.routes:chat_routes",
    commands="tui.areas.chat.commands",
)
