"""The requests area's core."""
