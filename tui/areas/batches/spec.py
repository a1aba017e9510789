"""What the official spec fixes for every batch, which the client, the checks and the
simulator all hold to: the endpoints a batch may run, its completion windows, its limits."""

ENDPOINTS = (
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
)
"""Every endpoint a batch may run (`CreateBatchRequest.endpoint`)."""
COMPLETION_WINDOWS = {"24h": 86_400}
"""The completion windows the spec allows, and how long each is in seconds."""
MAX_REQUESTS = 50_000
"""The most requests one batch may hold."""
MAX_BYTES = 200 * 1024 * 1024
"""The largest input file a batch takes (200 MB)."""
