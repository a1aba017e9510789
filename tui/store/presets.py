"""Presets: a saved system prompt and parameters (and model), picked for a new chat."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from tui.store.errors import PresetExists


@dataclass(slots=True)
class Preset:
    """A saved system prompt and parameters, picked when starting a conversation."""

    id: int
    name: str
    system_prompt: str = ""
    params: dict[str, Any] = field(default_factory=dict)


class PresetStore:
    """Reads and writes presets on an open connection (see `db.open_store`)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def presets(self) -> list[Preset]:
        """Every saved preset, by name."""
        rows = self.db.execute(
            "SELECT id, name, system_prompt, params FROM preset ORDER BY name COLLATE NOCASE"
        ).fetchall()
        return [Preset(row[0], row[1], row[2], json.loads(row[3] or "{}")) for row in rows]

    def save(self, name: str, system_prompt: str, params: dict[str, Any]) -> Preset:
        """Save (or replace) the preset called `name`."""
        self.db.execute(
            "INSERT INTO preset (name, system_prompt, params) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET system_prompt = excluded.system_prompt, "
            "params = excluded.params",
            (name, system_prompt, json.dumps(params)),
        )
        return next(p for p in self.presets() if p.name == name)

    def rename(self, preset_id: int, name: str) -> None:
        """Give a preset another name; PresetExists if one has it already."""
        try:
            self.db.execute("UPDATE preset SET name = ? WHERE id = ?", (name, preset_id))
        except sqlite3.IntegrityError:
            raise PresetExists(f"a preset called “{name}” exists already") from None

    def delete(self, preset_id: int) -> None:
        """Forget a preset."""
        self.db.execute("DELETE FROM preset WHERE id = ?", (preset_id,))
