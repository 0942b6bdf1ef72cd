"""Every rule on a station profile document, with every problem at once in the one error shape
(``FieldError(field, code, message)``, ``field`` a dotted path: ``communities.12.code``).

The same checks run on a file a technician imports, on a table the central service publishes
(there and at the station that fetches it) and on the demo table. A document passes only whole:
nothing of it is used when one row is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from station import codes
from station.errors import FieldError, ValidationError
from station.i18n import N_, _
from station.profile import (
    FORMAT,
    STATION_KEYS,
    VERSION_RE,
    Community,
    Profile,
    StationInfo,
    Street,
)

TOP_KEYS = {"format", "version", "city", "station", "streets", "communities"}
ROW_KEYS = {"code", "name"}
MAX_STREETS = 5_000
MAX_COMMUNITIES = 50_000
MAX_ERRORS = 200
STREET_NAME_MAX = 30
COMMUNITY_NAME_MAX = 50  # the record's residence.community takes at most 50
STATION_MAX = {"name": 50, "address": 100, "phone": 30}
_PHONE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?|\d{5,8})$")
# categories refused in names: control, format (bidi overrides, zero-width), surrogates,
# private use, unassigned, line and paragraph separators
_BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}

MESSAGES: dict[str, str] = {
    "not_profile": N_(
        'This is not a station profile (a JSON object with "format": "station-profile")'
    ),
    "required": N_("This field is required"),
    "type": N_("This field has the wrong type"),
    "unknown_field": N_("Unknown field"),
    "too_long": N_("Too long (at most {n} characters)"),
    "bad_chars": N_("Control, formatting or invisible characters are not allowed here"),
    "version_format": N_(
        "A version is letters and digits in parts separated by '.', '-' or '_' (e.g. 2026.3)"
    ),
    "city_unknown": N_("Not a city the station has division codes for (4 digits, e.g. 6101)"),
    "street_code_format": N_("A street code has 9 digits: the district's 6 and 3 more"),
    "community_code_format": N_("A community code has 12 digits: the street's 9 and 3 more"),
    "code_zero": N_("The last three digits of a code are not 000"),
    "district_not_in_city": N_("The code's first 6 digits are not a current district of the city"),
    "street_unknown": N_("The code's first 9 digits are not a street of this profile"),
    "duplicate_code": N_("This code appears twice"),
    "duplicate_name": N_("Another row of the same district has this name"),
    "phone": N_("Enter a phone number: a landline with area code or an 11-digit mobile"),
    "empty": N_("The list is empty"),
    "too_many": N_("Too many rows (at most {n})"),
    "too_many_errors": N_("More problems than shown: fix these and check again"),
}


class _Problems:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.more = False

    def add(self, field: str, code: str, **params: Any) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.more = True
            return
        self.errors.append(FieldError(field, code, _(MESSAGES[code], **params)))

    def result(self) -> list[FieldError]:
        if self.more:
            return [*self.errors, FieldError("", "too_many_errors", _(MESSAGES["too_many_errors"]))]
        return self.errors


def bad_chars(text: str) -> bool:
    return any(unicodedata.category(c) in _BAD_CATEGORIES for c in text)


def _text(p: _Problems, value: Any, field: str, max_len: int, required: bool) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a spreadsheet cell holding a number
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            p.add(field, "required")
        return None
    if not isinstance(value, str):
        p.add(field, "type")
        return None
    text = unicodedata.normalize("NFC", value.strip())
    if bad_chars(text):
        p.add(field, "bad_chars")
        return None
    if len(text) > max_len:
        p.add(field, "too_long", n=max_len)
        return None
    return text


def _code(p: _Problems, value: Any, field: str, digits: int, format_code: str) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        p.add(field, "required")
        return None
    if not isinstance(value, str) or not re.fullmatch(rf"[0-9]{{{digits}}}", value.strip()):
        p.add(field, format_code)
        return None
    code = value.strip()
    if code.endswith("000"):
        p.add(field, "code_zero")
        return None
    return code


def _rows(p: _Problems, value: Any, field: str, limit: int) -> list[Any]:
    if value is None:
        p.add(field, "required")
        return []
    if not isinstance(value, list):
        p.add(field, "type")
        return []
    if not value:
        p.add(field, "empty")
    if len(value) > limit:
        p.add(field, "too_many", n=limit)
        return []
    return value


def _row(p: _Problems, raw: Any, field: str) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        p.add(field, "type")
        return None
    for key in raw:
        if key not in ROW_KEYS:
            p.add(f"{field}.{key}", "unknown_field")
    return raw


def _station(p: _Problems, raw: Any) -> StationInfo:
    if raw is None:
        return StationInfo()
    if not isinstance(raw, dict):
        p.add("station", "type")
        return StationInfo()
    for key in raw:
        if key not in STATION_KEYS:
            p.add(f"station.{key}", "unknown_field")
    values = {
        key: _text(p, raw.get(key), f"station.{key}", STATION_MAX[key], key == "name") or ""
        for key in STATION_KEYS
    }
    if values["phone"] and not _PHONE.match(values["phone"]):
        p.add("station.phone", "phone")
    return StationInfo(values["name"], values["address"], values["phone"])


def _streets(p: _Problems, rows: list[Any], city: str | None) -> dict[str, Street]:
    districts = codes.divisions(city) if city else {}
    out: dict[str, Street] = {}
    names: set[tuple[str, str]] = set()
    for i, raw in enumerate(rows):
        field = f"streets.{i}"
        row = _row(p, raw, field)
        if row is None:
            continue
        code = _code(p, row.get("code"), f"{field}.code", 9, "street_code_format")
        name = _text(p, row.get("name"), f"{field}.name", STREET_NAME_MAX, True)
        if code is not None:
            if districts and code[:6] not in districts:
                p.add(f"{field}.code", "district_not_in_city")
                code = None
            elif code in out:
                p.add(f"{field}.code", "duplicate_code")
                code = None
        if code is not None and name is not None:
            if (code[:6], name) in names:
                p.add(f"{field}.name", "duplicate_name")
                continue
            names.add((code[:6], name))
            out[code] = Street(code, name)
    return out


def _communities(p: _Problems, rows: list[Any], streets: dict[str, Street]) -> list[Community]:
    out: list[Community] = []
    codes_seen: set[str] = set()
    names: set[tuple[str, str]] = set()
    for i, raw in enumerate(rows):
        field = f"communities.{i}"
        row = _row(p, raw, field)
        if row is None:
            continue
        code = _code(p, row.get("code"), f"{field}.code", 12, "community_code_format")
        name = _text(p, row.get("name"), f"{field}.name", COMMUNITY_NAME_MAX, True)
        if code is not None:
            if code in codes_seen:
                p.add(f"{field}.code", "duplicate_code")
                code = None
            else:
                codes_seen.add(code)
                if code[:9] not in streets:
                    # a street left out, or refused above: either way not one of this profile
                    p.add(f"{field}.code", "street_unknown")
                    code = None
        if code is not None and name is not None:
            if (code[:6], name) in names:
                p.add(f"{field}.name", "duplicate_name")
                continue
            names.add((code[:6], name))
            street = streets[code[:9]]
            out.append(Community(code, name, street.code, street.name))
    return out


def parse_document(doc: Any, *, tables_only: bool = False) -> Profile:
    """The profile ``doc`` describes, or ``ValidationError`` with every problem (at most
    ``MAX_ERRORS`` and a last one saying there are more). ``tables_only``: a table the central
    service publishes, which carries no ``station``."""
    p = _Problems()
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        p.add("format" if isinstance(doc, dict) else "", "not_profile")
        raise ValidationError(p.result())
    for key in doc:
        if key not in TOP_KEYS or (tables_only and key == "station"):
            p.add(str(key), "unknown_field")
    version = doc.get("version")
    if version is None or version == "":
        p.add("version", "required")
        version = None
    elif not isinstance(version, str) or not VERSION_RE.match(version):
        p.add("version", "version_format")
        version = None
    city = doc.get("city")
    if isinstance(city, int) and not isinstance(city, bool):
        city = str(city)
    if city is None or city == "":
        p.add("city", "required")
        city = None
    elif (
        not isinstance(city, str)
        or not re.fullmatch(r"[0-9]{4}", city)
        or not codes.divisions(city)
    ):
        p.add("city", "city_unknown")
        city = None
    station = _station(p, doc.get("station"))
    street_rows = _rows(p, doc.get("streets"), "streets", MAX_STREETS)
    community_rows = _rows(p, doc.get("communities"), "communities", MAX_COMMUNITIES)
    streets = _streets(p, street_rows, city)
    communities = _communities(p, community_rows, streets)
    errors = p.result()
    if errors:
        raise ValidationError(errors)
    assert version is not None and city is not None  # no error means both were good
    return Profile(
        version=version,
        city=city,
        streets=tuple(streets.values()),
        communities=tuple(communities),
        station=station,
    )


__all__ = ["MESSAGES", "bad_chars", "parse_document"]
