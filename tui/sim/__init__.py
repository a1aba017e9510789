"""The built-in OpenAI-compatible simulator (Starlette + uvicorn, loopback only, no Textual)."""
