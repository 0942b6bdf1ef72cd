"""The camera drivers against real video and picture files (the transport seam of a camera)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import open_device
from devices.camera import Camera, CameraEvent, open_camera
from devices.camera.driver import OpenCvCamera
from devices.camera.sim import SimulatedCamera
from station import photo
from station.errors import DeviceError
from tests import media


@pytest.fixture(autouse=True)
def no_thread_left_behind():
    before = {t.ident for t in threading.enumerate()}
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        left = [
            t.name
            for t in threading.enumerate()
            if t.ident not in before and t.name.startswith("camera-")
        ]
        if not left:
            return
        time.sleep(0.05)
    pytest.fail(f"camera threads still running: {left}")


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    return media.test_video(tmp_path_factory.mktemp("media") / "applicant.avi", seconds=1.0)


class Events:
    def __init__(self) -> None:
        self.items: list[CameraEvent] = []
        self.cond = threading.Condition()

    def __call__(self, event: CameraEvent) -> None:
        with self.cond:
            self.items.append(event)
            self.cond.notify_all()

    def kinds(self) -> list[str]:
        return [e.kind for e in self.items]

    def wait(self, kind: str, timeout: float = 10.0, code: str | None = None) -> CameraEvent:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for e in self.items:
                    if e.kind == kind and (code is None or (e.error and e.error.code == code)):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {kind} {code or ''} event; got {self.kinds()}")
                self.cond.wait(left)


def wait_frames(cam: Camera, n: int, timeout: float = 10.0) -> np.ndarray:
    deadline = time.monotonic() + timeout
    start = cam.frames_seen
    frame = None
    while cam.frames_seen < start + n:
        got = cam.wait_frame(cam.frames_seen, timeout=max(0.01, deadline - time.monotonic()))
        assert got is not None, (cam.error, cam.frames_seen)
        frame = got[1]
    assert frame is not None
    return frame


# -- files ------------------------------------------------------------------------------------
def test_video_file_end_to_end(video):
    cam = OpenCvCamera(str(video), loop=True)
    seen: list[np.ndarray] = []
    cam.open()
    assert cam.kind == "video" and cam.fps == pytest.approx(25.0)
    cam.start(on_frame=seen.append)
    try:
        frame = wait_frames(cam, 10)
        assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
        assert cam.latest() is seen[-1] or cam.frames_seen > len(seen) - 1
        assert photo.analyse(frame).ok
        # Past the end of the 1-second file: it loops.
        wait_frames(cam, 30)
        assert cam.error is None and not cam.ended
    finally:
        cam.close()
    assert not cam.running and not cam.is_open


def test_video_is_paced_like_a_camera_and_latest_is_a_slot(video):
    cam = OpenCvCamera(str(video), loop=True)
    cam.start()
    try:
        wait_frames(cam, 1)
        t0, n0 = time.monotonic(), cam.frames_seen
        time.sleep(0.8)
        rate = (cam.frames_seen - n0) / (time.monotonic() - t0)
        assert 15 < rate < 35  # about the file's 25 frames/s
        # Only the newest frame is kept, however long nobody looks.
        assert isinstance(cam.latest(), np.ndarray)
        assert not hasattr(cam, "_queue")
    finally:
        cam.close()


def test_video_without_loop_ends(video):
    cam = OpenCvCamera(str(video), loop="false")
    events = Events()
    cam.start(on_event=events)
    try:
        events.wait("ended", timeout=5)
        assert cam.ended and cam.frames_seen == 25
        assert cam.wait_frame(cam.frames_seen, timeout=0.2) is None
        assert cam.latest() is not None  # the last picture stays
    finally:
        cam.close()


def test_picture_file_is_a_still_stream(tmp_path):
    path = media.write_image(tmp_path / "applicant.png", media.good())
    cam = OpenCvCamera(str(path), fps=20)
    with cam:
        cam.open()
        assert cam.kind == "image"
        cam.start()
        one = wait_frames(cam, 1)
        two = wait_frames(cam, 1)
        assert one is not two and np.array_equal(one, two)


def test_4k_picture_works(tmp_path):
    path = media.write_image(tmp_path / "big.jpg", media.frame_4k())
    cam = OpenCvCamera(str(path))
    with cam:
        frame = cam.read()
        assert frame.shape == (2160, 3840, 3)
        t = time.perf_counter()
        a = photo.analyse(frame)
        elapsed = time.perf_counter() - t
        assert a.ok, a.reasons
        assert elapsed < 0.5  # detection ran on a small copy


def test_black_frames_say_no_face_and_too_dark(tmp_path):
    path = media.write_video(tmp_path / "black.avi", [media.black()] * 10)
    cam = OpenCvCamera(str(path))
    with cam:
        a = photo.analyse(cam.read())
    assert {c.code for c in a.problems} == {"no_face", "too_dark"}


@pytest.mark.parametrize("name", ["fake.png", "fake.mp4", "fake.avi", "fake.txt"])
def test_file_that_is_not_an_image(tmp_path, name):
    path = media.not_an_image(tmp_path / name)
    cam = OpenCvCamera(str(path))
    with pytest.raises(DeviceError) as err:
        cam.open()
    assert err.value.code == "not_an_image" and err.value.exit_code == 5
    assert name in err.value.message and str(tmp_path) not in err.value.message
    assert cam.error is err.value


def test_not_an_image_stops_the_thread(tmp_path):
    cam = OpenCvCamera(str(media.not_an_image(tmp_path / "x.jpg")))
    events = Events()
    cam.start(on_event=events)
    try:
        assert events.wait("error").error.code == "not_an_image"
        deadline = time.monotonic() + 3
        while cam.running and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not cam.running  # retrying cannot help
    finally:
        cam.close()


def test_folder_and_truncated_file(tmp_path):
    with pytest.raises(DeviceError) as err:
        OpenCvCamera(str(tmp_path)).open()
    assert err.value.code == "not_an_image"
    good = media.test_video(tmp_path / "v.avi", seconds=0.4)
    cut = tmp_path / "cut.avi"
    cut.write_bytes(good.read_bytes()[:200])  # the header only
    with pytest.raises(DeviceError) as err:
        OpenCvCamera(str(cut)).open()
    assert err.value.code == "not_an_image"


# -- devices ----------------------------------------------------------------------------------
@pytest.mark.parametrize("device", ["/dev/video99", 99, "99"])
def test_missing_camera(device):
    cam = OpenCvCamera(device)
    with pytest.raises(DeviceError) as err:
        cam.open()
    assert err.value.code == "camera_missing"
    assert "99" in err.value.message


def test_missing_file_is_a_missing_camera(tmp_path):
    with pytest.raises(DeviceError) as err:
        OpenCvCamera(str(tmp_path / "nothing.avi")).open()
    assert err.value.code == "camera_missing"


def test_device_that_cannot_be_opened_is_busy():
    # /dev/null exists but is no camera: OpenCV cannot open it, as with a camera held by
    # another program.
    with pytest.raises(DeviceError) as err:
        OpenCvCamera("/dev/null").open()
    assert err.value.code == "camera_busy"


def test_missing_camera_on_the_thread_reports_and_keeps_trying():
    cam = OpenCvCamera("/dev/video99")
    cam.retry_interval = 0.05
    events = Events()
    cam.start(on_event=events)
    try:
        ev = events.wait("error")
        assert ev.error.code == "camera_missing"
        time.sleep(0.3)
        assert cam.running  # still trying: the camera may be plugged in later
        assert events.kinds().count("error") == 1  # reported once, not every retry
    finally:
        cam.close()
    assert events.kinds()[-1] == "stopped"


class FlakyCapture:
    """A USB camera at the transport seam: plays the test video; ``pull()`` makes reads fail
    (cable pulled out) and opening fail, ``plug()`` brings it back."""

    plugged = True
    opened = 0

    def __init__(self, video: Path) -> None:
        type(self).opened += 1
        self.cap = cv2.VideoCapture(str(video)) if type(self).plugged else None

    def isOpened(self) -> bool:  # noqa: N802
        return self.cap is not None and self.cap.isOpened()

    def read(self):
        if not type(self).plugged or self.cap is None:
            return False, None
        ok, frame = self.cap.read()
        if not ok:  # loop, as a live camera never ends
            self.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self.cap.read()
        return ok, frame

    def get(self, prop):
        return 0.0

    def set(self, prop, value):
        return True

    def release(self) -> None:
        if self.cap is not None:
            self.cap.release()


def test_disconnect_mid_preview_and_recovery(video):
    FlakyCapture.plugged = True
    cam = OpenCvCamera("/dev/null", fps=25, opener=lambda _src: FlakyCapture(video))
    cam.retry_interval = 0.1
    events = Events()
    cam.start(on_event=events)
    try:
        events.wait("opened")
        wait_frames(cam, 5)
        FlakyCapture.plugged = False  # the cable is pulled
        ev = events.wait("disconnected", code="camera_disconnected")
        assert "/dev/null" in ev.error.message
        assert cam.error.code == "camera_disconnected"
        before = cam.frames_seen
        time.sleep(0.4)
        assert cam.frames_seen == before  # no frames while unplugged
        FlakyCapture.plugged = True  # and plugged back in
        events.wait("reconnected")
        wait_frames(cam, 5)
        assert cam.error is None
    finally:
        cam.close()


def test_video_file_removed_mid_preview_then_restored(tmp_path):
    path = media.test_video(tmp_path / "short.avi", seconds=0.3)
    data = path.read_bytes()
    cam = OpenCvCamera(str(path), loop=True)
    cam.retry_interval = 0.1
    events = Events()
    cam.start(on_event=events)
    try:
        wait_frames(cam, 3)
        path.unlink()  # the source vanishes: the next loop cannot reopen it
        events.wait("disconnected", code="camera_disconnected", timeout=5)
        time.sleep(0.3)  # several attempts to reopen fail meanwhile
        assert cam.error.code == "camera_disconnected" and cam.running
        path.write_bytes(data)
        events.wait("reconnected", timeout=5)
        wait_frames(cam, 3)
        # Cut short while playing: the same story, then back again.
        path.write_bytes(b"")
        events.items.clear()
        events.wait("disconnected", timeout=5)
        path.write_bytes(data)
        events.wait("reconnected", timeout=5)
    finally:
        cam.close()


def test_faulty_listener_does_not_stop_the_camera(video):
    def boom(frame):
        raise RuntimeError("listener bug")

    cam = OpenCvCamera(str(video), loop=True)
    cam.start(on_frame=boom)
    try:
        wait_frames(cam, 5)
    finally:
        cam.close()


# -- the simulator and the factory ------------------------------------------------------------
def test_simulated_camera_moves_and_passes_the_checks():
    cam = SimulatedCamera()
    cam.start()
    try:
        wait_frames(cam, 1)
        t0, n0 = time.monotonic(), cam.frames_seen
        frames = [wait_frames(cam, 1) for _ in range(12)]
        rate = (cam.frames_seen - n0) / (time.monotonic() - t0)
    finally:
        cam.close()
    assert 18 < rate < 32
    assert frames[0].shape == (480, 640, 3)
    assert not np.array_equal(frames[0], frames[-1])  # moving and noisy
    analyses = [photo.analyse(f) for f in frames]
    assert sum(a.ok for a in analyses) >= 10, [a.reasons for a in analyses]
    centres = {a.face[0] + a.face[2] // 2 for a in analyses if a.face}
    assert len(centres) > 1  # the face drifts


def test_simulated_scenes():
    far = SimulatedCamera(scene="far")
    with far:
        assert "face_too_small" in {c.code for c in photo.analyse(far.read()).problems}
    dark = SimulatedCamera(scene="dark")
    with dark:
        assert "too_dark" in {c.code for c in photo.analyse(dark.read()).problems}


def test_factory_picks_the_driver_from_configuration(video):
    sim = open_device("camera", {"camera.driver": "sim", "camera.device": "0"})
    assert isinstance(sim, SimulatedCamera)
    cam = open_device(
        "camera", {"camera.driver": "opencv", "camera.device": str(video), "camera.loop": "true"}
    )
    assert isinstance(cam, OpenCvCamera) and cam.loop and cam.device == str(video)
    assert isinstance(open_camera({}, "sim"), SimulatedCamera)
    assert open_camera({"camera.driver": "sim"}, "3").device == 3
    assert open_camera({}, "/dev/video2").device == "/dev/video2"


def test_read_without_the_thread(video):
    cam = OpenCvCamera(str(video))
    try:
        assert cam.read().shape == (480, 640, 3)
        assert not cam.running
    finally:
        cam.close()
    assert os.path.exists(video)


@settings(max_examples=60)
@given(
    data=st.binary(max_size=600),
    head=st.sampled_from(
        [
            b"",
            b"RIFF\x00\x00\x00\x00AVI LIST",
            b"\x00\x00\x00\x18ftypmp42",
            b"\x89PNG\r\n\x1a\n",
            b"\xff\xd8\xff\xe0",
            b"\x1a\x45\xdf\xa3",
            b"GIF89a",
            b"BM",
        ]
    ),
    suffix=st.sampled_from([".png", ".jpg", ".avi", ".mp4", ".mkv", ".bin", ""]),
)
def test_any_file_opens_or_is_refused_with_a_typed_error(tmp_path_factory, data, head, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"source{suffix}"
    path.write_bytes(head + data)
    cam = OpenCvCamera(str(path))
    try:
        frame = cam.read()
    except DeviceError as exc:
        assert exc.code in (
            "not_an_image",
            "empty_frame",
            "camera_disconnected",
            "picture_damaged",
            "picture_too_large",
        )
    else:  # pragma: no cover - random bytes are almost never a picture or a video
        assert frame.ndim == 3
    finally:
        cam.close()
