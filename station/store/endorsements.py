"""Yearly endorsements written to permit cards: recorded as ``writing`` before the card is
written, then ``done``, gone (``failed``) or ``uncertain`` until the card is read again."""

from __future__ import annotations

import datetime as dt

from station import audit as auditlog
from station.errors import FieldError, UsageError, ValidationError
from station.i18n import _
from station.store.base import Manager
from station.store.records import stamp
from station.typedefs import EndorsementEntry, PermitCardRecord, RecordedEndorsement


class Endorsements(Manager):
    def key(self) -> str:
        """The configured K_endorse (hex) for the card driver; never shown or logged."""
        self.require("endorse")
        key = self.store.config.get("permit.endorse_key")
        if not key:
            raise UsageError(
                "no_endorse_key",
                _(
                    "No endorsement key is set: a technician sets it with 'station config set "
                    "permit.endorse_key'"
                ),
            )
        return key

    def begin(
        self, card: PermitCardRecord, year: int, on: dt.date, application: str | None = None
    ) -> None:
        """Before the card is written: the endorsement as 'writing' (so that nothing can be on a
        card without being recorded). A year already done for this card is refused."""
        self.require("endorse")
        person = card.get("person") or {}
        permit = card.get("permit") or {}
        with self.store.transaction():
            row = self.conn.execute(
                "SELECT state FROM endorsements WHERE permit_number = ? AND year = ?",
                (permit.get("number", ""), year),
            ).fetchone()
            if row is not None and row[0] == "done":
                error = ValidationError(
                    [
                        FieldError(
                            "permit.endorsements",
                            "already_endorsed",
                            _(
                                "This card is already endorsed for {year} at this station",
                                year=year,
                            ),
                        )
                    ]
                )
                error.code = "already_endorsed"
                raise error
            # the card's issue date: its yearly endorsement falls due on the anniversaries
            # (station/reports/endorsements_due.py)
            issued = str(permit.get("issue_date") or "") or None
            self.conn.execute(
                "INSERT INTO endorsements (id_number, permit_number, year, endorsed_on, station,"
                " operator, recorded_at, application, state, issue_date) VALUES (?, ?, ?, ?, ?,"
                " ?, ?, ?, 'writing', ?) ON CONFLICT (permit_number, year) DO UPDATE SET"
                " state = 'writing', endorsed_on = excluded.endorsed_on,"
                " operator = excluded.operator, recorded_at = excluded.recorded_at,"
                " application = excluded.application, issue_date = excluded.issue_date",
                (
                    person.get("id_number", ""),
                    permit.get("number", ""),
                    year,
                    on.isoformat(),
                    self.store.station_code,
                    self.operator,
                    stamp(),
                    application,
                    issued,
                ),
            )

    def finish(
        self, card: PermitCardRecord, year: int, outcome: str, application: str | None = None
    ) -> None:
        """After the write: ``done`` (the card accepted it: audited), ``failed`` (the card
        certainly has nothing: the row goes) or ``uncertain`` (pulled mid-write: kept until the
        card is read again)."""
        self.require("endorse")
        number = (card.get("permit") or {}).get("number", "")
        with self.store.transaction():
            if outcome == "failed":
                self.conn.execute(
                    "DELETE FROM endorsements WHERE permit_number = ? AND year = ?"
                    " AND state != 'done'",
                    (number, year),
                )
                auditlog.append(
                    self.conn, self.operator, "card.endorse_failed", application, {"year": year}
                )
                return
            self.conn.execute(
                "UPDATE endorsements SET state = ? WHERE permit_number = ? AND year = ?",
                (outcome, number, year),
            )
            auditlog.append(
                self.conn,
                self.operator,
                "card.endorse" if outcome == "done" else "card.endorse_uncertain",
                application,
                {"year": year},
            )

    def settle(self, card: PermitCardRecord) -> None:
        """A card read again settles its uncertain endorsements: on the card → done, else gone."""
        number = (card.get("permit") or {}).get("number", "")
        years = {
            int(e.get("year", 0)) for e in (card.get("permit") or {}).get("endorsements") or []
        }
        rows = self.conn.execute(
            "SELECT year, application FROM endorsements WHERE"
            " permit_number = ? AND state IN ('uncertain', 'writing')",
            (number,),
        ).fetchall()
        with self.store.transaction():  # one card read, one transaction
            for year, application in rows:
                self.finish(card, year, "done" if year in years else "failed", application)

    def record(
        self, card: PermitCardRecord, year: int, on: dt.date, application: str | None = None
    ) -> EndorsementEntry:
        """Record an endorsement the card has accepted (audited), in one transaction."""
        with self.store.transaction():
            self.begin(card, year, on, application)
            self.finish(card, year, "done", application)
        return {"year": year, "station": self.store.station_code, "date": on.isoformat()}

    def of(self, id_number: str) -> list[RecordedEndorsement]:
        self.require("app.view")
        rows = self.conn.execute(
            "SELECT year, endorsed_on, station, operator FROM endorsements"
            " WHERE id_number = ? AND state = 'done' ORDER BY year",
            (id_number,),
        ).fetchall()
        return [{"year": r[0], "date": r[1], "station": r[2], "operator": r[3]} for r in rows]
