"""Persistence on SQLite (stdlib sqlite3, WAL, ordered migrations). No Textual import."""
