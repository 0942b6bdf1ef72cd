"""A product never silently uses a simulated device: without configuration the station's
defaults (station/settings.py) pick the real drivers, and with no reader there the answer is
exit 5 "no reader", never a simulated card's fake person."""

from __future__ import annotations

import json
import traceback

import pytest

from devices import open_device
from devices.camera.driver import OpenCvCamera
from devices.idcard.driver import SerialIdCardReader
from devices.permit.driver import PcscPermitCardReader
from station.errors import DeviceError
from tests.conftest import run_cli


def test_unconfigured_devices_are_the_real_drivers():
    with open_device("permit", {}) as permit:
        assert isinstance(permit, PcscPermitCardReader)
    for config in ({}, {"idreader.port": "/dev/ttyNONE"}):  # the serial reader, not there
        with pytest.raises(DeviceError) as missing:
            with open_device("idreader", config):
                pass
        assert missing.value.code == "reader_missing" and missing.value.exit_code == 5
        assert missing.value.__traceback__ is not None
        assert any(
            isinstance(frame.f_locals.get("self"), SerialIdCardReader)
            for frame, _line in traceback.walk_tb(missing.value.__traceback__)
        )
    camera = open_device("camera", {})
    assert isinstance(camera, OpenCvCamera) and camera.device == 0
    camera.close()


def test_sim_only_when_configured():
    with open_device("permit", {"permit.driver": "sim"}, delay=0) as sim:
        assert sim.read(wait=0)["person"]["name"]


def test_card_read_without_a_reader_is_exit_5(tmp_path):
    """No --port, no --reader, no operator: the permit reader through PC/SC, which is not
    there — here pcscd cannot be reached (a client socket that does not exist), so no other
    test session's card is read either."""
    env = {"PATH": "/usr/bin:/bin", "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.sock")}
    out = run_cli("--json", "card", "read", "--wait", "0.5", env=env)
    assert out.returncode == 5, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    error = json.loads(out.stdout)["error"]
    assert error["code"] in ("pcscd_not_running", "reader_missing")
    assert "person" not in out.stdout
