"""What the chat screen is made of: the messages and the reply renderer, the prompt, the
conversation list and the status line."""
