"""Eligibility facts of a valid record (居住证暂行条例): for reviews and reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from station.validation.fields import age_on
from station.validation.record import MIN_AGE, MIN_MONTHS, STUDY_REASON


def eligibility(record: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """The eligibility facts of a (valid) record, for reviews and reports."""
    today = today or dt.date.today()
    person = record.get("person") or {}
    residence = record.get("residence") or {}
    birth = None
    if isinstance(person.get("birth_date"), str):
        try:
            birth = dt.date.fromisoformat(person["birth_date"])
        except ValueError:
            birth = None
    age = age_on(birth, today) if birth else None
    grounds = []
    if record.get("employer"):
        grounds.append("employment")
    if record.get("dwelling"):
        grounds.append("residence")
    if residence.get("reason") == STUDY_REASON:
        grounds.append("study")
    reasons = []
    if age is not None and age < MIN_AGE and not record.get("guardian"):
        reasons.append("under_16_needs_guardian")
    months = residence.get("intended_months")
    if not isinstance(months, int) or months < MIN_MONTHS:
        reasons.append("stay_too_short")
    if not grounds:
        reasons.append("not_eligible")
    return {
        "eligible": not reasons,
        "age": age,
        "grounds": grounds,
        "reasons": reasons,
        "guardian": bool(record.get("guardian")),
    }
