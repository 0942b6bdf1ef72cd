"""The 256-byte text block of an ID card (UCS-2 little-endian), decoded into the application
record's names. Resident cards, Hong Kong/Macau/Taiwan residence permits (``J``) and foreign
permanent-residence cards (``I`` 2017, ``Y`` 2023) each have their layout (specs/id-reader.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from station.checks import id_birth_date, id_number_problem, normalize_id_number
from station.errors import DeviceError
from station.i18n import _

LONG_TERM = "长期"
CARD_TYPES = {
    " ": "resident",
    "\x00": "resident",
    "J": "hmt_residence",
    "I": "foreign_2017",
    "Y": "foreign_2023",
}


def _field(block: bytes, offset: int, size: int) -> str:
    raw = block[offset : offset + size]
    text = raw.decode("utf-16-le", errors="replace")
    return text.replace("\x00", " ").strip()


def _date(text: str) -> str | None:
    if len(text) == 8 and text.isdigit():
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
        except ValueError:
            return None
    return None


def _invalid(why: str) -> DeviceError:
    # Never the value itself: the message may reach logs.
    return DeviceError(
        "card_data_invalid",
        _(
            "The card's data is not consistent ({why}): place the card again; if it repeats, the "
            "card may be damaged",
            why=why,
        ),
    )


def card_type(block: bytes) -> str:
    flag = block[248:250].decode("utf-16-le", errors="replace")
    return CARD_TYPES.get(flag, "unknown")


def decode_text(block: bytes) -> dict[str, Any]:
    """``{"person": {...}, "card": {"type": ...}}`` or a typed error; never half a record."""
    if len(block) != 256:
        raise _invalid("length")
    kind = card_type(block)
    if kind == "unknown":
        raise DeviceError("unknown_card_type", _("Unknown card type: this is not an ID card"))
    if kind.startswith("foreign"):
        return _foreign(block, kind)
    person: dict[str, Any] = {
        "name": _field(block, 0, 30),
        "sex": _field(block, 30, 2),
        "birth_date": _date(_field(block, 36, 16)),
        "hukou_address": _field(block, 52, 70),
        "id_number": normalize_id_number(_field(block, 122, 36)),
        "id_authority": _field(block, 158, 30),
        "id_valid_from": _date(_field(block, 188, 16)),
    }
    valid_to = _field(block, 204, 16)
    person["id_valid_to"] = LONG_TERM if valid_to == LONG_TERM else _date(valid_to)
    card: dict[str, Any] = {"type": kind}
    if kind == "resident":
        person["ethnic"] = _field(block, 32, 4)
    else:
        card["pass_number"] = _field(block, 220, 18)
        card["issue_count"] = _field(block, 238, 4)
    _check(person, kind)
    return {"person": person, "card": card}


def _check(person: dict[str, Any], kind: str) -> None:
    if not person["name"] or "\ufffd" in person["name"]:
        raise _invalid("name")
    if person["sex"] not in ("1", "2"):
        raise _invalid("sex")
    if kind == "resident" and not (
        len(person.get("ethnic", "")) == 2 and person["ethnic"].isdigit()
    ):
        raise _invalid("ethnic group")
    if person["birth_date"] is None:
        raise _invalid("birth date")
    if person["id_valid_from"] is None or person["id_valid_to"] is None:
        raise _invalid("validity")
    problem = id_number_problem(person["id_number"])
    if problem:
        raise _invalid("ID number")
    if id_birth_date(person["id_number"]).isoformat() != person["birth_date"]:  # type: ignore[union-attr]
        raise _invalid("birth date and ID number differ")
    if (int(person["id_number"][16]) % 2 == 1) != (person["sex"] == "1"):
        raise _invalid("sex and ID number differ")
    if kind == "hmt_residence" and person["id_number"][:2] not in ("81", "82", "83"):
        raise _invalid("ID number of a Hong Kong/Macau/Taiwan permit")


def _foreign(block: bytes, kind: str) -> dict[str, Any]:
    english = _field(block, 0, 120)
    sex = _field(block, 120, 2)
    number = _field(block, 122, 30)
    nationality = _field(block, 152, 6)
    chinese = _field(block, 158, 30)
    issued = _date(_field(block, 188, 16))
    expiry = _date(_field(block, 204, 16))
    birth = _date(_field(block, 220, 16))
    if not english or sex not in ("1", "2") or not number or birth is None or issued is None:
        raise _invalid("foreign card fields")
    return {
        "person": {
            "name": chinese or english,
            "sex": sex,
            "birth_date": birth,
            "id_number": number,
            "id_valid_from": issued,
            "id_valid_to": expiry,
        },
        "card": {
            "type": kind,
            "english_name": english,
            "nationality": nationality,
            "chinese_name": chinese,
            "card_number": number,
        },
    }


def refuse_for_permit(card: dict[str, Any]) -> None:
    """Holders of these cards are not issued the residence permit: say so clearly."""
    kind = (card.get("card") or {}).get("type")
    if kind == "hmt_residence":
        raise DeviceError(
            "card_type_not_eligible",
            _(
                "This is a Hong Kong/Macau/Taiwan residents' residence permit: its holder is not "
                "issued this residence permit"
            ),
        )
    if kind in ("foreign_2017", "foreign_2023"):
        raise DeviceError(
            "card_type_not_eligible",
            _(
                "This is a foreigner's permanent-residence card: its holder is not issued this "
                "residence permit"
            ),
        )


def encode_text(
    person: dict[str, Any], kind: str = "resident", extra: dict[str, str] | None = None
) -> bytes:
    """Build a 256-byte text block (emulator, simulated reader, tests)."""
    block = bytearray(" ".encode("utf-16-le") * 128)

    def put(offset: int, size: int, text: str) -> None:
        data = text.encode("utf-16-le")[:size]
        block[offset : offset + len(data)] = data

    def ymd(iso: str | None) -> str:
        return (iso or "").replace("-", "")

    extra = extra or {}
    if kind.startswith("foreign"):
        put(0, 120, extra.get("english_name", "TEST PERSON"))
        put(120, 2, person["sex"])
        put(122, 30, person["id_number"])
        put(152, 6, extra.get("nationality", "USA"))
        put(158, 30, extra.get("chinese_name", person.get("name", "")))
        put(188, 16, ymd(person.get("id_valid_from")))
        put(204, 16, ymd(person.get("id_valid_to")))
        put(220, 16, ymd(person.get("birth_date")))
        put(248, 2, "I" if kind == "foreign_2017" else "Y")
        return bytes(block)
    put(0, 30, person["name"])
    put(30, 2, person["sex"])
    if kind == "resident":
        put(32, 4, person.get("ethnic", "01"))
    put(36, 16, ymd(person["birth_date"]))
    put(52, 70, person.get("hukou_address", ""))
    put(122, 36, person["id_number"])
    put(158, 30, person.get("id_authority", ""))
    put(188, 16, ymd(person.get("id_valid_from")))
    valid_to = person.get("id_valid_to")
    put(204, 16, LONG_TERM if valid_to == LONG_TERM else ymd(valid_to))
    if kind == "hmt_residence":
        put(220, 18, extra.get("pass_number", "H00000000"))
        put(238, 4, extra.get("issue_count", "01"))
        put(248, 2, "J")
    return bytes(block)
