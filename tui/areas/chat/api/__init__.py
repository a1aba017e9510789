"""The chat area's API resource: chat completions, streamed or not."""
