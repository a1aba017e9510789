"""The models area's core."""
