"""``DeviceBase``: the open/close/call plumbing every driver shares, and its guard that runs a
call made on the device's own thread inline instead of queueing it behind itself."""

from __future__ import annotations

import concurrent.futures
import threading
import time
from typing import Any

import pytest

import devices
from devices.base import BUILTIN, DeviceBase, DeviceWorker, load_driver
from devices.camera.sim import SimulatedCamera
from devices.idcard.driver import SerialIdCardReader
from devices.idcard.emulator import IdReaderEmulator
from devices.permit.sim import SimulatedPermitCardReader
from station.errors import DeviceError
from station.samples import sample_record

PERSON = {
    k: v
    for k, v in sample_record()["person"].items()
    if k not in ("phone", "education", "occupation")
}


def _threads(prefix: str) -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(prefix)]


def _gone(prefix: str, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while _threads(prefix) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not _threads(prefix)


@pytest.mark.parametrize("key", sorted(BUILTIN))
def test_every_builtin_driver_is_a_device_base(key):
    kind, name = key.split(".")
    assert issubclass(load_driver(kind, name), DeviceBase)


def test_a_nested_call_on_the_worker_itself_would_deadlock():
    """What the guard is for: a plain worker queues a nested call behind the running one."""
    worker = DeviceWorker("nested-demo")
    try:
        with pytest.raises(concurrent.futures.TimeoutError):
            worker.call_sync(lambda: worker.call_sync(lambda: 1, timeout=0.3))
    finally:
        worker.stop()


class StampingReader(SerialIdCardReader):
    """A province's driver that stamps each record with the reader's module id, through the
    public ``sam_id()`` — a call made from inside a call on the device thread."""

    def _read_card(self) -> dict[str, Any]:
        record = super()._read_card()
        record["card"]["sam_id"] = self.sam_id()
        return record


def test_nested_call_from_the_id_readers_device_thread_completes():
    """Before DeviceBase the ID reader queued ``sam_id()`` behind the read that made it: the
    read waited 30 s for itself and failed."""
    with IdReaderEmulator() as emu:
        emu.place(PERSON)
        reader = StampingReader(port=emu.port_path, timeout=1.0)
        try:
            t0 = time.monotonic()
            record = reader.read(wait=3)
            assert time.monotonic() - t0 < 3
            assert record["card"]["sam_id"] == bytes(range(16)).hex()
            assert record["person"] == PERSON
        finally:
            reader.close()
    assert _gone("device-idreader")


def test_close_from_a_listener_on_the_permit_device_thread():
    """The ``read`` event is delivered on the device thread; a listener that closes the reader
    there does not wait 15 s for itself."""
    reader = SimulatedPermitCardReader(delay=0)
    done = threading.Event()
    seen: list[str] = []

    def listener(event: devices.CardEvent) -> None:
        seen.append(event.kind)
        if event.kind == "read":
            assert reader.on_device_thread()
            nested = reader.read(wait=1)  # a nested call: inline
            assert nested["person"] == event.data["person"]
            t0 = time.monotonic()
            reader.close()
            seen.append(f"closed in {time.monotonic() - t0:.1f}")
            done.set()

    reader.start(listener)
    try:
        assert done.wait(5), seen
    finally:
        reader.close()
    assert seen[:2] == ["placed", "read"] and seen[2] == "closed in 0.0"
    assert not reader.is_open
    assert _gone("device-permit-sim")


def test_camera_listener_can_read_and_close_on_the_camera_thread():
    cam = SimulatedCamera(fps=50)
    got: dict[str, Any] = {}
    done = threading.Event()

    def on_frame(frame: Any) -> None:
        if done.is_set():
            return
        got["inline"] = cam.on_device_thread()
        got["shape"] = cam.read(timeout=1).shape  # would wait for a frame it is holding up
        cam.close()
        done.set()

    cam.start(on_frame=on_frame)
    try:
        assert done.wait(5)
    finally:
        cam.close()
    assert got == {"inline": True, "shape": (480, 640, 3)}
    assert not cam.running and not cam.is_open
    assert _gone("camera-sim")


def test_calls_between_frames_run_while_the_camera_loop_goes_on():
    """The frame loop runs one frame per step, so another call gets its turn at once."""
    cam = SimulatedCamera(fps=25)
    cam.start()
    try:
        assert cam.wait_frame(0, timeout=5) is not None
        t0 = time.monotonic()
        assert cam._call(lambda: threading.current_thread().name) == "camera-sim"
        assert time.monotonic() - t0 < 0.5
        assert cam.running
    finally:
        cam.close()


def test_open_is_once_for_many_threads_and_a_failed_open_ends_its_thread():
    opened: list[str] = []

    class Probe(DeviceBase):
        name = "probe"
        fail = False

        def _open(self) -> None:
            time.sleep(0.05)
            opened.append(threading.current_thread().name)
            if self.fail:
                raise DeviceError("probe_missing", "no probe")

        def ping(self) -> str:
            return self._call(lambda: threading.current_thread().name)

    probe = Probe()
    threads = [threading.Thread(target=probe.ping) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert opened == ["device-probe"]
    assert probe.ping() == "device-probe"
    probe.close()
    probe.close()  # idempotent
    assert _gone("device-probe")
    broken = Probe()
    broken.fail = True
    with pytest.raises(DeviceError):
        broken.open()
    assert _gone("device-probe")
    with probe:  # opens again after a close
        assert probe.ping() == "device-probe"
    assert _gone("device-probe")


def test_calls_after_a_stop_fail_instead_of_waiting():
    worker = DeviceWorker("stopping")
    gate = threading.Event()
    running = worker.call(gate.wait)
    worker.stop(timeout=0)  # the thread ends after the running call
    late = worker.call(lambda: 1)
    gate.set()
    assert running.result(2) is True
    with pytest.raises(DeviceError) as exc:
        late.result(2)
    assert exc.value.code == "device_closed"
