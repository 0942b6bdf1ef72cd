"""Form ↔ record: the application record the four input pages describe, and the pages filled
from a record (a correction, a restored draft, a card's holder)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ui.intake.fields import MIN_AGE, PERSON_FIELDS, FieldSet, age_on
from ui.intake.pages import ApplicantPage, HouseholdPage, ResidencePage, ServicesPage


class IntakeForm:
    """The input pages read and written as one record (``station.record`` shape)."""

    def __init__(
        self,
        fields: FieldSet,
        applicant: ApplicantPage,
        residence: ResidencePage,
        household: HouseholdPage,
        services: ServicesPage,
    ) -> None:
        self.fields = fields
        self.applicant, self.residence = applicant, residence
        self.household, self.services = household, services

    def under_age(self) -> bool:
        age = age_on(self.fields.edits["person.birth_date"].text().strip(), dt.date.today())
        return age is not None and age < MIN_AGE

    def record(self, kind: str) -> dict[str, Any]:
        text = self.fields.text
        a, r, h = self.applicant, self.residence, self.household
        person = {k: text(f"person.{k}") for k in (*PERSON_FIELDS, "phone")}
        person["education"] = a.education.currentData()
        person["occupation"] = a.occupation.currentData()
        person["marital"] = a.marital.currentData()
        residence = {
            "division_code": r.district.currentData(),
            "community": r.community.currentData(),
            "address": text("residence.address"),
            "arrival_date": text("residence.arrival_date"),
            "intended_months": r.months.value(),
            "reason": r.reason.currentData(),
        }
        rec: dict[str, Any] = {
            "kind": kind,
            "person": {k: v for k, v in person.items() if v is not None},
            "residence": {k: v for k, v in residence.items() if v is not None},
            "dwelling": {"type": r.dwelling.currentData()},
            "employer": None,
            "guardian": None,
            "members": [m.value() for m in h.members],
            "services": [c for c, box in self.services.services.items() if box.isChecked()],
        }
        if rec["dwelling"]["type"] == "rented":
            rec["dwelling"]["landlord"] = {
                k: text(f"dwelling.landlord.{k}") or "" for k in ("name", "phone", "id_number")
            }
        if any(text(f"employer.{k}") for k in ("name", "uscc", "address", "phone")):
            employer = {k: text(f"employer.{k}") or "" for k in ("name", "uscc")}
            for k in ("address", "phone"):
                value = text(f"employer.{k}")
                if value:
                    employer[k] = value
            rec["employer"] = employer
        if self.under_age() or any(text(f"guardian.{k}") for k in ("name", "id_number", "phone")):
            guardian = {k: text(f"guardian.{k}") or "" for k in ("name", "id_number", "phone")}
            guardian["relation"] = h.guardian_relation.currentData()
            if any(guardian[k] for k in ("name", "id_number", "phone")):
                rec["guardian"] = guardian
        return rec

    def load(self, rec: dict[str, Any]) -> None:
        """Every widget from ``rec`` (what it does not name is emptied)."""
        edits = self.fields.edits
        a, r, h = self.applicant, self.residence, self.household
        person = rec.get("person") or {}
        for key in (*PERSON_FIELDS, "phone"):
            edits[f"person.{key}"].setText(str(person.get(key) or ""))
        for combo, value in (
            (a.education, person.get("education")),
            (a.occupation, person.get("occupation")),
            (a.marital, person.get("marital")),
        ):
            combo.setCurrentIndex(max(0, combo.findData(value)))
        residence = rec.get("residence") or {}
        r.select(residence.get("division_code"), residence.get("community"))
        for key in ("address", "arrival_date"):
            edits[f"residence.{key}"].setText(str(residence.get(key) or ""))
        r.months.setValue(int(residence.get("intended_months") or 12))
        i = r.reason.findData(residence.get("reason"))
        if i >= 0:
            r.reason.setCurrentIndex(i)
        dwelling = rec.get("dwelling") or {}
        i = r.dwelling.findData(dwelling.get("type"))
        if i >= 0:
            r.dwelling.setCurrentIndex(i)
        landlord = dwelling.get("landlord") or {}
        for key in ("name", "phone", "id_number"):
            edits[f"dwelling.landlord.{key}"].setText(str(landlord.get(key) or ""))
        employer = rec.get("employer") or {}
        for key in ("name", "uscc", "address", "phone"):
            edits[f"employer.{key}"].setText(str(employer.get(key) or ""))
        guardian = rec.get("guardian") or {}
        for key in ("name", "id_number", "phone"):
            edits[f"guardian.{key}"].setText(str(guardian.get(key) or ""))
        i = h.guardian_relation.findData(guardian.get("relation"))
        if i >= 0:
            h.guardian_relation.setCurrentIndex(i)
        while h.members:
            h.remove_member(h.members[-1])
        for member in rec.get("members") or []:
            h.add_member(member)
        for code, box in self.services.services.items():
            box.setChecked(code in (rec.get("services") or []))
        r.landlord_visible()


__all__ = ["IntakeForm"]
