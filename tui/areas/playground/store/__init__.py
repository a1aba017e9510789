"""The playground area's store."""
