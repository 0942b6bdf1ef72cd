"""The 7+1 referrals (``referrals``): one row per application and service asked for.

Each service the applicant asks for is ``referred`` when the application is saved (in the same
transaction); a department's answer comes back later and a coordinator records it as
``delivered`` or ``declined`` (the applicant did not take it up), with the date and by whom —
audited, from the record view or an imported outcome list. A correction that adds a service
refers it; one that drops a service still waiting removes that referral (an outcome already
recorded is kept: it happened).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Literal, TypedDict, cast

from station import audit as auditlog
from station import codes
from station.errors import FieldError, NotFoundError, ValidationError
from station.i18n import N_, _
from station.store.base import Manager
from station.store.records import stamp

OUTCOMES = ("delivered", "declined")
STATES = ("referred", *OUTCOMES)
MESSAGES = {
    "code_unknown": N_("Not a code of the table"),
    "not_referred": N_("This application did not ask for this service"),
    "outcome_unknown": N_("The outcome is 'delivered' or 'declined'"),
    "date_format": N_("Enter a date as YYYY-MM-DD"),
    "date_in_future": N_("This date is in the future"),
    "date_before_referral": N_("This date is before the referral"),
    "no_application": N_("No application with this reference"),
}


class Referral(TypedDict):
    service: str
    state: Literal["referred", "delivered", "declined"]
    referred_on: str
    outcome_on: str | None
    outcome_by: str | None


class Outcome(TypedDict):
    """One outcome to record: the application (uuid or number), the service, the outcome and
    its date (YYYY-MM-DD)."""

    ref: str
    service: str
    outcome: str
    date: str


def _error(field: str, code: str) -> FieldError:
    return FieldError(field, code, _(MESSAGES[code]))


class Referrals(Manager):
    # -- kept in step with the applications (inside their transactions, no role check) -------
    def sync(self, uuid: str, services: Iterable[str], on: str) -> None:
        """The referrals of an application's current version: each service asked for is
        referred (``on``: the day it was asked for); one no longer asked for and still waiting
        is dropped."""
        wanted = [s for s in dict.fromkeys(services) if s in codes.table("services")]
        for service in wanted:
            self.conn.execute(
                "INSERT OR IGNORE INTO referrals (uuid, service, state, referred_on)"
                " VALUES (?, ?, 'referred', ?)",
                (uuid, service, on),
            )
        marks = ",".join("?" * len(wanted)) or "''"
        self.conn.execute(
            f"DELETE FROM referrals WHERE uuid = ? AND state = 'referred'"
            f" AND service NOT IN ({marks})",
            (uuid, *wanted),
        )

    # -- reading ----------------------------------------------------------------------------
    def of(self, ref: str) -> list[Referral]:
        """The referrals of one application (uuid or number), in the services' order."""
        self.require("app.view")
        uuid = self._uuid(ref)
        order = list(codes.table("services"))
        rows = self.conn.execute(
            "SELECT service, state, referred_on, outcome_on, outcome_by FROM referrals"
            " WHERE uuid = ?",
            (uuid,),
        ).fetchall()
        out: list[Referral] = [
            {
                "service": s,
                "state": st,
                "referred_on": r,
                "outcome_on": o,
                "outcome_by": by,
            }
            for s, st, r, o, by in rows
        ]
        return sorted(out, key=lambda r: order.index(r["service"]) if r["service"] in order else 99)

    def _uuid(self, ref: str) -> str:
        ref = ref.strip()
        row = self.conn.execute(
            "SELECT uuid FROM applications WHERE uuid = ? OR number = ?", (ref, ref)
        ).fetchone()
        if row is None:
            raise NotFoundError("no_application", _("No application with this reference"))
        return str(row[0])

    # -- outcomes ---------------------------------------------------------------------------
    def record(self, ref: str, service: str, outcome: str, on: dt.date | str) -> Referral:
        """Record a department's answer for one referral (audited); ``ValidationError`` on
        the fields ``service``, ``outcome`` or ``date``."""
        uuid = self._uuid(ref)  # an unknown application: NotFoundError (exit 1)
        results = self.record_many(
            [{"ref": uuid, "service": service, "outcome": outcome, "date": str(on)}]
        )
        first = results[0]
        if isinstance(first, ValidationError):
            raise first
        if first is None:  # recorded so before: nothing changed
            return next(r for r in self.of(uuid) if r["service"] == service)
        return first

    def record_many(
        self, items: Sequence[Outcome], *, today: dt.date | None = None
    ) -> list[Referral | ValidationError | None]:
        """Record several outcomes in ONE transaction (an imported list): each one valid is
        stored and audited, each one that is not comes back as its ``ValidationError``, and one
        already recorded as it is (the same list imported again) as None."""
        self.require("referral.record")
        today = today or dt.date.today()
        out: list[Referral | ValidationError | None] = []
        with self.store.transaction():
            for item in items:
                try:
                    out.append(self._record(item, today))
                except ValidationError as exc:
                    out.append(exc)
        return out

    def _record(self, item: Outcome, today: dt.date) -> Referral | None:
        try:
            uuid = self._uuid(str(item.get("ref") or ""))
        except NotFoundError:
            raise ValidationError([_error("number", "no_application")]) from None
        service, outcome = str(item.get("service") or ""), str(item.get("outcome") or "")
        errors = []
        if service not in codes.table("services"):
            errors.append(_error("service", "code_unknown"))
        if outcome not in OUTCOMES:
            errors.append(_error("outcome", "outcome_unknown"))
        day: dt.date | None = None
        try:
            day = dt.date.fromisoformat(str(item.get("date") or ""))
        except ValueError:
            errors.append(_error("date", "date_format"))
        if day is not None and day > today:
            errors.append(_error("date", "date_in_future"))
        row = None
        if not errors:
            row = self.conn.execute(
                "SELECT state, referred_on, outcome_on FROM referrals WHERE uuid = ?"
                " AND service = ?",
                (uuid, service),
            ).fetchone()
            if row is None:
                errors.append(_error("service", "not_referred"))
            elif day is not None and day.isoformat() < str(row[1]):
                errors.append(_error("date", "date_before_referral"))
        if errors or row is None or day is None:
            raise ValidationError(errors)
        if row[0] == outcome and row[2] == day.isoformat():
            return None
        self.conn.execute(
            "UPDATE referrals SET state = ?, outcome_on = ?, outcome_by = ?, recorded_at = ?"
            " WHERE uuid = ? AND service = ?",
            (outcome, day.isoformat(), self.operator, stamp(), uuid, service),
        )
        detail: dict[str, Any] = {"service": service, "outcome": outcome, "on": day.isoformat()}
        if row[0] != "referred":
            detail["was"] = row[0]
        auditlog.append(self.conn, self.operator, "referral.outcome", uuid, detail)
        done = {
            "service": service,
            "state": outcome,  # checked: one of OUTCOMES
            "referred_on": str(row[1]),
            "outcome_on": day.isoformat(),
            "outcome_by": self.operator,
        }
        return cast(Referral, done)


__all__ = ["OUTCOMES", "Outcome", "Referral", "Referrals", "STATES"]
