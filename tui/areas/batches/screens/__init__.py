"""The batches area's screens."""
