"""The residence-permit card's interface as pure functions (specs/permit-card.md).

APDU builders, the status-word table, the BER-TLV parser of EF.HOLDER, the 32-byte endorsement
record and its MAC. Nothing here touches a device: every parser is ``bytes -> value | typed
error`` and is fuzzed without a card. Error messages carry status words and tag numbers, never
card contents or the endorsement key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from station.checks import id_number_problem
from station.errors import DeviceError, FieldError, UsageError, ValidationError
from station.i18n import _

AID = bytes.fromhex("F0 00 00 01 56 4A 5A 5A")
FID_HOLDER = 0x0101
FID_ENDORSE = 0x0102
HOLDER_MAX = 1024
RECORD_LEN = 32
CONTENT_LEN = 24
MAC_LEN = 8
CHALLENGE_LEN = 8
MAX_RECORDS = 10
KEY_LEN = 16

INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_READ_RECORD = 0xB2
INS_GET_CHALLENGE = 0x84
INS_APPEND_RECORD = 0xE2
INS_GET_RESPONSE = 0xC0

SW_OK = 0x9000
SW_WRONG_LENGTH = 0x6700
SW_SECURITY = 0x6982
SW_CONDITIONS = 0x6985
SW_FILE_NOT_FOUND = 0x6A82
SW_RECORD_NOT_FOUND = 0x6A83
SW_FILE_FULL = 0x6A84
SW_END_OF_FILE = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00

# Tags of EF.HOLDER and where each lands in the record.
TAGS: dict[int, tuple[str, str]] = {
    0xDF01: ("person", "id_number"),
    0xDF02: ("person", "name"),
    0xDF03: ("person", "sex"),
    0xDF04: ("person", "ethnic"),
    0xDF05: ("person", "birth_date"),
    0xDF06: ("person", "hukou_address"),
    0xDF07: ("residence", "address"),
    0xDF08: ("permit", "number"),
    0xDF09: ("permit", "authority"),
    0xDF0A: ("permit", "issue_date"),
}
TAG_OF = {path: tag for tag, path in TAGS.items()}


# -- errors ------------------------------------------------------------------------------------
class PermitCardError(DeviceError):
    """A typed device error of the permit card; ``sw`` is the status word when the card gave one."""

    def __init__(self, code: str, message: str, sw: int | None = None) -> None:
        super().__init__(code, message)
        self.sw = sw


class AlreadyEndorsedError(ValidationError):
    """This year's endorsement is already on the card; nothing was written (CLI exit 4)."""

    def __init__(self, year: int) -> None:
        super().__init__(
            [
                FieldError(
                    "permit.endorsements",
                    "already_endorsed",
                    _(
                        "The card already carries the endorsement for {year}; nothing was written",
                        year=year,
                    ),
                )
            ]
        )
        self.code = "already_endorsed"
        self.message = self.errors[0].message
        self.year = year


def card_data_error(what: str) -> PermitCardError:
    """The card's data is malformed (``what`` names a field or tag, never its value)."""
    return PermitCardError(
        "card_data_invalid",
        _(
            "The card's data is damaged ({what}); the card cannot be used — report it to the issuer",
            what=what,
        ),
    )


def tlv_overrun_error() -> PermitCardError:
    return PermitCardError(
        "tlv_overrun",
        _(
            "The card's holder file is damaged (a field runs past the end of the file); "
            "the card cannot be read — report it to the issuer"
        ),
    )


def sw_hex(sw: int) -> str:
    return f"{sw:04X}"


def status_error(sw: int, op: str) -> PermitCardError:
    """The typed error for a status word that ends the operation ``op`` (``select_aid``,
    ``select_ef``, ``read_binary``, ``read_record``, ``get_challenge``, ``append_record``,
    ``get_response``). The normal outcomes (9000, 6B00 on READ BINARY, 6A83 on READ RECORD,
    61xx, 6Cxx) are handled by the caller before it gets here."""
    s = sw_hex(sw)
    writing = op in ("get_challenge", "append_record")
    if sw in (SW_INS_NOT_SUPPORTED, SW_CLA_NOT_SUPPORTED) or (
        sw == SW_FILE_NOT_FOUND and op == "select_aid"
    ):
        return PermitCardError(
            "not_permit_card",
            _("This is not a residence-permit card (status {sw}); present the permit card", sw=s),
            sw,
        )
    if sw == SW_WRONG_LENGTH:
        return PermitCardError(
            "wrong_length",
            _(
                "The card rejected the command length (status {sw}); the card or reader is not "
                "compatible — try again, then report it",
                sw=s,
            ),
            sw,
        )
    if sw in (SW_SECURITY, SW_CONDITIONS):
        if writing:
            return PermitCardError(
                "endorse_refused",
                _(
                    "The card refused the endorsement (status {sw}); check the station's "
                    "endorsement key (station config set permit.endorse_key) and try again",
                    sw=s,
                ),
                sw,
            )
        return PermitCardError(
            "access_denied",
            _(
                "The card refused access (status {sw}); the card is locked or not a valid "
                "residence-permit card",
                sw=s,
            ),
            sw,
        )
    if sw == SW_FILE_FULL:
        return PermitCardError(
            "file_full",
            _(
                "The card's endorsement file is full (status {sw}); the holder needs a new card",
                sw=s,
            ),
            sw,
        )
    if sw == SW_FILE_NOT_FOUND:
        return PermitCardError(
            "file_not_found",
            _(
                "A file is missing on the card (status {sw}); it is damaged or not a "
                "residence-permit card",
                sw=s,
            ),
            sw,
        )
    if sw == SW_RECORD_NOT_FOUND:
        return PermitCardError(
            "record_not_found",
            _("The card answered 'record not found' (status {sw}); read the card again", sw=s),
            sw,
        )
    return PermitCardError(
        "unexpected_status",
        _(
            "The card answered an unexpected status {sw}; remove the card, insert it again and "
            "retry",
            sw=s,
        ),
        sw,
    )


# -- APDU builders -----------------------------------------------------------------------------
def _le_byte(le: int) -> int:
    if not 1 <= le <= 256:
        raise ValueError("Le must be 1..256")
    return le & 0xFF  # 256 is encoded 00


def select_aid(aid: bytes = AID) -> bytes:
    return bytes([0x00, INS_SELECT, 0x04, 0x00, len(aid)]) + aid + b"\x00"


def select_ef(fid: int) -> bytes:
    return bytes([0x00, INS_SELECT, 0x02, 0x0C, 0x02, fid >> 8 & 0xFF, fid & 0xFF])


def read_binary(offset: int, le: int = 256) -> bytes:
    if not 0 <= offset <= 0x7FFF:
        raise ValueError("offset out of range")
    return bytes([0x00, INS_READ_BINARY, offset >> 8, offset & 0xFF, _le_byte(le)])


def read_record(number: int, le: int = RECORD_LEN) -> bytes:
    if not 1 <= number <= 254:
        raise ValueError("record number out of range")
    return bytes([0x00, INS_READ_RECORD, number, 0x04, _le_byte(le)])


def get_challenge(le: int = CHALLENGE_LEN) -> bytes:
    return bytes([0x00, INS_GET_CHALLENGE, 0x00, 0x00, _le_byte(le)])


def append_record(record: bytes) -> bytes:
    if not 1 <= len(record) <= 255:
        raise ValueError("record length out of range")
    return bytes([0x00, INS_APPEND_RECORD, 0x00, 0x00, len(record)]) + record


def get_response(le: int) -> bytes:
    return bytes([0x00, INS_GET_RESPONSE, 0x00, 0x00, _le_byte(le)])


def with_le(apdu: bytes, le: int) -> bytes:
    """The same short command with Le replaced (or added) — the answer to ``6Cxx``."""
    if len(apdu) < 4:
        raise ValueError("APDU too short")
    header, body = apdu[:4], apdu[4:]
    if not body:  # case 1: add Le
        return header + bytes([_le_byte(le)])
    if len(body) == 1:  # case 2: replace Le
        return header + bytes([_le_byte(le)])
    lc = body[0]
    data = body[1 : 1 + lc]
    return header + bytes([lc]) + data + bytes([_le_byte(le)])  # case 3/4


def split_response(response: bytes) -> tuple[bytes, int]:
    """Response APDU -> (data, SW). A response shorter than 2 bytes is a typed error."""
    if len(response) < 2:
        raise PermitCardError(
            "unexpected_status",
            _("The card gave an incomplete answer; remove the card, insert it again and retry"),
        )
    return bytes(response[:-2]), response[-2] << 8 | response[-1]


def op_name(apdu: bytes) -> str:
    """Short name of a command for logs and error mapping (never the command's data)."""
    if len(apdu) < 4:
        return "unknown"
    ins, p1 = apdu[1], apdu[2]
    if ins == INS_SELECT:
        return "select_aid" if p1 == 0x04 else "select_ef"
    return {
        INS_READ_BINARY: "read_binary",
        INS_READ_RECORD: "read_record",
        INS_GET_CHALLENGE: "get_challenge",
        INS_APPEND_RECORD: "append_record",
        INS_GET_RESPONSE: "get_response",
    }.get(ins, f"ins_{ins:02x}")


# -- EF.HOLDER: BER-TLV ------------------------------------------------------------------------
def parse_tlv(data: bytes) -> list[tuple[int, bytes]]:
    """The TLV elements of EF.HOLDER: two-byte tags, lengths ``xx`` (< 128), ``81 xx`` or
    ``82 xx xx``; ends at the first ``00`` byte where a tag starts, or at the end of the data.
    An element running past the data is ``tlv_overrun``; another length form is
    ``card_data_invalid``."""
    items: list[tuple[int, bytes]] = []
    pos, end = 0, len(data)
    while pos < end and data[pos] != 0x00:
        if pos + 3 > end:
            raise tlv_overrun_error()
        tag = data[pos] << 8 | data[pos + 1]
        first = data[pos + 2]
        pos += 3
        if first < 0x80:
            length = first
        elif first == 0x81:
            if pos + 1 > end:
                raise tlv_overrun_error()
            length = data[pos]
            pos += 1
        elif first == 0x82:
            if pos + 2 > end:
                raise tlv_overrun_error()
            length = data[pos] << 8 | data[pos + 1]
            pos += 2
        else:
            raise card_data_error(_("length byte of tag {tag}", tag=f"{tag:04X}"))
        if pos + length > end:
            raise tlv_overrun_error()
        items.append((tag, bytes(data[pos : pos + length])))
        pos += length
    return items


def encode_tlv(tag: int, value: bytes, long_form: bool = False) -> bytes:
    """One element as the card stores it; ``long_form`` forces ``81 xx`` for a short value."""
    n = len(value)
    if n < 0x80 and not long_form:
        length = bytes([n])
    elif n <= 0xFF:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82, n >> 8, n & 0xFF])
    return bytes([tag >> 8, tag & 0xFF]) + length + value


def _date(value: str, what: str) -> str:
    if not re.fullmatch(r"\d{8}", value):
        raise card_data_error(what)
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    except ValueError:
        raise card_data_error(what) from None


def parse_holder(data: bytes) -> dict[str, dict[str, str]]:
    """EF.HOLDER -> ``{"person": {...}, "residence": {"address"}, "permit": {"number",
    "authority", "issue_date"}}``. Unknown tags are skipped; a missing or malformed field is a
    typed error (a partly filled record is never returned)."""
    values: dict[int, str] = {}
    for tag, raw in parse_tlv(data):
        if tag not in TAGS:
            continue
        if tag in values:
            raise card_data_error(_("tag {tag} twice", tag=f"{tag:04X}"))
        try:
            values[tag] = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise card_data_error(_("text of tag {tag}", tag=f"{tag:04X}")) from None
    missing = [f"{t:04X}" for t in TAGS if t not in values or not values[t].strip()]
    if missing:
        raise PermitCardError(
            "card_data_incomplete",
            _(
                "The card's holder file lacks fields {tags}; the card cannot be used — report it "
                "to the issuer",
                tags=", ".join(missing),
            ),
        )
    out: dict[str, dict[str, str]] = {"person": {}, "residence": {}, "permit": {}}
    for tag, (group, name) in TAGS.items():
        out[group][name] = values[tag].strip()
    person, permit = out["person"], out["permit"]
    person["id_number"] = person["id_number"].upper()
    if id_number_problem(person["id_number"]) is not None:
        raise card_data_error(_("the holder's citizen ID number"))
    if len(person["name"]) > 30:
        raise card_data_error(_("the holder's name"))
    if person["sex"] not in ("1", "2"):
        raise card_data_error(_("the holder's sex code"))
    if not re.fullmatch(r"\d{2}", person["ethnic"]):
        raise card_data_error(_("the holder's ethnic group code"))
    person["birth_date"] = _date(person["birth_date"], _("the holder's date of birth"))
    permit["issue_date"] = _date(permit["issue_date"], _("the permit's issue date"))
    if (
        len(permit["number"]) > 20
        or not permit["number"].isascii()
        or not permit["number"].isprintable()
    ):
        raise card_data_error(_("the permit number"))
    return out


def holder_fields_to_bytes(fields: dict[str, dict[str, str]]) -> list[tuple[int, bytes]]:
    """The inverse of :func:`parse_holder` for emulators: (tag, value) in tag order, dates and
    texts as the card stores them."""
    items = []
    for tag, (group, name) in TAGS.items():
        value = fields[group][name]
        if name in ("birth_date", "issue_date"):
            value = value.replace("-", "")
        items.append((tag, value.encode("utf-8")))
    return items


# -- EF.ENDORSE --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endorsement:
    year: int
    station: str
    date: dt.date

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, "station": self.station, "date": self.date.isoformat()}


def check_endorsement(year: int, station: str) -> None:
    """Refuse a year or station code that cannot be stored (UsageError: wrong configuration)."""
    if not isinstance(year, int) or not 1000 <= year <= 9999:
        raise UsageError("year_invalid", _("The endorsement year must have 4 digits"))
    if not (len(station) == 12 and station.isascii() and station.isdigit()):
        raise UsageError(
            "station_code_invalid", _("The station code must be 12 digits (station.code)")
        )


def endorsement_content(e: Endorsement) -> bytes:
    """The 24 content bytes: year ``YYYY``, 12-digit station code, date ``YYYYMMDD``."""
    check_endorsement(e.year, e.station)
    return f"{e.year:04d}{e.station}{e.date:%Y%m%d}".encode("ascii")


def decode_endorsement(record: bytes) -> Endorsement:
    """One 32-byte EF.ENDORSE record -> :class:`Endorsement` (the MAC is not checked: only the
    card can). A wrong size or a malformed field is ``card_data_invalid``."""
    what = _("an endorsement record")
    if len(record) != RECORD_LEN:
        raise card_data_error(what)
    try:
        text = record[:CONTENT_LEN].decode("ascii")
    except UnicodeDecodeError:
        raise card_data_error(what) from None
    if not text.isdigit():
        raise card_data_error(what)
    date = _date(text[16:24], what)
    return Endorsement(int(text[:4]), text[4:16], dt.date.fromisoformat(date))


def endorse_mac(key16: bytes, challenge: bytes, content24: bytes) -> bytes:
    """``HMAC-SHA256(K_endorse, R || content)[0:8]``."""
    if len(key16) != KEY_LEN:
        raise ValueError("the endorsement key has 16 bytes")
    return hmac.new(key16, challenge + content24, hashlib.sha256).digest()[:MAC_LEN]


def endorsement_record(key16: bytes, challenge: bytes, e: Endorsement) -> bytes:
    content = endorsement_content(e)
    return content + endorse_mac(key16, challenge, content)


def parse_endorse_key(text: str | bytes) -> bytes:
    """The configured key (32 hex digits, or 16 raw bytes) -> 16 bytes. The error never echoes
    the value."""
    if isinstance(text, bytes | bytearray):
        if len(text) == KEY_LEN:
            return bytes(text)
    elif isinstance(text, str) and re.fullmatch(r"[0-9a-fA-F]{32}", text.strip()):
        return bytes.fromhex(text.strip())
    raise UsageError(
        "endorse_key_invalid",
        _(
            "The endorsement key is missing or malformed; set it with "
            "station config set permit.endorse_key (32 hexadecimal digits)"
        ),
    )
