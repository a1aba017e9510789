"""The usage area's screens."""
