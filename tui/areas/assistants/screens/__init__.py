"""The assistants screen."""
