"""The usage area's sim."""
