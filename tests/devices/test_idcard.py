"""The ID card reader over a real pseudo-terminal with the SAM-protocol emulator behind it."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard import protocol as p
from devices.idcard.driver import SerialIdCardReader
from devices.idcard.emulator import IdReaderEmulator
from devices.idcard.sim import SimulatedIdCardReader
from devices.idcard.text import decode_text, encode_text, refuse_for_permit
from station.checks import make_id_number
from station.errors import DeviceError
from station.samples import sample_record
from tests.conftest import run_cli

PERSON = {
    k: v
    for k, v in sample_record()["person"].items()
    if k not in ("phone", "education", "occupation")
}


@pytest.fixture
def emu():
    e = IdReaderEmulator().start()
    e.place(PERSON)
    yield e
    e.stop()


@pytest.fixture
def reader(emu):
    r = SerialIdCardReader(port=emu.port_path, timeout=1.5)
    yield r
    r.close()


def test_resident_card_read_completely(reader, emu):
    emu.place(PERSON, new_address="广西南宁市青秀区示例路2号")
    rec = reader.read(wait=3)
    assert rec["person"] == PERSON
    assert rec["card"]["type"] == "resident"
    assert rec["card"]["new_address"] == "广西南宁市青秀区示例路2号"
    assert len(rec["card"]["wlt"]) > 1000  # the WLT photo kept as bytes (base64), not shown
    assert reader.sam_id() == bytes(range(16)).hex()


def test_long_term_validity_and_lower_x(reader, emu):
    person = dict(
        PERSON, id_number="11010519491231002X", birth_date="1949-12-31", sex="2", id_valid_to="长期"
    )
    emu.place(person)
    rec = reader.read(wait=3)
    assert rec["person"]["id_valid_to"] == "长期"
    assert rec["person"]["id_number"] == "11010519491231002X"


def test_hong_kong_and_foreign_cards_decoded_and_refused(reader, emu):
    hk = dict(PERSON, id_number=make_id_number("810000", dt.date(1991, 1, 1), 7))
    hk.pop("ethnic")
    emu.place(hk, "hmt_residence", {"pass_number": "H12345678", "issue_count": "02"})
    rec = reader.read(wait=3)
    assert rec["card"] == {
        "type": "hmt_residence",
        "pass_number": "H12345678",
        "issue_count": "02",
        "wlt": rec["card"]["wlt"],
    }
    assert "ethnic" not in rec["person"]
    with pytest.raises(DeviceError) as exc:
        refuse_for_permit(rec)
    assert exc.value.code == "card_type_not_eligible"
    foreign = {
        "sex": "2",
        "id_number": "USA110019910101",
        "birth_date": "1991-01-01",
        "id_valid_from": "2020-01-01",
        "id_valid_to": "2030-01-01",
        "name": "测试外",
    }
    for kind in ("foreign_2017", "foreign_2023"):
        emu.place(foreign, kind, {"english_name": "TEST, SAMPLE", "nationality": "USA"})
        rec = reader.read(wait=3)
        assert rec["card"]["type"] == kind
        assert rec["card"]["english_name"] == "TEST, SAMPLE"
        with pytest.raises(DeviceError):
            refuse_for_permit(rec)


@pytest.mark.parametrize(
    "fault,code",
    [
        ("sw3:41", "card_read_failed"),
        ("sw3:31", "card_auth_failed"),
        ("sw3:60", "sam_self_test"),
        ("bad_text", "card_data_invalid"),
    ],
)
def test_faults_are_typed_and_the_reader_recovers(reader, emu, fault, code):
    emu.inject(fault)
    t0 = time.monotonic()
    with pytest.raises(DeviceError) as exc:
        reader.read(wait=5)
    assert exc.value.code == code
    assert time.monotonic() - t0 < 2  # a status of the module is final: not asked again
    assert "360426199101010071" not in exc.value.message
    assert reader.read(wait=3)["person"] == PERSON  # the next good read works


@pytest.mark.parametrize("fault", ["bad_checksum", "wrong_length", "truncated", "silence"])
@pytest.mark.parametrize("where", ["find card", "read card"])
def test_one_garbled_reply_is_asked_again_within_the_wait(reader, emu, fault, where):
    """A noisy cable corrupts one frame: the read goes on while --wait has time left."""
    emu.inject(fault if where == "find card" else f"read:{fault}")
    assert reader.read(wait=4)["person"] == PERSON
    reads = emu.commands.count(p.READ_TEXT_PHOTO)
    assert reads == (1 if where == "find card" else 2)


@pytest.mark.parametrize(
    ("fault", "code"),
    [("bad_checksum", "frame_checksum"), ("truncated", "frame_truncated")],
)
def test_every_reply_garbled_gives_up_when_the_wait_is_over(reader, emu, fault, code):
    emu.always(fault)
    t0 = time.monotonic()
    with pytest.raises(DeviceError) as exc:
        reader.read(wait=2.5)
    elapsed = time.monotonic() - t0
    assert exc.value.code == code and "find card" in exc.value.message
    assert 2.4 < elapsed < 2.5 + reader.timeout + 1
    assert emu.commands.count(p.FIND_CARD) >= 2  # it did ask again
    emu.always(None)
    assert reader.read(wait=3)["person"] == PERSON


@pytest.mark.parametrize("sw3", sorted(set(p.STATUS) - {p.NO_CONTENT, p.NO_CARD}))
def test_every_status_code_is_a_typed_error(reader, emu, sw3):
    emu.inject(f"sw3:{sw3:02X}")
    with pytest.raises(DeviceError) as exc:
        reader.read(wait=2)
    assert exc.value.code == p.STATUS[sw3][0]
    assert f"{sw3:02X}" in exc.value.message
    assert reader.read(wait=3)["person"] == PERSON


def test_garbage_before_a_frame_is_skipped(reader, emu):
    emu.inject("garbage", "garbage")
    assert reader.read(wait=3)["person"] == PERSON
    assert emu.commands.count(p.FIND_CARD) == 1  # resynchronised, not asked again


def test_timeout_names_the_step(reader, emu):
    emu.always("silence")
    with pytest.raises(DeviceError) as exc:
        reader.read(wait=1)
    assert exc.value.code == "reader_timeout"
    assert "find card" in exc.value.message


def test_poll_loop_rides_over_a_garbled_reply(emu):
    """The desktop's watcher: one bad frame while polling or reading is not an error event."""
    events = []
    emu.remove()
    reader = SerialIdCardReader(port=emu.port_path, timeout=0.5)
    reader.start(events.append)
    try:
        time.sleep(0.5)
        emu.inject("bad_checksum", "read:truncated")
        emu.place(PERSON)
        deadline = time.monotonic() + 8
        while not any(e.kind == "read" for e in events) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        reader.close()
    assert [e.kind for e in events][:2] == ["placed", "read"]
    assert events[1].data["person"] == PERSON


def test_no_card_within_wait(reader, emu):
    emu.remove()
    t0 = time.monotonic()
    with pytest.raises(DeviceError) as exc:
        reader.read(wait=1)
    assert exc.value.code == "no_card"
    assert time.monotonic() - t0 < 3


def test_missing_port_and_unplug_replug(emu):
    with pytest.raises(DeviceError) as exc:
        SerialIdCardReader(port="/dev/ttyNOPE0").open()
    assert exc.value.code == "reader_missing"
    with pytest.raises(DeviceError):
        SerialIdCardReader(port="")
    events = []
    reader = SerialIdCardReader(port=emu.port_path, timeout=0.5)
    reader.start(events.append)
    try:
        deadline = time.monotonic() + 5
        while not any(e.kind == "read" for e in events) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [e.kind for e in events][:2] == ["placed", "read"]
        emu.remove()
        deadline = time.monotonic() + 5
        while not any(e.kind == "removed" for e in events) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert events[-1].kind == "removed"
    finally:
        reader.close()


def test_poll_loop_idles_without_busy_waiting(emu):
    emu.remove()
    reader = SerialIdCardReader(port=emu.port_path, timeout=0.5)
    reader.start(lambda e: None)
    try:
        before = time.process_time()
        time.sleep(1.5)
        cpu = (time.process_time() - before) / 1.5
    finally:
        reader.close()
    assert cpu < 0.2  # generous: the figure (about 1 %) is in the benchmark


def test_permission_denied_says_what_to_do(tmp_path, monkeypatch):
    import serial

    def denied(*a, **k):
        raise serial.SerialException(13, "could not open port: [Errno 13] Permission denied")

    monkeypatch.setattr(serial, "Serial", denied)
    with pytest.raises(DeviceError) as exc:
        SerialIdCardReader(port="/dev/ttyS0").open()
    assert exc.value.code == "reader_permission"
    assert "dialout" in exc.value.message


def test_simulated_reader_and_its_error_cases():
    sim = SimulatedIdCardReader(seed=1)
    rec = sim.read(wait=1)
    assert rec["card"]["type"] == "resident" and rec["person"]["id_number"]
    sim.inject("removed")
    with pytest.raises(DeviceError):
        sim.read(wait=1)
    sim.inject("hmt")
    assert sim.read(wait=1)["card"]["type"] == "hmt_residence"
    sim.close()


def test_cli_card_read_from_the_serial_port(emu):
    out = run_cli(
        "--json",
        "card",
        "read",
        "--port",
        emu.port_path,
        "--wait",
        "3",
        env={"PATH": "/usr/bin:/bin", "STATION_LANG": "en"},
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["person"] == PERSON and doc["card"]["type"] == "resident"
    emu.remove()
    out = run_cli(
        "card", "read", "--port", emu.port_path, "--wait", "1", env={"PATH": "/usr/bin:/bin"}
    )
    assert out.returncode == 5


def test_cli_card_read_asks_again_after_one_corrupted_reply(emu):
    """Issue 16: one corrupted reply no longer ends ``card read`` while --wait has time left."""
    env = {"PATH": "/usr/bin:/bin", "STATION_LANG": "en"}
    emu.inject("read:bad_checksum")
    out = run_cli("--json", "card", "read", "--port", emu.port_path, "--wait", "5", env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["person"] == PERSON
    assert emu.commands.count(p.READ_TEXT_PHOTO) == 2


def test_cli_card_read_every_reply_corrupted_exits_5_after_the_wait(emu):
    emu.always("bad_checksum")
    t0 = time.monotonic()
    out = run_cli(
        "card",
        "read",
        "--port",
        emu.port_path,
        "--wait",
        "2",
        env={"PATH": "/usr/bin:/bin", "STATION_LANG": "en"},
    )
    elapsed = time.monotonic() - t0
    assert out.returncode == 5, out.stderr
    assert "failed its checksum (find card)" in out.stderr and "Traceback" not in out.stderr
    assert elapsed > 2  # it kept asking for the whole wait
    assert emu.commands.count(p.FIND_CARD) > 3


@settings(max_examples=120, deadline=None)
@given(st.binary(max_size=80), st.binary(max_size=40))
def test_fuzzed_frames_give_typed_errors(prefix, body):
    class Port:
        timeout = 0.1

        def __init__(self, data: bytes) -> None:
            self.data = data

        def read(self, n: int = 1) -> bytes:
            out, self.data = self.data[:n], self.data[n:]
            return out

    data = prefix + p.PREAMBLE + len(body).to_bytes(2, "big") + body
    try:
        frame = p.read_frame(Port(data), 0.2, "fuzz")
    except DeviceError as exc:
        assert exc.code in (
            "frame_checksum",
            "frame_length",
            "frame_truncated",
            "reader_timeout",
            "frame_garbage",
        )
    else:
        assert isinstance(frame, bytes)


@settings(max_examples=150, deadline=None)
@given(st.binary(min_size=256, max_size=256))
def test_fuzzed_text_blocks_never_crash(block):
    try:
        rec = decode_text(block)
    except DeviceError as exc:
        assert exc.code in ("card_data_invalid", "unknown_card_type")
    else:
        assert rec["person"]["id_number"]


def test_text_round_trip():
    assert decode_text(encode_text(PERSON))["person"] == PERSON


def test_concurrent_reads_are_serialised(reader, emu):
    results, errors = [], []

    def go():
        try:
            results.append(reader.read(wait=3)["person"]["id_number"])
        except DeviceError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 3
