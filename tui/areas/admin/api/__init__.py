"""The organisation API: its resource and its objects."""
