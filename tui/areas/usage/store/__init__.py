"""The usage area's store."""
