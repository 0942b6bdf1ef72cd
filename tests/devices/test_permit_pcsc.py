"""The permit-card driver through the real stack: pyscard -> libpcsclite -> pcscd -> vpcd ->
the emulated card on its socket. Skipped when pcscd/vpcd cannot run here (failed under CI=true).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest

from devices.permit import apdu
from devices.permit.apdu import AlreadyEndorsedError, PermitCardError
from devices.permit.bench import bench_permit
from devices.permit.driver import PcscConnection, PcscPermitCardReader, establish, release
from devices.permit.emulator import CardOptions, PermitCard, VirtualCard, synthetic_fields
from tests.pcsc import PcscStack

pytestmark = pytest.mark.pcsc

KEY = bytes.fromhex("8f3a61c2d4e5f60718293a4b5c6d7e80")
STATION = "450103000099"
TODAY = dt.date(2026, 5, 20)


@pytest.fixture(scope="module")
def slot(vpcd: PcscStack) -> Iterator[VirtualCard]:
    """One emulated card left in the first slot for the module; tests swap the card in it."""
    virtual = vpcd.insert()
    yield virtual
    vpcd.remove(virtual)


@pytest.fixture
def reader(vpcd: PcscStack) -> Iterator[PcscPermitCardReader]:
    device = PcscPermitCardReader(vpcd.reader)
    device.open()
    yield device
    device.close()


def put(slot: VirtualCard, card: PermitCard) -> PermitCard:
    slot.card = card
    return card


# -- reads -------------------------------------------------------------------------------------
@pytest.mark.parametrize("count", range(11))
def test_read_with_0_to_10_endorsements(slot, reader, count):
    card = put(slot, PermitCard.build(count % 8, count, key=KEY))
    record = reader.read(wait=2)
    assert record["person"] == synthetic_fields(count % 8)["person"]
    assert record["residence"] == synthetic_fields(count % 8)["residence"]
    assert record["permit"]["number"] == synthetic_fields(count % 8)["permit"]["number"]
    assert record["permit"]["issue_date"] == "2024-03-15"
    assert record["permit"]["endorsements"] == [e.to_json() for e in card.endorsements()]
    assert len(record["permit"]["endorsements"]) == count
    assert card.commands.count("read_record") == count + 1  # until 6A83


def test_long_holder_needs_several_read_binary(slot, reader):
    card = put(
        slot,
        PermitCard.build(
            5,
            2,
            long_text=True,
            long_form=True,
            unknown=[(0xDF20, "新字段".encode() * 40), (0x9F7F, b"\x01" * 90)],
        ),
    )
    assert len(card.holder) > 512
    record = reader.read(wait=2)
    assert record["person"] == synthetic_fields(5, long_text=True)["person"]
    assert card.commands.count("read_binary") == -(-len(card.holder) // 256) >= 3


def test_holder_padded_to_1024_stops_at_terminator(slot, reader):
    card = put(slot, PermitCard.build(1, size=1024))
    assert reader.read(wait=2)["person"]["name"] == synthetic_fields(1)["person"]["name"]
    assert card.commands.count("read_binary") == 1


def test_holder_without_terminator_of_exactly_256_bytes(slot, reader):
    fields = synthetic_fields(2)
    base = PermitCard.build(fields=fields, terminator=False).holder
    filler = apdu.encode_tlv(0xDF40, b"z" * (256 - len(base) - 4), long_form=True)
    card = put(slot, PermitCard(base + filler))
    assert len(card.holder) == 256
    assert reader.read(wait=2)["permit"]["authority"] == fields["permit"]["authority"]
    assert card.commands.count("read_binary") == 2  # second answers 6B00


def test_t0_card_61xx_get_response(slot, reader):
    card = put(
        slot, PermitCard.build(3, 4, long_text=True, options=CardOptions(t0=True, t0_chunk=100))
    )
    record = reader.read(wait=2)
    assert record["person"] == synthetic_fields(3, long_text=True)["person"]
    assert card.commands.count("get_response") >= 6
    assert len(record["permit"]["endorsements"]) == 4


def test_6cxx_resend_with_right_le(slot, reader):
    card = put(slot, PermitCard.build(4, 3, long_text=True, options=CardOptions(wrong_le=True)))
    record = reader.read(wait=2)
    assert record["person"] == synthetic_fields(4, long_text=True)["person"]
    reads = card.commands.count("read_binary")
    assert reads == len(card.holder) // 256 + 2  # the tail is asked twice


# -- every status word of the table -------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "code"),
    [
        (CardOptions(not_permit=0x6A82), "not_permit_card"),
        (CardOptions(not_permit=0x6D00), "not_permit_card"),
        (CardOptions(not_permit=0x6E00), "not_permit_card"),
        (CardOptions(inject={"read_binary": 0x6E00}), "not_permit_card"),
        (CardOptions(inject={"read_binary": 0x6700}), "wrong_length"),
        (CardOptions(inject={"read_record": 0x6700}), "wrong_length"),
        (CardOptions(inject={"select_ef": 0x6982}), "access_denied"),
        (CardOptions(inject={"read_record": 0x6985}), "access_denied"),
        (CardOptions(inject={"select_ef": 0x6A82}), "file_not_found"),
        (CardOptions(inject={"read_binary": 0x6A83}), "record_not_found"),
        (CardOptions(inject={"read_binary": 0x6A84}), "file_full"),
        (CardOptions(inject={"read_binary": 0x6B00}), "card_data_incomplete"),  # empty file
        (CardOptions(inject={"read_record": 0x6B00}), "unexpected_status"),
        (CardOptions(inject={"select_aid": 0x6283}), "unexpected_status"),
        (CardOptions(inject={"read_binary": 0x6F00}), "unexpected_status"),
        (CardOptions(inject={"read_record": 0x9100}), "unexpected_status"),
        (CardOptions(inject={"read_binary": 0x6C10}), "unexpected_status"),  # 6C twice
        (CardOptions(t0=True, inject={"get_response": 0x6110}), "unexpected_status"),
    ],
)
def test_status_words_on_read(slot, reader, options, code):
    put(slot, PermitCard.build(0, 2, options=options))
    with pytest.raises(PermitCardError) as info:
        reader.read(wait=2)
    assert info.value.code == code
    assert info.value.exit_code == 5 and info.value.message


def test_6a83_on_every_record_is_no_endorsement(slot, reader):
    put(slot, PermitCard.build(0, 3, options=CardOptions(inject={"read_record": 0x6A83})))
    assert reader.read(wait=2)["permit"]["endorsements"] == []


def test_tlv_running_past_the_file(slot, reader):
    put(slot, PermitCard.build(0, 1, overrun=True))
    with pytest.raises(PermitCardError) as info:
        reader.read(wait=2)
    assert info.value.code == "tlv_overrun"


# -- endorsement ---------------------------------------------------------------------------------
def test_endorse_written_read_back_and_refused_the_second_time(slot, reader):
    card = put(slot, PermitCard.build(2, 3, key=KEY))
    out = reader.endorse(2026, STATION, KEY, TODAY)
    assert out["endorsed"] == {"year": 2026, "station": STATION, "date": "2026-05-20"}
    assert out["person"]["id_number"] == synthetic_fields(2)["person"]["id_number"]
    assert card.records[-1][:24] == b"2026" + STATION.encode() + b"20260520"
    again = reader.read(wait=2)
    assert again["permit"]["endorsements"][-1] == out["endorsed"]
    with pytest.raises(AlreadyEndorsedError) as info:
        reader.endorse(2026, STATION, KEY.hex(), TODAY)
    assert info.value.code == "already_endorsed" and info.value.exit_code == 4
    assert card.commands.count("append_record") == 1 and len(card.records) == 4


@pytest.mark.parametrize(
    ("options", "records", "code", "appends"),
    [
        (CardOptions(), 3, "endorse_refused", 1),  # wrong key: 6982
        (CardOptions(inject={"append_record": 0x6985}), 0, "endorse_refused", 1),
        (CardOptions(inject={"get_challenge": 0x6985}), 0, "endorse_refused", 0),
        (CardOptions(inject={"append_record": 0x6A84}), 9, "file_full", 1),
        (CardOptions(inject={"append_record": 0x6700}), 0, "wrong_length", 1),
        (CardOptions(), 10, "file_full", 0),  # refused before writing
    ],
)
def test_endorse_refusals_write_nothing(slot, reader, options, records, code, appends):
    card_key = bytes(16) if code == "endorse_refused" and not options.inject else KEY
    card = put(slot, PermitCard.build(1, records, key=card_key, options=options))
    with pytest.raises(PermitCardError) as info:
        reader.endorse(2027, STATION, KEY, TODAY)
    assert info.value.code == code
    assert len(card.records) == records
    assert card.commands.count("append_record") == appends


def test_card_rules_through_pcscd(slot, vpcd):
    """The card's own checks, driven with raw APDUs through pcscd: 6985 without a challenge,
    6982 for a wrong MAC, one write per challenge, 6700, 6A84 when full."""
    card = put(slot, PermitCard.build(0, 9, key=KEY))
    ctx = establish()
    connection = PcscConnection(ctx, vpcd.reader)
    try:

        def sw(command: bytes) -> int:
            return apdu.split_response(connection.transmit(command))[1]

        def record(challenge: bytes, key: bytes = KEY, year: int = 2030) -> bytes:
            return apdu.append_record(
                apdu.endorsement_record(key, challenge, apdu.Endorsement(year, STATION, TODAY))
            )

        assert sw(apdu.select_aid()) == 0x9000
        assert sw(apdu.select_ef(apdu.FID_ENDORSE)) == 0x9000
        assert sw(record(bytes(8))) == 0x6985
        r = apdu.split_response(connection.transmit(apdu.get_challenge()))[0]
        assert len(r) == 8
        assert sw(record(r, key=bytes(16))) == 0x6982
        assert sw(record(r)) == 0x6985  # the challenge was used up
        assert sw(apdu.append_record(b"\0" * 16)) == 0x6700
        r = apdu.split_response(connection.transmit(apdu.get_challenge()))[0]
        assert sw(record(r)) == 0x9000
        r = apdu.split_response(connection.transmit(apdu.get_challenge()))[0]
        assert sw(record(r, year=2031)) == 0x6A84
        assert len(card.records) == 10
    finally:
        connection.close()
        release(ctx)


def test_endorse_key_never_logged_or_shown(slot, reader, caplog):
    put(slot, PermitCard.build(1, 1, key=bytes(16)))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PermitCardError) as info:
        reader.endorse(2026, STATION, KEY.hex(), TODAY)
    text = caplog.text + str(info.value) + repr(info.value.__dict__)
    for form in (KEY.hex(), KEY.hex().upper(), repr(KEY), str(list(KEY))):
        assert form not in text
    assert "apdu append_record -> 6982" in caplog.text


def test_bench_permit_read_through_pcscd(vpcd, slot):
    """``station bench card`` with no reader named: the emulated card in the empty vpcd slot.
    (Last test of the module: it takes the module's card out of the slot.)"""
    slot.remove()
    vpcd.wait_state(vpcd.reader, False)
    result = bench_permit(30, None)
    assert result["emulated"] and result["n"] == 30
    assert result["reader"] == vpcd.reader
    assert result["p95_ms"] < 300, result
