"""The device bridge with the simulated drivers (the real readers are covered through the
screens, tests/devices/test_endorse_ui.py): calls answer as signals on the main thread, an ID
reader is released after each call and the permit reader kept until closed, a session dies
with the widget that asked for it, ``stop()`` releases everything, card and camera events
become signals."""

from __future__ import annotations

import threading
import time

import pytest

from ui.qt import QWidget

SIM = {
    "idreader.driver": "sim",
    "idreader.seed": "5",
    "permit.driver": "sim",
    "camera.driver": "sim",
}


def session_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("device-session-")]


def wait_threads_gone(qtbot, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while session_threads() and time.monotonic() < deadline:
        qtbot.wait(20)
    assert session_threads() == []


@pytest.fixture
def bridge(qapp, qtbot):
    from ui.device_bridge import DeviceBridge

    owner = QWidget()
    qtbot.addWidget(owner)
    devices = DeviceBridge()
    yield devices, owner
    devices.stop()
    wait_threads_gone(qtbot)


def test_id_reader_answers_as_signals_and_is_released_after_each_read(bridge, qtbot):
    devices, owner = bridge
    reader = devices.id_reader(SIM, owner)
    for _ in range(2):
        call = reader.read(wait=5)
        with qtbot.waitSignal(call.done, timeout=10_000) as got:
            pass
        assert got.args[0]["person"]["id_number"]
        qtbot.waitUntil(lambda: reader._device is None, timeout=5_000)  # closed after the read


def test_a_card_whose_holder_gets_no_permit_is_refused_by_the_read(bridge, qtbot):
    from station.errors import DeviceError

    devices, owner = bridge
    reader = devices.id_reader(dict(SIM, **{"idreader.fail": "hmt"}), owner)
    call = reader.read(wait=5, refuse_permit=True)
    with qtbot.waitSignal(call.failed, timeout=10_000) as got:
        pass
    assert isinstance(got.args[0], DeviceError) and got.args[0].code == "card_type_not_eligible"


def test_permit_reader_stays_open_from_read_to_write_until_closed(bridge, qtbot):
    import datetime as dt

    devices, owner = bridge
    reader = devices.permit_reader(SIM, owner)
    read = reader.read(wait=5)
    with qtbot.waitSignal(read.done, timeout=10_000) as got:
        pass
    device = reader._device
    assert device is not None  # kept open for the write
    permit = got.args[0]["permit"]["number"]
    year = dt.date.today().year + 1  # a year the simulated card has no endorsement for
    write = reader.endorse(
        year,
        "450103000099",
        "000102030405060708090a0b0c0d0e0f",  # the simulated cards' key
        dt.date.today(),
        wait=5,
        expect_permit=permit,
    )
    with qtbot.waitSignal(write.done, timeout=10_000) as written:
        pass
    assert written.args[0]["endorsed"]["year"] == year
    assert reader._device is device  # the same reader session from the check to the write
    reader.close()
    wait_threads_gone(qtbot)
    assert reader._device is None


def test_a_session_dies_with_its_widget_while_a_read_waits(qapp, qtbot):
    from ui.device_bridge import DeviceBridge

    devices = DeviceBridge()
    owner = QWidget()
    reader = devices.permit_reader(dict(SIM, **{"permit.inserted": "0"}), owner)
    call = reader.read(wait=1.0)  # no card: waits its second
    seen: list[object] = []
    call.failed.connect(seen.append)
    qtbot.waitUntil(lambda: session_threads() != [], timeout=5_000)
    owner.deleteLater()
    qtbot.wait(50)
    wait_threads_gone(qtbot)  # the read ended, nobody was told, the reader was released
    assert seen == [] and reader._device is None
    devices.stop()


def test_stop_releases_every_session(qapp, qtbot):
    from ui.device_bridge import DeviceBridge

    devices = DeviceBridge()
    owner = QWidget()
    qtbot.addWidget(owner)
    permit = devices.permit_reader(SIM, owner)
    with qtbot.waitSignal(permit.read(wait=5).done, timeout=10_000):
        pass
    assert permit._device is not None and session_threads()
    devices.stop()
    wait_threads_gone(qtbot)
    assert permit._device is None


def test_card_events_become_signals(bridge, qtbot):
    devices, owner = bridge
    reader = devices.id_reader(SIM, owner)
    kinds: list[str] = []
    reader.card_event.connect(lambda kind, _payload: kinds.append(kind))
    reader.watch()
    qtbot.waitUntil(lambda: "read" in kinds, timeout=10_000)
    assert kinds[:2] == ["placed", "read"]
    reader.unwatch()
    qtbot.waitUntil(lambda: reader._device is None, timeout=5_000)


def test_camera_session_sends_frames_and_events(bridge, qtbot):
    devices, owner = bridge
    camera = devices.camera(SIM, owner)
    statuses: list[str] = []
    camera.status.connect(lambda kind, _message: statuses.append(kind))
    with qtbot.waitSignal(camera.frame, timeout=10_000) as got:
        camera.start(auto=False, view_size=(320, 240))
    frame = got.args[0]
    assert frame.display.shape[1] <= 320 and frame.analysis is not None and frame.shot is None
    camera.stop()
    assert not camera.camera.running and "opened" in statuses


def test_unusable_camera_setting_is_said_not_raised(bridge, qtbot):
    devices, owner = bridge
    camera = devices.camera({"camera.driver": "no-such-driver"}, owner)
    with qtbot.waitSignal(camera.status, timeout=5_000) as got:
        camera.start(auto=True, view_size=(320, 240))
    assert got.args[0] == "error" and "no-such-driver" in got.args[1]


def test_probe_for_the_first_run(bridge, qtbot):
    devices, owner = bridge
    call = devices.probe("camera", SIM, owner)
    with qtbot.waitSignal(call.done, timeout=10_000) as got:
        pass
    assert "×" in got.args[0]
