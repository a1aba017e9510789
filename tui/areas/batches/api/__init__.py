"""The batches area's api."""
