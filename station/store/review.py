"""The supervisor's end-of-day confirmations (``day_confirmations``): one per day, audited."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from station import audit as auditlog
from station.errors import UsageError
from station.i18n import _
from station.store.base import Manager
from station.store.records import stamp


class Review(Manager):
    def confirmation(self, day: dt.date) -> dict[str, str] | None:
        """Who confirmed ``day`` and when, or None."""
        row = self.conn.execute(
            "SELECT operator, at FROM day_confirmations WHERE day = ?", (day.isoformat(),)
        ).fetchone()
        return {"operator": row[0], "at": row[1]} if row else None

    def confirm(self, day: dt.date, summary: dict[str, Any]) -> str:
        """Record the confirmation of ``day`` with its figures (audited); returns the time."""
        self.require("review")
        at = stamp()
        with self.store.transaction():
            if self.confirmation(day) is not None:
                raise UsageError("already_confirmed", _("This day has already been confirmed"))
            self.conn.execute(
                "INSERT INTO day_confirmations (day, operator, at, summary) VALUES (?, ?, ?, ?)",
                (day.isoformat(), self.operator, at, json.dumps(summary)),
            )
            auditlog.append(
                self.conn, self.operator, "day.confirm", detail=dict(summary, day=day.isoformat())
            )
        return at
