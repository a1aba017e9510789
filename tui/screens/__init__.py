"""Loom's screens, one per mode."""
