"""The Assistants API: its resource and its objects."""
