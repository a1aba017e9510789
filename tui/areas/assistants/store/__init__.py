"""What the assistants area keeps: the threads it knows."""
