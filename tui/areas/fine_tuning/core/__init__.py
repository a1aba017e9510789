"""The fine-tuning area's core."""
