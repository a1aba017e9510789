"""The simulator's assistants, threads, messages and runs."""
