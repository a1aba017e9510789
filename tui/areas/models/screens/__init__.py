"""The models area's screens."""
