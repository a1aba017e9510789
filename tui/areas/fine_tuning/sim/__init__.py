"""The fine-tuning area's sim."""
