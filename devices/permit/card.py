"""The card-side conversation of the permit card, over any ``transmit`` function.

``CardSession`` turns the issuer's interface into reads and the endorsement write: T=0 ``61xx``
(GET RESPONSE and join), ``6Cxx`` (resend with the right Le), chunked READ BINARY, every
EF.ENDORSE record, GET CHALLENGE + APPEND RECORD with the MAC, and a read-back of what was
written. The transport is injected (STYLE.md): the PC/SC driver passes ``SCardTransmit``, the
simulated driver passes an in-process card. A result is returned only when every command
succeeded; anything else raises a typed error.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from devices.permit import apdu
from devices.permit.apdu import Endorsement, PermitCardError
from station.i18n import _

log = logging.getLogger(__name__)

Transmit = Callable[[bytes], bytes]
MAX_CHAIN = 16  # GET RESPONSE rounds for one command (16 x 256 bytes > any file here)


def tlv_terminated(data: bytes) -> bool:
    """True when the TLV sequence in ``data`` is closed by a ``00`` byte (nothing more to read)."""
    pos, end = 0, len(data)
    while pos < end:
        if data[pos] == 0x00:
            return True
        if pos + 3 > end:
            return False
        first = data[pos + 2]
        if first < 0x80:
            length, pos = first, pos + 3
        elif first == 0x81 and pos + 4 <= end:
            length, pos = data[pos + 3], pos + 4
        elif first == 0x82 and pos + 5 <= end:
            length, pos = data[pos + 3] << 8 | data[pos + 4], pos + 5
        else:
            return False  # malformed or cut: let the full read and the parser decide
        pos += length
    return False


class CardSession:
    """One conversation with a card on a connected reader (call on the device thread)."""

    def __init__(self, transmit: Transmit) -> None:
        self._transmit = transmit

    # -- transport-level status handling --------------------------------------------------------
    def _send(self, command: bytes) -> tuple[bytes, int]:
        data, sw = apdu.split_response(self._transmit(command))
        log.debug(
            "permit apdu %s -> %s (%d bytes)", apdu.op_name(command), apdu.sw_hex(sw), len(data)
        )
        return data, sw

    def exchange(self, command: bytes) -> tuple[bytes, int]:
        """Send ``command``; follow ``6Cxx`` (once) and ``61xx`` chains; return (data, SW)."""
        data, sw = self.exchange_plain(command)
        rounds = 0
        while sw >> 8 == 0x61:
            rounds += 1
            if rounds > MAX_CHAIN:
                raise apdu.status_error(sw, "get_response")
            more, sw = self.exchange_plain(apdu.get_response((sw & 0xFF) or 256))
            data += more
        return data, sw

    def exchange_plain(self, command: bytes) -> tuple[bytes, int]:
        """One command with a ``6Cxx`` retry but no chaining (used inside a GET RESPONSE chain)."""
        data, sw = self._send(command)
        if sw >> 8 == 0x6C:
            data, sw = self._send(apdu.with_le(command, (sw & 0xFF) or 256))
            if sw >> 8 == 0x6C:
                raise apdu.status_error(sw, apdu.op_name(command))
        return data, sw

    def expect_ok(self, command: bytes) -> bytes:
        data, sw = self.exchange(command)
        if sw != apdu.SW_OK:
            raise apdu.status_error(sw, apdu.op_name(command))
        return data

    # -- reads ------------------------------------------------------------------------------------
    def select_application(self) -> None:
        self.expect_ok(apdu.select_aid())

    def read_holder_bytes(self) -> bytes:
        """EF.HOLDER in 256-byte READ BINARY chunks until the TLV terminator, a short chunk,
        ``6B00`` or 1024 bytes."""
        self.expect_ok(apdu.select_ef(apdu.FID_HOLDER))
        buf = bytearray()
        while len(buf) < apdu.HOLDER_MAX:
            le = min(256, apdu.HOLDER_MAX - len(buf))
            data, sw = self.exchange(apdu.read_binary(len(buf), le))
            if sw == apdu.SW_END_OF_FILE:
                break
            if sw != apdu.SW_OK:
                raise apdu.status_error(sw, "read_binary")
            if len(data) > le:
                raise apdu.card_data_error(_("the holder file"))
            buf += data
            if len(data) < le or tlv_terminated(bytes(buf)):
                break
        return bytes(buf)

    def read_endorsements(self) -> list[Endorsement]:
        """Every EF.ENDORSE record, READ RECORD 1, 2, … until ``6A83``."""
        self.expect_ok(apdu.select_ef(apdu.FID_ENDORSE))
        found: list[Endorsement] = []
        for number in range(1, apdu.MAX_RECORDS + 2):
            data, sw = self.exchange(apdu.read_record(number))
            if sw == apdu.SW_RECORD_NOT_FOUND:
                return found
            if sw != apdu.SW_OK:
                raise apdu.status_error(sw, "read_record")
            if number > apdu.MAX_RECORDS:
                raise apdu.card_data_error(_("more than 10 endorsement records"))
            found.append(apdu.decode_endorsement(data))
        return found  # pragma: no cover - the loop always returns or raises

    def read_card(self) -> dict[str, Any]:
        """The complete card as the application record's fields (``person``, ``residence``,
        ``permit`` with ``endorsements``)."""
        self.select_application()
        record: dict[str, Any] = apdu.parse_holder(self.read_holder_bytes())
        endorsements = self.read_endorsements()
        record["permit"]["endorsements"] = [e.to_json() for e in endorsements]
        return record

    # -- the endorsement ------------------------------------------------------------------------
    def endorse(
        self, year: int, station: str, key: bytes, date: dt.date, expect_permit: str | None = None
    ) -> dict[str, Any]:
        """Write ``year``'s endorsement unless the card already has it; return the card as read
        back after the write, plus ``endorsed`` (the new record). With ``expect_permit``, a
        card with another permit number (swapped after the check) is refused unwritten."""
        apdu.check_endorsement(year, station)
        key = apdu.parse_endorse_key(key)
        self.select_application()
        record: dict[str, Any] = apdu.parse_holder(self.read_holder_bytes())
        if expect_permit is not None and record["permit"].get("number") != expect_permit:
            raise PermitCardError(
                "different_card",
                _(
                    "This is not the card that was checked (another card is on the reader); read "
                    "the card again"
                ),
            )
        before = self.read_endorsements()
        if any(e.year == year for e in before):
            raise apdu.AlreadyEndorsedError(year)
        if len(before) >= apdu.MAX_RECORDS:
            raise apdu.status_error(apdu.SW_FILE_FULL, "append_record")
        challenge = self.expect_ok(apdu.get_challenge())
        if len(challenge) != apdu.CHALLENGE_LEN:
            raise apdu.card_data_error(_("the card's challenge"))
        new = Endorsement(year, station, date)
        body = apdu.endorsement_record(key, challenge, new)
        try:
            self.expect_ok(apdu.append_record(body))
        except PermitCardError as exc:
            if exc.code == "card_removed":
                raise PermitCardError(
                    "card_removed",
                    _(
                        "The card was removed while the endorsement was written — insert it "
                        "again and read it to see whether the endorsement is there"
                    ),
                ) from exc
            raise
        after = self.read_endorsements()
        if after[:-1] != before or not after or after[-1] != new:
            raise PermitCardError(
                "endorse_not_stored",
                _(
                    "The card accepted the endorsement but does not show it when read back; "
                    "read the card again and report it if the endorsement is missing"
                ),
            )
        log.info("permit endorsement written for year %d (record %d)", year, len(after))
        record["permit"]["endorsements"] = [e.to_json() for e in after]
        record["endorsed"] = new.to_json()
        return record
