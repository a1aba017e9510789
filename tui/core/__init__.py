"""Loom's core: what the screens drive, with no Textual import (see README, Architecture)."""
