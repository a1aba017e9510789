"""The chat area's core: a conversation (sending, streaming, versions, saving), its
parameters, attachments, tool calls, code blocks and exports."""
