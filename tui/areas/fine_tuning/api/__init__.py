"""The fine-tuning area's api."""
