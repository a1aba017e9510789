"""The batches area's sim."""
