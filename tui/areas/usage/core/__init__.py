"""The usage area's core."""
