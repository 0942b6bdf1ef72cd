"""Field-level checks of the application record: the messages every error code has, and the
collector that checks one value at a time (text, names, codes, dates, phones, ID numbers) and
gathers every problem with its dotted path. Messages never repeat the input value."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from station import codes
from station.checks import id_number_problem
from station.errors import FieldError
from station.i18n import N_, _

HEX64 = re.compile(r"^[0-9a-f]{64}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAME = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffffA-Za-z·•. ]+$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")

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
    "profile_missing": N_(
        "No station profile is loaded, so no community can be checked: a technician must "
        "import the city's profile ('station profile import FILE')"
    ),
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


class Collector:
    """Checks values one at a time and gathers every problem (``errors``)."""

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


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
