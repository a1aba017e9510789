"""The batches area's core."""
