"""Check characters of the citizen ID number (GB 11643) and the unified social credit code
(GB 32100), as pure functions (specs/reference-data.md)."""

from __future__ import annotations

import datetime as dt

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
    }
)

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    """Upper-case the check character (a lower-case ``x`` is accepted and shown as ``X``)."""
    return value.strip().upper()


def id_number_problem(value: str) -> str | None:
    """``None`` for a well-formed ID number, else a stable problem code:
    ``id_format``, ``id_province``, ``id_birth_date``, ``id_check_digit``."""
    v = normalize_id_number(value)
    if (
        len(v) != 18
        or not v.isascii()
        or not v[:17].isdigit()
        or not (v[17].isdigit() or v[17] == "X")
    ):
        return "id_format"
    if v[:2] not in ID_PROVINCES:
        return "id_province"
    if id_birth_date(v) is None:
        return "id_birth_date"
    if id_check_char(v[:17]) != v[17]:
        return "id_check_digit"
    return None


def id_number_valid(value: str) -> bool:
    return id_number_problem(value) is None


def id_birth_date(value: str) -> dt.date | None:
    """The birth date encoded in positions 7-14, or ``None`` when it is not a real date."""
    v = value.strip()
    if len(v) < 14 or not v[6:14].isdigit():
        return None
    try:
        return dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return None


def id_sex(value: str) -> str:
    """GB/T 2261.1 sex code from the sequence digit: odd ``1`` (male), even ``2`` (female)."""
    return "1" if int(value[16]) % 2 == 1 else "2"


def uscc_check_char(first17: str) -> str:
    if len(first17) != 17 or any(c not in USCC_CHARS for c in first17):
        raise ValueError("need 17 characters of the USCC set")
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """``None`` for a well-formed USCC, else ``uscc_format`` or ``uscc_check_char``."""
    v = value.strip().upper()
    if len(v) != 18 or any(c not in USCC_CHARS for c in v):
        return "uscc_format"
    if uscc_check_char(v[:17]) != v[17]:
        return "uscc_check_char"
    return None


def uscc_valid(value: str) -> bool:
    return uscc_problem(value) is None


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """A valid ID number for synthetic data (tests, demo, benchmarks): never a real person's."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)
