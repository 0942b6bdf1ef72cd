"""The permit card's pure layer: APDU builders, the status table, EF.HOLDER TLV, endorsement
records and MAC — and the card conversation against the in-process card, fuzzed."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.permit import apdu
from devices.permit.apdu import AlreadyEndorsedError, Endorsement, PermitCardError
from devices.permit.card import CardSession, tlv_terminated
from devices.permit.emulator import (
    CardOptions,
    PermitCard,
    build_holder,
    synthetic_fields,
)
from station.checks import make_id_number
from station.errors import StationError, UsageError

KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
STATION = "450103000001"
GOOD_ID = make_id_number("360426", dt.date(1980, 1, 1), 11)
BAD_ID = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")


# -- builders ----------------------------------------------------------------------------------
def test_apdu_builders_match_the_spec():
    assert apdu.select_aid().hex().upper() == "00A4040008F0000001564A5A5A00"
    assert apdu.select_ef(0x0101).hex().upper() == "00A4020C020101"
    assert apdu.select_ef(0x0102).hex().upper() == "00A4020C020102"
    assert apdu.read_binary(0, 256).hex().upper() == "00B0000000"
    assert apdu.read_binary(0x0300, 0x2C).hex().upper() == "00B003002C"
    assert apdu.read_record(3).hex().upper() == "00B2030420"
    assert apdu.get_challenge().hex().upper() == "0084000008"
    assert apdu.get_response(0x10).hex().upper() == "00C0000010"
    body = bytes(range(32))
    assert apdu.append_record(body) == bytes.fromhex("00E2000020") + body


def test_with_le_for_every_case():
    assert apdu.with_le(bytes.fromhex("00B0010000"), 0x2C).hex() == "00b001002c"
    assert apdu.with_le(bytes.fromhex("00B0010000")[:4], 8).hex() == "00b0010008"
    case4 = apdu.select_aid()
    assert apdu.with_le(case4, 0x12) == case4[:-1] + b"\x12"
    case3 = apdu.select_ef(0x0101)
    assert apdu.with_le(case3, 256) == case3 + b"\x00"
    with pytest.raises(ValueError):
        apdu.read_binary(0, 0)
    with pytest.raises(ValueError):
        apdu.read_record(0)


@pytest.mark.parametrize(
    ("sw", "op", "code"),
    [
        (0x6A82, "select_aid", "not_permit_card"),
        (0x6D00, "read_binary", "not_permit_card"),
        (0x6E00, "select_ef", "not_permit_card"),
        (0x6700, "read_record", "wrong_length"),
        (0x6982, "append_record", "endorse_refused"),
        (0x6985, "append_record", "endorse_refused"),
        (0x6985, "get_challenge", "endorse_refused"),
        (0x6982, "read_binary", "access_denied"),
        (0x6A82, "select_ef", "file_not_found"),
        (0x6A83, "read_binary", "record_not_found"),
        (0x6A84, "append_record", "file_full"),
        (0x6F00, "read_binary", "unexpected_status"),
        (0x6B00, "read_record", "unexpected_status"),
        (0x9100, "select_aid", "unexpected_status"),
    ],
)
def test_status_word_table(sw, op, code):
    err = apdu.status_error(sw, op)
    assert isinstance(err, PermitCardError) and err.exit_code == 5
    assert (err.code, err.sw) == (code, sw)
    assert f"{sw:04X}" in err.message


def test_messages_are_chinese_by_default():
    err = apdu.status_error(0x6D00, "select_aid")
    assert "居住证" in err.message


# -- MAC and records ---------------------------------------------------------------------------
def test_endorse_mac_known_vector():
    # openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…0f over R || content
    content = b"2026" + b"450103000001" + b"20260501"
    mac = apdu.endorse_mac(KEY, bytes.fromhex("0102030405060708"), content)
    assert mac.hex() == "6a81ac885a1febba"
    with pytest.raises(ValueError):
        apdu.endorse_mac(KEY[:15], b"\0" * 8, content)


def test_endorsement_record_layout():
    e = Endorsement(2026, STATION, dt.date(2026, 5, 1))
    rec = apdu.endorsement_record(KEY, bytes(8), e)
    assert len(rec) == 32 and rec[:24] == b"2026450103000001" + b"20260501"
    assert apdu.decode_endorsement(rec) == e
    assert e.to_json() == {"year": 2026, "station": STATION, "date": "2026-05-01"}


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"2026" * 7,
        b"20x6450103000001202605010000000",
        b"2026450103000001202613010000000" + b"\0",
        b"\xff" * 32,
    ],
)
def test_bad_endorsement_records(bad):
    with pytest.raises(PermitCardError) as info:
        apdu.decode_endorsement(bad)
    assert info.value.code == "card_data_invalid"


@given(
    year=st.integers(1000, 9999),
    station=st.from_regex(r"\A[0-9]{12}\Z"),
    date=st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)),
    challenge=st.binary(min_size=8, max_size=8),
)
def test_endorsement_roundtrip(year, station, date, challenge):
    e = Endorsement(year, station, date)
    rec = apdu.endorsement_record(KEY, challenge, e)
    assert apdu.decode_endorsement(rec) == e
    assert rec[24:] == apdu.endorse_mac(KEY, challenge, rec[:24])


@given(st.binary(min_size=0, max_size=40))
def test_decode_endorsement_fuzz(data):
    try:
        e = apdu.decode_endorsement(data)
    except PermitCardError as exc:
        assert exc.code == "card_data_invalid"
    else:
        assert len(data) == 32 and 1000 <= e.year <= 9999


@pytest.mark.parametrize(
    ("year", "station"),
    [
        (999, STATION),
        (10000, STATION),
        (2026, "4501"),
        (2026, "45010300000A"),
        (2026, "４５０１０３０００００１"),
    ],
)
def test_check_endorsement_refuses(year, station):
    with pytest.raises(UsageError):
        apdu.check_endorsement(year, station)


def test_endorse_key_parsing_never_echoes_the_key():
    assert apdu.parse_endorse_key("000102030405060708090A0B0C0D0E0F") == KEY
    assert apdu.parse_endorse_key(KEY) == KEY
    for bad in ("", "00" * 15, "zz" * 16, "deadbeefdeadbeefdeadbeefdeadbeefff", b"short"):
        with pytest.raises(UsageError) as info:
            apdu.parse_endorse_key(bad)
        assert info.value.code == "endorse_key_invalid"
        if isinstance(bad, str) and bad:
            assert bad not in info.value.message


# -- EF.HOLDER ---------------------------------------------------------------------------------
def test_tlv_forms_and_terminator():
    data = (
        apdu.encode_tlv(0xDF01, b"abc")
        + apdu.encode_tlv(0xDF02, b"x" * 200)
        + apdu.encode_tlv(0xDF03, b"1", long_form=True)
        + b"\x00"
        + b"\xff" * 5
    )
    assert data[6 + 2 : 6 + 4] == b"\x81\xc8"
    assert apdu.parse_tlv(data) == [(0xDF01, b"abc"), (0xDF02, b"x" * 200), (0xDF03, b"1")]
    assert apdu.parse_tlv(data[:-6]) == apdu.parse_tlv(data)  # ends at the end of the file
    assert apdu.parse_tlv(b"") == [] and apdu.parse_tlv(b"\x00\x00") == []
    assert apdu.parse_tlv(bytes.fromhex("DF0B820003414243")) == [(0xDF0B, b"ABC")]
    assert tlv_terminated(data) and not tlv_terminated(data[:-6])


@pytest.mark.parametrize(
    "cut", ["DF", "DF01", "DF0105414243", "DF0181", "DF0182FF", "DF018180" + "41" * 10]
)
def test_tlv_running_past_the_file(cut):
    with pytest.raises(PermitCardError) as info:
        apdu.parse_tlv(bytes.fromhex(cut))
    assert info.value.code == "tlv_overrun"


def test_tlv_bad_length_form():
    with pytest.raises(PermitCardError) as info:
        apdu.parse_tlv(bytes.fromhex("DF0183000001"))
    assert info.value.code == "card_data_invalid"


def test_holder_fields_and_unknown_tags():
    fields = synthetic_fields(2, long_text=True)
    data = build_holder(
        fields, unknown=[(0xDF20, b"new field"), (0x9F7F, b"\x01" * 300)], long_form=True
    )
    assert len(data) > 256
    got = apdu.parse_holder(data)
    assert got == fields


def _holder(**changes: str) -> bytes:
    fields = synthetic_fields(0)
    for dotted, value in changes.items():
        group, name = dotted.split("__")
        fields[group][name] = value
    return build_holder(fields)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"person__id_number": BAD_ID}, "card_data_invalid"),  # wrong check digit
        ({"person__sex": "3"}, "card_data_invalid"),
        ({"person__ethnic": "1"}, "card_data_invalid"),
        ({"person__birth_date": "1980-02-30"}, "card_data_invalid"),
        ({"permit__issue_date": "2024-3-15"}, "card_data_invalid"),
        ({"person__name": "测" * 31}, "card_data_invalid"),
        ({"permit__number": "编号1"}, "card_data_invalid"),
        ({"residence__address": " "}, "card_data_incomplete"),
    ],
)
def test_holder_bad_fields(changes, code):
    with pytest.raises(PermitCardError) as info:
        apdu.parse_holder(_holder(**changes))
    assert info.value.code == code


def test_holder_missing_duplicate_and_bad_utf8():
    items = apdu.holder_fields_to_bytes(synthetic_fields(0))
    missing = b"".join(apdu.encode_tlv(t, v) for t, v in items if t != 0xDF07)
    with pytest.raises(PermitCardError) as info:
        apdu.parse_holder(missing)
    assert info.value.code == "card_data_incomplete" and "DF07" in info.value.message
    twice = b"".join(apdu.encode_tlv(t, v) for t, v in items) + apdu.encode_tlv(0xDF02, b"x")
    with pytest.raises(PermitCardError):
        apdu.parse_holder(twice)
    bad = b"".join(apdu.encode_tlv(t, b"\xff\xfe" if t == 0xDF02 else v) for t, v in items)
    with pytest.raises(PermitCardError) as info:
        apdu.parse_holder(bad)
    assert info.value.code == "card_data_invalid"


@given(st.binary(max_size=600))
def test_parse_tlv_and_holder_fuzz(data):
    for parse in (apdu.parse_tlv, apdu.parse_holder):
        try:
            parse(data)
        except PermitCardError as exc:
            assert exc.code in ("tlv_overrun", "card_data_invalid", "card_data_incomplete")


_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=60
)


@given(
    idx=st.integers(0, 999),
    name=st.text(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=30
    ),
    addr=_text,
    authority=_text,
    born=st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)),
    number=st.from_regex(r"\A[0-9A-Z]{1,20}\Z"),
    unknown=st.lists(
        st.tuples(st.sampled_from([0xDF0C, 0xDF30, 0x5F20, 0x9F7F]), st.binary(max_size=120)),
        max_size=3,
    ),
    long_form=st.booleans(),
)
def test_holder_roundtrip(idx, name, addr, authority, born, number, unknown, long_form):
    fields = synthetic_fields(idx % 8)
    fields["person"].update(
        name=name, birth_date=born.isoformat(), id_number=make_id_number("450103", born, idx)
    )
    fields["person"]["sex"] = "1" if int(fields["person"]["id_number"][16]) % 2 else "2"
    fields["residence"]["address"] = addr
    fields["permit"].update(authority=authority, number=number)
    data = build_holder(fields, unknown=unknown, long_form=long_form)
    assert apdu.parse_holder(data) == fields


# -- the conversation against the in-process card ---------------------------------------------
def _session(card: PermitCard) -> CardSession:
    return CardSession(card.process)


def test_endorse_in_process_then_refused_without_writing():
    card = PermitCard.build(1, 3, key=KEY)
    out = _session(card).endorse(2026, STATION, KEY, dt.date(2026, 5, 1))
    assert out["endorsed"] == {"year": 2026, "station": STATION, "date": "2026-05-01"}
    assert [e["year"] for e in out["permit"]["endorsements"]] == [2023, 2024, 2025, 2026]
    appends = card.commands.count("append_record")
    with pytest.raises(AlreadyEndorsedError) as info:
        _session(card).endorse(2026, STATION, KEY, dt.date(2026, 6, 1))
    assert info.value.code == "already_endorsed" and info.value.exit_code == 4
    assert info.value.to_json()["errors"][0]["code"] == "already_endorsed"
    assert card.commands.count("append_record") == appends == 1
    assert len(card.records) == 4


def test_full_card_is_refused_before_writing():
    card = PermitCard.build(0, 10, key=KEY)
    with pytest.raises(PermitCardError) as info:
        _session(card).endorse(2030, STATION, KEY, dt.date(2030, 1, 2))
    assert info.value.code == "file_full"
    assert "append_record" not in card.commands and "get_challenge" not in card.commands


def test_card_that_drops_the_write_is_caught():
    class Forgetful(PermitCard):
        def _append_record(self, c: bytes) -> tuple[bytes, int]:
            data, sw = super()._append_record(c)
            if sw == apdu.SW_OK:
                self.records.pop()
            return data, sw

    card = Forgetful(build_holder(synthetic_fields(0)), key=KEY)
    with pytest.raises(PermitCardError) as info:
        _session(card).endorse(2026, STATION, KEY, dt.date(2026, 5, 1))
    assert info.value.code == "endorse_not_stored"


def test_card_checks_mac_challenge_full_and_length():
    card = PermitCard.build(0, 9, key=KEY)
    s = _session(card)
    s.select_application()
    s.expect_ok(apdu.select_ef(apdu.FID_ENDORSE))
    e = Endorsement(2030, STATION, dt.date(2030, 1, 2))
    no_challenge = apdu.append_record(apdu.endorsement_record(KEY, bytes(8), e))
    assert s.exchange(no_challenge)[1] == 0x6985
    r = s.expect_ok(apdu.get_challenge())
    wrong_key = bytes(16)
    assert wrong_key != KEY
    assert s.exchange(apdu.append_record(apdu.endorsement_record(wrong_key, r, e)))[1] == 0x6982
    good = apdu.append_record(apdu.endorsement_record(KEY, r, e))
    assert s.exchange(good)[1] == 0x6985  # the challenge was used up by the failed write
    assert s.exchange(apdu.append_record(b"\0" * 31))[1] == 0x6700
    r = s.expect_ok(apdu.get_challenge())
    assert s.exchange(apdu.append_record(apdu.endorsement_record(KEY, r, e)))[1] == 0x9000
    r = s.expect_ok(apdu.get_challenge())
    e2 = Endorsement(2031, STATION, dt.date(2031, 1, 2))
    assert s.exchange(apdu.append_record(apdu.endorsement_record(KEY, r, e2)))[1] == 0x6A84


@pytest.mark.parametrize(
    "options",
    [
        CardOptions(),
        CardOptions(t0=True),
        CardOptions(t0=True, t0_chunk=17),
        CardOptions(wrong_le=True),
        CardOptions(t0=True, t0_chunk=50, wrong_le=True),
    ],
)
def test_transport_variants_read_the_same(options):
    plain = _session(PermitCard.build(3, 5, long_text=True)).read_card()
    card = PermitCard.build(3, 5, long_text=True, options=options)
    assert _session(card).read_card() == plain


def test_6c_and_61_loops_are_bounded():
    card = PermitCard.build(0, options=CardOptions(inject={"read_binary": 0x6C10}))
    with pytest.raises(PermitCardError) as info:
        _session(card).read_card()
    assert info.value.code == "unexpected_status" and info.value.sw == 0x6C10
    card = PermitCard.build(0, options=CardOptions(t0=True, inject={"get_response": 0x6110}))
    with pytest.raises(PermitCardError) as info:
        _session(card).read_card()
    assert info.value.code == "unexpected_status"
    assert card.commands.count("get_response") == 16


@given(st.lists(st.binary(max_size=40), min_size=1, max_size=40))
def test_session_against_random_answers(answers):
    """Whatever a broken card answers: a full record or a typed error — never another crash."""
    it = iter(answers)

    def transmit(_command: bytes) -> bytes:
        try:
            return next(it)
        except StopIteration:
            return b"\x6a\x83"

    try:
        record = CardSession(transmit).read_card()
    except StationError as exc:
        assert exc.code and exc.message
    else:
        assert set(record) == {"person", "residence", "permit"}


@given(st.lists(st.binary(max_size=300), max_size=30), st.booleans(), st.booleans())
def test_emulated_card_answers_anything(commands, t0, wrong_le):
    """The emulator (also the demo's card) answers every byte string with at least a SW."""
    card = PermitCard.build(0, 2, options=CardOptions(t0=t0, wrong_le=wrong_le))
    for command in [apdu.select_aid(), *commands]:
        assert len(card.process(command)) >= 2
