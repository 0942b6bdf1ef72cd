"""The application record's sections and the checks across them (specs/cli.md): what each
kind needs, eligibility at save, the station's own keys; ``validate_application`` and friends."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from station import codes
from station.checks import id_birth_date, id_sex, uscc_problem
from station.errors import FieldError, ValidationError
from station.i18n import _
from station.profile import Profile
from station.record import DWELLING_TYPES, KINDS, SERVICES
from station.typedefs import ApplicationRecord
from station.validation.fields import HEX64, MESSAGES, UUID_RE, Collector, age_on

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
    "marital",  # GB/T 2261.2; optional (records saved before it existed stay valid)
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
MAX_MEMBERS = 50
MIN_AGE = 16
MIN_MONTHS = 6
MAX_MONTHS = 1200
WORK_REASONS = {"1", "3"}
STUDY_REASON = "6"
NEEDS_RESIDENCE = {"new", "endorsement", "change"}


@dataclass(frozen=True)
class Places:
    """What a residence is checked against: the city's districts and, from the station
    profile, the communities of each. Without a profile no community passes (a technician must
    import it) — unless ``unchecked``: the central service for a city it publishes no table
    for."""

    districts: Mapping[str, str]
    profile: Profile | None
    unchecked: bool = False

    @classmethod
    def of(cls, profile: Profile | None, city: str | None, unchecked: bool) -> Places:
        if profile is not None:
            return cls(profile.districts, profile)
        districts = codes.divisions(city) if city else {}
        return cls(districts or codes.all_districts(), None, unchecked)


def _person(c: Collector, person: dict[str, Any], path: str, full: bool) -> dict[str, Any]:
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
    c.code(person, "marital", f"{path}.marital", False, "marital")
    if idn is not None:
        if birth is not None and id_birth_date(idn) != birth:
            c.add(f"{path}.birth_date", "birth_date_mismatch")
        if sex in ("1", "2") and id_sex(idn) != sex:
            c.add(f"{path}.sex", "sex_mismatch")
        if birth is None:
            birth = id_birth_date(idn)
    return {"birth": birth, "id_number": idn}


def _residence(
    c: Collector, res: dict[str, Any], places: Places, birth: dt.date | None
) -> str | None:
    division = c.text(res, "division_code", "residence.division_code", True, 6, numeric=True)
    if division is not None and division not in places.districts:
        c.add("residence.division_code", "division_not_in_city")
        division = None
    community = c.text(res, "community", "residence.community", True, 50)
    if community and places.profile is None and not places.unchecked:
        c.add("residence.community", "profile_missing")
    elif (
        division
        and community
        and places.profile is not None
        and community not in places.profile.community_names(division)
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


def _dwelling(c: Collector, dwelling: dict[str, Any]) -> None:
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


def _employer(c: Collector, employer: dict[str, Any]) -> None:
    c.text(employer, "name", "employer.name", True, 100)
    uscc = c.text(employer, "uscc", "employer.uscc", True, 18, numeric=True)
    if uscc is not None:
        problem = uscc_problem(uscc)
        if problem:
            c.add("employer.uscc", problem)
    c.text(employer, "address", "employer.address", False, 100)
    c.phone(employer, "phone", "employer.phone", False)


def _guardian(c: Collector, guardian: dict[str, Any]) -> None:
    c.name(guardian, "name", "guardian.name", True)
    c.id_number(guardian, "id_number", "guardian.id_number", True)
    relation = c.text(guardian, "relation", "guardian.relation", True, 16)
    if relation is not None and relation not in codes.table("relations"):
        c.add("guardian.relation", "code_unknown")
    c.phone(guardian, "phone", "guardian.phone", True)


def _members(c: Collector, members: Any) -> None:
    if not isinstance(members, list):
        c.add("members", "type")
        return
    for i, raw in enumerate(members[:MAX_MEMBERS]):
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
    if len(members) > MAX_MEMBERS:
        c.add("members", "too_long", n=MAX_MEMBERS)


def _services(c: Collector, services: Any) -> None:
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


def _station_keys(c: Collector, record: dict[str, Any]) -> None:
    if "uuid" in record and not (isinstance(record["uuid"], str) and UUID_RE.match(record["uuid"])):
        c.add("uuid", "bad_value")
    if (
        "photo" in record
        and record["photo"] is not None
        and not (isinstance(record["photo"], str) and HEX64.match(record["photo"]))
    ):
        c.add("photo", "bad_value")
    for key in ("number", "captured_at", "operator", "state"):
        if key in record and not isinstance(record[key], str):
            c.add(key, "type")
    if "version" in record and (
        isinstance(record["version"], bool) or not isinstance(record["version"], int)
    ):
        c.add("version", "type")


def given_station_keys(record: object) -> list[FieldError]:
    """A new application from outside (the command line, an import, the desktop) carries none
    of the keys the station sets: the station makes the uuid, the number, the time and the
    operator, and the photo arrives as a picture, not as a hash. ``uuid`` etc. set to null
    count as absent."""
    if not isinstance(record, dict):
        return []
    return [
        FieldError(key, "station_key", _(MESSAGES["station_key"]))
        for key in sorted(STATION_KEYS)
        if record.get(key) is not None
    ]


def validate_application(
    record: object,
    *,
    today: dt.date | None = None,
    profile: Profile | None = None,
    city: str | None = None,
    unchecked_communities: bool = False,
) -> list[FieldError]:
    """Every problem of ``record``, all at once; never raises. The residence is checked
    against ``profile`` (the station profile: its city's districts and communities); without
    one, the district against ``city`` and the community is refused (``profile_missing``) —
    or, with ``unchecked_communities``, not checked."""
    c = Collector(today or dt.date.today())
    try:
        _validate(c, record, Places.of(profile, city, unchecked_communities))
    except RecursionError:  # absurdly nested input
        c.add("", "type")
    return c.errors


def _validate(c: Collector, record: object, places: Places) -> None:
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
        reason = _residence(c, residence, places, facts["birth"])
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
        and age_on(facts["birth"], c.today) < MIN_AGE
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
    members = out.get("members")
    dwelling = out.get("dwelling")
    for holder in (
        out.get("person"),
        dwelling.get("landlord") if isinstance(dwelling, dict) else None,
        out.get("guardian"),
        *(members if isinstance(members, list) else []),
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
    record: object,
    *,
    today: dt.date | None = None,
    profile: Profile | None = None,
    city: str | None = None,
    unchecked_communities: bool = False,
) -> ApplicationRecord:
    """The normalized record, or ``ValidationError`` with every problem."""
    if isinstance(record, dict):
        try:
            normalized = normalize_application(record)
        except RecursionError:
            raise ValidationError([FieldError("", "type", _(MESSAGES["type"]))]) from None
    else:
        normalized = record  # type: ignore[assignment]
    errors = validate_application(
        normalized,
        today=today,
        profile=profile,
        city=city,
        unchecked_communities=unchecked_communities,
    )
    if errors:
        raise ValidationError(errors)
    return cast(ApplicationRecord, normalized)  # checked: it has the record's shape


def validate_person(
    person: object, path: str = "person", today: dt.date | None = None, full: bool = True
) -> list[FieldError]:
    """Check a person sub-record alone (a card read, before the rest is typed)."""
    c = Collector(today or dt.date.today())
    obj = c.obj(person, path, PERSON_KEYS, True)
    if obj is not None:
        _person(c, obj, path, full)
    return c.errors
