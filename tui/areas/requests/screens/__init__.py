"""The requests area's screens."""
