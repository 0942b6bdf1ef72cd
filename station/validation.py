"""Validation of the application record (specs/cli.md, specs/reference-data.md).

``validate_application`` returns every problem at once, as ``FieldError(field, code, message)``
with a dotted path, a stable code and a translated message that never repeats the input value.
It never raises, whatever it is given, and is fast enough to run on every keystroke.

What each kind needs (a decision, the specs are silent):

- ``new``: person, residence, dwelling; eligibility checked (age ≥ 16 or a guardian, stay ≥ 6
  months, one of stable employment / stable residence / continuous study).
- ``endorsement`` and ``change``: person, residence, dwelling (the holder must still qualify).
- ``replacement`` and ``deregistration``: the person; the rest is optional.

Holders of Hong Kong/Macau/Taiwan residence permits (ID numbers 81/82/83…) and foreigners
(numbers starting with 9) are not issued this permit: ``card_type_not_eligible``.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any, cast

from station import codes
from station.checks import ID_PROVINCES, id_birth_date, id_number_problem, id_sex, uscc_problem
from station.errors import FieldError, ValidationError
from station.i18n import N_, _
from station.record import DWELLING_TYPES, KINDS, SERVICES
from station.typedefs import ApplicationRecord

STATION_KEYS = {"uuid", "number", "captured_at", "operator", "photo", "state", "version"}
TOP_KEYS = {
    "kind",
    "person",
    "residence",
    "dwelling",
    "employer",
    "guardian",
    "members",
    "services",
} | STATION_KEYS
PERSON_KEYS = {
    "id_number",
    "name",
    "sex",
    "ethnic",
    "birth_date",
    "hukou_address",
    "id_authority",
    "id_valid_from",
    "id_valid_to",
    "phone",
    "education",
    "occupation",
}
RESIDENCE_KEYS = {
    "division_code",
    "community",
    "address",
    "arrival_date",
    "intended_months",
    "reason",
}
DWELLING_KEYS = {"type", "landlord"}
LANDLORD_KEYS = {"name", "phone", "id_number"}
EMPLOYER_KEYS = {"name", "uscc", "address", "phone"}
GUARDIAN_KEYS = {"name", "id_number", "relation", "phone"}
MEMBER_KEYS = {"relation", "name", "id_number", "birth_date"}

LONG_TERM = "长期"
MIN_AGE = 16
MIN_MONTHS = 6
MAX_MONTHS = 1200
WORK_REASONS = {"1", "3"}
STUDY_REASON = "6"
NEEDS_RESIDENCE = {"new", "endorsement", "change"}

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAME = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffffA-Za-z·•. ]+$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

MESSAGES: dict[str, str] = {
    "required": N_("This field is required"),
    "type": N_("This field has the wrong type"),
    "unknown_field": N_("Unknown field"),
    "too_long": N_("Too long (at most {n} characters)"),
    "empty": N_("This field must not be empty"),
    "id_format": N_("An ID number has 17 digits and a check digit (0-9 or X)"),
    "id_province": N_("The ID number does not start with a valid province code"),
    "id_birth_date": N_("The birth date inside the ID number is not a real date"),
    "id_check_digit": N_("The ID number's check digit is wrong; check for a typing error"),
    "birth_date_mismatch": N_("The birth date does not match the ID number"),
    "sex_mismatch": N_("The sex does not match the ID number"),
    "uscc_format": N_(
        "A unified social credit code has 18 characters (digits and capital "
        "letters except I, O, S, V, Z)"
    ),
    "uscc_check_char": N_("The unified social credit code's check character is wrong"),
    "phone": N_("Enter an 11-digit mobile number or a landline with area code"),
    "date_format": N_("Enter a date as YYYY-MM-DD"),
    "date_in_future": N_("This date is in the future"),
    "date_before_birth": N_("This date is before the birth date"),
    "valid_to_before_from": N_("The ID card's expiry is before its issue date"),
    "id_expired": N_("The ID card has expired; the applicant needs a valid ID card"),
    "code_unknown": N_("Not a code of the table"),
    "division_not_in_city": N_("This district is not in the station's city"),
    "community_unknown": N_("This community is not in the district's table"),
    "under_16_needs_guardian": N_("The applicant is under 16: a guardian must apply"),
    "stay_too_short": N_("The intended stay must be at least 6 months"),
    "stay_too_long": N_("The intended stay is at most 1200 months"),
    "employer_required": N_("The employer is required when the reason is work or business"),
    "landlord_required": N_("The landlord is required for a rented dwelling"),
    "not_eligible": N_(
        "Not eligible: needs stable employment, stable residence or continuous study"
    ),
    "duplicate_service": N_("This service is listed twice"),
    "card_type_not_eligible": N_(
        "Residents of Hong Kong, Macau and Taiwan and foreigners are "
        "not issued this residence permit"
    ),
    "name_chars": N_("A name has Chinese characters, letters, spaces or '·' only"),
    "bad_value": N_("Invalid value"),
    "kind": N_("Unknown kind of application"),
    "negative": N_("Must be a whole number"),
}


class _Collector:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.errors: list[FieldError] = []

    def add(self, field: str, code: str, **params: Any) -> None:
        self.errors.append(FieldError(field, code, _(MESSAGES.get(code, code), **params)))

    def obj(
        self, value: Any, field: str, allowed: set[str], required: bool
    ) -> dict[str, Any] | None:
        if value is None:
            if required:
                self.add(field, "required")
            return None
        if not isinstance(value, dict):
            self.add(field, "type")
            return None
        for key in value:
            if key not in allowed:
                self.add(f"{field}.{key}" if field else str(key), "unknown_field")
        return value

    def text(
        self, parent: dict[str, Any], key: str, field: str, required: bool, max_len: int
    ) -> str | None:
        value = parent.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(field, "required")
            return None
        if not isinstance(value, str):
            self.add(field, "type")
            return None
        value = value.strip()
        if len(value) > max_len:
            self.add(field, "too_long", n=max_len)
            return None
        if any(ord(c) < 32 for c in value):
            self.add(field, "bad_value")
            return None
        return value

    def name(self, parent: dict[str, Any], key: str, field: str, required: bool) -> str | None:
        value = self.text(parent, key, field, required, 30)
        if value is not None and not _NAME.match(value):
            self.add(field, "name_chars")
            return None
        return value

    def code(
        self, parent: dict[str, Any], key: str, field: str, required: bool, table: str
    ) -> str | None:
        value = self.text(parent, key, field, required, 8)
        if value is not None and value not in codes.table(table):
            self.add(field, "code_unknown")
            return None
        return value

    def date(
        self, parent: dict[str, Any], key: str, field: str, required: bool, past: bool = True
    ) -> dt.date | None:
        value = self.text(parent, key, field, required, 10)
        if value is None:
            return None
        if not _ISO_DATE.match(value):
            self.add(field, "date_format")
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.add(field, "date_format")
            return None
        if past and day > self.today:
            self.add(field, "date_in_future")
            return None
        return day

    def phone(self, parent: dict[str, Any], key: str, field: str, required: bool) -> None:
        value = self.text(parent, key, field, required, 20)
        if value is not None and not (_MOBILE.match(value) or _LANDLINE.match(value)):
            self.add(field, "phone")

    def id_number(
        self,
        parent: dict[str, Any],
        key: str,
        field: str,
        required: bool,
        permit_holder: bool = False,
    ) -> str | None:
        value = self.text(parent, key, field, required, 18)
        if value is None:
            return None
        value = value.upper()
        problem = id_number_problem(value)
        if problem:
            self.add(field, problem)
            return None
        if permit_holder and (value[:2] in ("81", "82", "83") or value[0] == "9"):
            self.add(field, "card_type_not_eligible")
            return None
        return value


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _person(c: _Collector, person: dict[str, Any], path: str, full: bool) -> dict[str, Any]:
    """Validate the applicant; returns what later rules need (birth date, sex…)."""
    idn = c.id_number(person, "id_number", f"{path}.id_number", True, permit_holder=True)
    c.name(person, "name", f"{path}.name", True)
    sex = c.code(person, "sex", f"{path}.sex", full, "sex")
    c.code(person, "ethnic", f"{path}.ethnic", full, "ethnic")
    birth = c.date(person, "birth_date", f"{path}.birth_date", full)
    c.text(person, "hukou_address", f"{path}.hukou_address", full, 70)
    c.text(person, "id_authority", f"{path}.id_authority", False, 30)
    valid_from = c.date(person, "id_valid_from", f"{path}.id_valid_from", False)
    raw_to = person.get("id_valid_to")
    if isinstance(raw_to, str) and raw_to.strip() == LONG_TERM:
        pass
    else:
        valid_to = c.date(person, "id_valid_to", f"{path}.id_valid_to", False, past=False)
        if valid_to is not None:
            if valid_from is not None and valid_to < valid_from:
                c.add(f"{path}.id_valid_to", "valid_to_before_from")
            elif valid_to < c.today:
                c.add(f"{path}.id_valid_to", "id_expired")
    c.phone(person, "phone", f"{path}.phone", full)
    c.code(person, "education", f"{path}.education", False, "education")
    c.code(person, "occupation", f"{path}.occupation", False, "occupation")
    if idn is not None:
        if birth is not None and id_birth_date(idn) != birth:
            c.add(f"{path}.birth_date", "birth_date_mismatch")
        if sex in ("1", "2") and id_sex(idn) != sex:
            c.add(f"{path}.sex", "sex_mismatch")
        if birth is None:
            birth = id_birth_date(idn)
    return {"birth": birth, "id_number": idn}


def _residence(
    c: _Collector, res: dict[str, Any], city: str | None, birth: dt.date | None
) -> str | None:
    division = c.text(res, "division_code", "residence.division_code", True, 6)
    if division is not None:
        districts = codes.divisions(city) if city else codes.all_districts()
        if city and not districts:
            districts = codes.all_districts()
        if division not in districts:
            c.add("residence.division_code", "division_not_in_city")
            division = None
    community = c.text(res, "community", "residence.community", True, 50)
    if (
        division
        and community
        and codes.communities(division)
        and community not in codes.community_names(division)
    ):
        c.add("residence.community", "community_unknown")
    c.text(res, "address", "residence.address", True, 100)
    arrival = c.date(res, "arrival_date", "residence.arrival_date", True)
    if arrival is not None and birth is not None and arrival < birth:
        c.add("residence.arrival_date", "date_before_birth")
    months = res.get("intended_months")
    if months is None:
        c.add("residence.intended_months", "required")
    elif isinstance(months, bool) or not isinstance(months, int):
        c.add("residence.intended_months", "type")
    elif months < 0:
        c.add("residence.intended_months", "negative")
    elif months < MIN_MONTHS:
        c.add("residence.intended_months", "stay_too_short")
    elif months > MAX_MONTHS:
        c.add("residence.intended_months", "stay_too_long")
    return c.code(res, "reason", "residence.reason", True, "reason")


def _dwelling(c: _Collector, dwelling: dict[str, Any]) -> None:
    kind = c.text(dwelling, "type", "dwelling.type", True, 16)
    if kind is not None and kind not in DWELLING_TYPES:
        c.add("dwelling.type", "code_unknown")
    landlord = c.obj(dwelling.get("landlord"), "dwelling.landlord", LANDLORD_KEYS, False)
    if kind == "rented" and landlord is None and dwelling.get("landlord") is None:
        c.errors.append(
            FieldError("dwelling.landlord", "landlord_required", _(MESSAGES["landlord_required"]))
        )
    if landlord is not None:
        c.name(landlord, "name", "dwelling.landlord.name", kind == "rented")
        c.phone(landlord, "phone", "dwelling.landlord.phone", kind == "rented")
        c.id_number(landlord, "id_number", "dwelling.landlord.id_number", kind == "rented")


def _employer(c: _Collector, employer: dict[str, Any]) -> None:
    c.text(employer, "name", "employer.name", True, 100)
    uscc = c.text(employer, "uscc", "employer.uscc", True, 18)
    if uscc is not None:
        problem = uscc_problem(uscc)
        if problem:
            c.add("employer.uscc", problem)
    c.text(employer, "address", "employer.address", False, 100)
    c.phone(employer, "phone", "employer.phone", False)


def _guardian(c: _Collector, guardian: dict[str, Any]) -> None:
    c.name(guardian, "name", "guardian.name", True)
    c.id_number(guardian, "id_number", "guardian.id_number", True)
    relation = c.text(guardian, "relation", "guardian.relation", True, 16)
    if relation is not None and relation not in codes.table("relations"):
        c.add("guardian.relation", "code_unknown")
    c.phone(guardian, "phone", "guardian.phone", True)


def _members(c: _Collector, members: Any) -> None:
    if not isinstance(members, list):
        c.add("members", "type")
        return
    for i, raw in enumerate(members[:50]):
        path = f"members.{i}"
        member = c.obj(raw, path, MEMBER_KEYS, True)
        if member is None:
            continue
        relation = c.text(member, "relation", f"{path}.relation", True, 16)
        if relation is not None and relation not in codes.table("relations"):
            c.add(f"{path}.relation", "code_unknown")
        c.name(member, "name", f"{path}.name", True)
        idn = c.id_number(member, "id_number", f"{path}.id_number", False)
        birth = c.date(member, "birth_date", f"{path}.birth_date", True)
        if idn and birth and id_birth_date(idn) != birth:
            c.add(f"{path}.birth_date", "birth_date_mismatch")
    if len(members) > 50:
        c.add("members", "too_long", n=50)


def _services(c: _Collector, services: Any) -> None:
    if not isinstance(services, list):
        c.add("services", "type")
        return
    seen: set[str] = set()
    for i, s in enumerate(services[:20]):
        if not isinstance(s, str):
            c.add(f"services.{i}", "type")
        elif s not in SERVICES:
            c.add(f"services.{i}", "code_unknown")
        elif s in seen:
            c.add(f"services.{i}", "duplicate_service")
        else:
            seen.add(s)


def _station_keys(c: _Collector, record: dict[str, Any]) -> None:
    if "uuid" in record and not (isinstance(record["uuid"], str) and _UUID.match(record["uuid"])):
        c.add("uuid", "bad_value")
    if (
        "photo" in record
        and record["photo"] is not None
        and not (isinstance(record["photo"], str) and _HEX64.match(record["photo"]))
    ):
        c.add("photo", "bad_value")
    for key in ("number", "captured_at", "operator", "state"):
        if key in record and not isinstance(record[key], str):
            c.add(key, "type")
    if "version" in record and (
        isinstance(record["version"], bool) or not isinstance(record["version"], int)
    ):
        c.add("version", "type")


def validate_application(
    record: object, *, today: dt.date | None = None, city: str | None = None
) -> list[FieldError]:
    """Every problem of ``record``, all at once; never raises."""
    c = _Collector(today or dt.date.today())
    try:
        _validate(c, record, city)
    except RecursionError:  # absurdly nested input
        c.add("", "type")
    return c.errors


def _validate(c: _Collector, record: object, city: str | None) -> None:
    top = c.obj(record, "", TOP_KEYS, True)
    if top is None:
        if not c.errors:
            c.add("", "type")
        return
    kind = top.get("kind")
    if kind is None:
        c.add("kind", "required")
    elif not isinstance(kind, str) or kind not in KINDS:
        c.add("kind", "kind")
        kind = None
    full = kind in NEEDS_RESIDENCE or kind is None
    _station_keys(c, top)
    person = c.obj(top.get("person"), "person", PERSON_KEYS, True)
    facts: dict[str, Any] = {"birth": None}
    if person is not None:
        facts = _person(c, person, "person", full)
    reason = None
    residence = c.obj(top.get("residence"), "residence", RESIDENCE_KEYS, full)
    if residence is not None:
        reason = _residence(c, residence, city, facts["birth"])
    dwelling = c.obj(top.get("dwelling"), "dwelling", DWELLING_KEYS, full)
    if dwelling is not None:
        _dwelling(c, dwelling)
    employer = c.obj(top.get("employer"), "employer", EMPLOYER_KEYS, False)
    if employer is not None:
        _employer(c, employer)
    elif reason in WORK_REASONS and kind in NEEDS_RESIDENCE:
        c.add("employer", "employer_required")
    guardian = c.obj(top.get("guardian"), "guardian", GUARDIAN_KEYS, False)
    if guardian is not None:
        _guardian(c, guardian)
    elif (
        facts["birth"] is not None
        and kind in NEEDS_RESIDENCE
        and _age(facts["birth"], c.today) < MIN_AGE
    ):
        c.add("guardian", "under_16_needs_guardian")
    if top.get("members") is not None:
        _members(c, top["members"])
    if top.get("services") is not None:
        _services(c, top["services"])
    if (
        kind in NEEDS_RESIDENCE
        and dwelling is None
        and employer is None
        and reason != STUDY_REASON
        and residence is not None
    ):
        c.add("", "not_eligible")


def normalize_application(record: dict[str, Any]) -> dict[str, Any]:
    """Strip strings, upper-case ID numbers and credit codes, drop empty optional objects."""
    out: dict[str, Any] = copy.deepcopy(record)

    def strip(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: strip(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [strip(v) for v in obj]
        return obj.strip() if isinstance(obj, str) else obj

    out = strip(out)
    for holder in (
        out.get("person"),
        (out.get("dwelling") or {}).get("landlord"),
        out.get("guardian"),
        *(out.get("members") or []),
    ):
        if isinstance(holder, dict) and isinstance(holder.get("id_number"), str):
            holder["id_number"] = holder["id_number"].upper()
    if isinstance(out.get("employer"), dict) and isinstance(out["employer"].get("uscc"), str):
        out["employer"]["uscc"] = out["employer"]["uscc"].upper()
    for key in ("employer", "guardian"):
        if key in out and out[key] in ({}, None):
            out[key] = None
    out.setdefault("members", [])
    out.setdefault("services", [])
    return out


def check_application(
    record: object, *, today: dt.date | None = None, city: str | None = None
) -> ApplicationRecord:
    """The normalized record, or ``ValidationError`` with every problem."""
    if isinstance(record, dict):
        try:
            normalized = normalize_application(record)
        except RecursionError:
            raise ValidationError([FieldError("", "type", _(MESSAGES["type"]))]) from None
    else:
        normalized = record  # type: ignore[assignment]
    errors = validate_application(normalized, today=today, city=city)
    if errors:
        raise ValidationError(errors)
    return cast(ApplicationRecord, normalized)  # checked: it has the record's shape


def validate_person(
    person: object, path: str = "person", today: dt.date | None = None, full: bool = True
) -> list[FieldError]:
    """Check a person sub-record alone (a card read, before the rest is typed)."""
    c = _Collector(today or dt.date.today())
    obj = c.obj(person, path, PERSON_KEYS, True)
    if obj is not None:
        _person(c, obj, path, full)
    return c.errors


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
    age = _age(birth, today) if birth else None
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


__all__ = [
    "validate_application",
    "check_application",
    "normalize_application",
    "validate_person",
    "eligibility",
    "MESSAGES",
    "ID_PROVINCES",
]
