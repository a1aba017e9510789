"""The usage area's api."""
