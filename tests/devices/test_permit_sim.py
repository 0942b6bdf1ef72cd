"""The simulated permit reader (demo), the driver factory, and the PC/SC test fixture's own
contract (skip when the stack is missing, fail under CI=true)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from devices.base import CardEvent, open_device
from devices.permit import PermitCardReader
from devices.permit.apdu import AlreadyEndorsedError, PermitCardError
from devices.permit.driver import PcscPermitCardReader
from devices.permit.emulator import PermitCard, synthetic_fields
from devices.permit.sim import ERRORS, READER, SimulatedPermitCardReader
from station.errors import StationError, UsageError

ROOT = Path(__file__).resolve().parents[2]
DEMO_KEY_HEX = "000102030405060708090a0b0c0d0e0f"
STATION = "450103000001"


@pytest.fixture
def sim():
    device = open_device(
        "permit",
        {"permit.driver": "sim", "permit.endorse_key": DEMO_KEY_HEX, "permit.reader": ""},
        delay=0,
    )
    yield device
    device.close()


def test_factory_picks_the_drivers():
    with open_device(
        "permit",
        {
            "permit.driver": "pcsc",
            "permit.reader": "Virtual PCD 00 01",
            "permit.endorse_key": DEMO_KEY_HEX,
        },
    ) as pcsc:
        assert isinstance(pcsc, PcscPermitCardReader) and pcsc.reader_name == "Virtual PCD 00 01"
    with open_device("permit", {"permit.driver": "sim"}, delay="0") as device:
        assert isinstance(device, SimulatedPermitCardReader)
        assert isinstance(device, PermitCardReader)


def test_sim_read_shape_and_endorse(sim):
    assert sim.readers() == [READER]
    record = sim.read(wait=0)
    assert set(record) == {"person", "residence", "permit"}
    assert set(record["person"]) == {
        "id_number",
        "name",
        "sex",
        "ethnic",
        "birth_date",
        "hukou_address",
    }
    assert set(record["permit"]) == {"number", "authority", "issue_date", "endorsements"}
    assert record["person"] == synthetic_fields(0)["person"]
    assert [e["year"] for e in record["permit"]["endorsements"]] == [2024, 2025]
    out = sim.endorse(2026, STATION, DEMO_KEY_HEX, dt.date(2026, 4, 1))
    assert out["endorsed"] == {"year": 2026, "station": STATION, "date": "2026-04-01"}
    assert sim.read()["permit"]["endorsements"][-1] == out["endorsed"]
    with pytest.raises(AlreadyEndorsedError):
        sim.endorse(2026, STATION, bytes.fromhex(DEMO_KEY_HEX), dt.date(2026, 4, 2))
    with pytest.raises(PermitCardError) as info:
        sim.endorse(2027, STATION, "ff" * 16, dt.date(2027, 4, 2))
    assert info.value.code == "endorse_refused"


def test_sim_refuses_bad_arguments(sim):
    with pytest.raises(UsageError):
        sim.endorse(26, STATION, DEMO_KEY_HEX, dt.date(2026, 1, 1))
    with pytest.raises(UsageError):
        sim.endorse(2026, "12", DEMO_KEY_HEX, dt.date(2026, 1, 1))
    with pytest.raises(UsageError) as info:
        sim.endorse(2026, STATION, "not a key", dt.date(2026, 1, 1))
    assert info.value.code == "endorse_key_invalid"
    with pytest.raises(UsageError):
        SimulatedPermitCardReader(error="melted")


@pytest.mark.parametrize("error", [e for e in ERRORS if e])
def test_sim_error_cases(error):
    with SimulatedPermitCardReader(error=error, delay=0) as device:
        with pytest.raises(StationError) as info:
            if error in ("endorse_refused", "file_full"):
                device.endorse(2026, STATION, DEMO_KEY_HEX, dt.date(2026, 1, 1))
            else:
                device.read(wait=0.05)
    assert info.value.code == error
    assert info.value.message


def test_sim_events_and_holder_cycling():
    events: list[CardEvent] = []
    cond = threading.Condition()

    def on_event(event: CardEvent) -> None:
        with cond:
            events.append(event)
            cond.notify_all()

    def wait(n: int) -> None:
        with cond:
            assert cond.wait_for(lambda: len(events) >= n, 5), events

    device = SimulatedPermitCardReader(delay=0)
    device.start(on_event)
    try:
        wait(2)
        device.remove()
        wait(3)
        device.insert()
        wait(5)
        device.insert(PermitCard.build(0, overrun=True))
        wait(8)
    finally:
        device.close()
    assert [e.kind for e in events] == [
        "placed",
        "read",
        "removed",
        "placed",
        "read",
        "removed",
        "placed",
        "error",
    ]
    assert events[1].data["person"]["name"] != events[4].data["person"]["name"]
    assert events[7].error is not None and getattr(events[7].error, "code", "") == "tlv_overrun"


def test_sim_waits_for_a_card():
    device = SimulatedPermitCardReader(delay=0, inserted="0")
    try:
        with pytest.raises(PermitCardError) as info:
            device.read(wait=0.05)
        assert info.value.code == "no_card"
        threading.Timer(0.1, device.insert).start()
        assert device.read(wait=3)["person"]["name"]
        device.remove()
        threading.Timer(0.1, device.insert).start()
        assert device.endorse(2026, STATION, DEMO_KEY_HEX, dt.date(2026, 1, 1), wait=3)["endorsed"]
    finally:
        device.close()


# -- the fixture module's contract ---------------------------------------------------------------
FIXTURE_USER = """
from tests.pcsc import pcsc_stack  # noqa: F401

def test_needs_the_stack(pcsc_stack):
    assert pcsc_stack.readers
"""


@pytest.mark.parametrize(("ci", "outcome"), [("", "skipped"), ("true", "failed")])
def test_fixture_skips_or_fails_without_the_stack(tmp_path, ci, outcome):
    """No pcscd reachable and none installed: skipped with the reason — or failed under CI."""
    (tmp_path / "test_user.py").write_text(FIXTURE_USER)
    env = dict(
        os.environ,
        PCSCLITE_CSOCK_NAME=str(tmp_path / "nowhere.comm"),
        PATH=str(Path(sys.executable).parent),
        CI=ci,
        PYTHONPATH=str(ROOT),
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            str(tmp_path / "test_user.py"),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    text = out.stdout + out.stderr
    assert "pcscd is neither running nor installed" in text, text
    if outcome == "skipped":
        assert out.returncode == 0 and "1 skipped" in text, text
    else:
        assert out.returncode == 1 and "CI=true" in text, text
