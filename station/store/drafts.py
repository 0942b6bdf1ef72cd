"""What an operator has typed into a form and not yet saved (crash- and lock-safe)."""

from __future__ import annotations

import json
from typing import Any

from station.store.base import Manager
from station.store.records import stamp


class Drafts(Manager):
    def save(self, form: str, data: dict[str, Any]) -> None:
        """What the operator has typed so far; not audited."""
        self.require("app.create")
        with self.store.transaction():
            self.conn.execute(
                "INSERT INTO drafts (operator, form, data, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (operator, form) DO UPDATE SET data = excluded.data,"
                " updated_at = excluded.updated_at",
                (self.operator, form, json.dumps(data, ensure_ascii=False), stamp()),
            )

    def load(self, form: str) -> dict[str, Any] | None:
        self.require("app.create")
        row = self.conn.execute(
            "SELECT data FROM drafts WHERE operator = ? AND form = ?", (self.operator, form)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def clear(self, form: str) -> None:
        self.require("app.create")
        with self.store.transaction():
            self.conn.execute(
                "DELETE FROM drafts WHERE operator = ? AND form = ?", (self.operator, form)
            )
