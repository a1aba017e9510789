"""The organisation console."""
