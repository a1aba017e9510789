"""The organisation console's logic: the service, the audit log's follower, words."""
