"""The assistants area's logic: the service, a thread brought home as a conversation."""
