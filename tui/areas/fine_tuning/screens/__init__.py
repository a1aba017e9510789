"""The fine-tuning area's screens."""
