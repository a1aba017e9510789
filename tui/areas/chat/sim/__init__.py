"""The chat area's simulator routes: chat completions with real SSE, and their faults."""
