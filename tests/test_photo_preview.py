"""The photo preview widget under pytest-qt (offscreen): live frames from the simulated camera,
automatic capture, confirmed manual capture, camera errors, a responsive window."""

from __future__ import annotations

import time

import pytest

from devices.camera.driver import OpenCvCamera
from devices.camera.sim import SimulatedCamera
from station.photo import CapturedPhoto
from tests import media

pytest.importorskip("PySide6")

from ui.photo_preview import PhotoPreview  # noqa: E402
from ui.qt import QMessageBox  # noqa: E402


@pytest.fixture
def preview(qtbot):
    widgets: list[PhotoPreview] = []

    def make(camera, **kw) -> PhotoPreview:
        w = PhotoPreview(camera, **kw)
        qtbot.addWidget(w)
        w.resize(960, 540)
        w.show()
        widgets.append(w)
        return w

    yield make
    for w in widgets:
        w.stop()


def test_shows_sim_frames_and_auto_captures(qtbot, preview, tmp_path):
    w = preview(SimulatedCamera())
    with qtbot.waitSignal(w.captured, timeout=10_000) as sig:
        w.start()
    shot = sig.args[0]
    assert isinstance(shot, CapturedPhoto)
    assert not shot.override and len(shot.jpeg) < 30_000
    assert w.view.image is not None and w.last is not None
    assert w.last.analysis.face is not None
    assert "✔" in w.checks.text() and "✘" not in w.checks.text()
    assert w.thumbnail.isVisible()
    assert w.capture_button.text() == w.tr("Retake")
    # It shows what a coordinator sees; the picture is kept for the report.
    w.grab().save(str(tmp_path / "preview.png"))
    # Only one photo until "retake".
    time.sleep(0.8)
    qtbot.wait(50)
    assert w.photo is shot


def test_retake_captures_again(qtbot, preview):
    w = preview(SimulatedCamera())
    with qtbot.waitSignal(w.captured, timeout=10_000):
        w.start()
    with qtbot.waitSignal(w.captured, timeout=10_000) as sig:
        w.capture_button.click()  # "Retake"
    assert not sig.args[0].override


def test_failing_frames_are_explained_and_not_captured(qtbot, preview, tmp_path):
    path = media.write_image(tmp_path / "dark.png", media.darkened())
    w = preview(OpenCvCamera(str(path), fps=15))
    captured = []
    w.captured.connect(captured.append)
    w.start()
    qtbot.waitUntil(lambda: w.last is not None, timeout=5_000)
    qtbot.wait(800)
    assert captured == []  # nothing is stored until a photo is accepted
    text = w.checks.text()
    assert "✘" in text and "太暗" in text


def test_manual_capture_asks_and_flags_override(qtbot, preview, tmp_path):
    path = media.write_image(tmp_path / "off.png", media.shifted())
    w = preview(OpenCvCamera(str(path), fps=15))
    w.start()
    qtbot.waitUntil(lambda: w.last is not None, timeout=5_000)
    # Cancel first: no photo.
    w.capture_button.click()
    box = w.confirm_box
    assert box is not None and box.isVisible()
    assert "人脸不在中间" in box.text()
    cancel = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole][0]
    cancel.click()
    qtbot.wait(300)
    assert w.photo is None
    # Then take it anyway.
    w.capture_button.click()
    box = w.confirm_box
    take = [b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole][0]
    with qtbot.waitSignal(w.captured, timeout=5_000) as sig:
        take.click()
    shot = sig.args[0]
    assert shot.override and shot.reasons
    assert w.status.text() == w.tr("Photo taken despite failed checks")


def test_manual_capture_when_checks_pass_needs_no_question(qtbot, preview):
    w = preview(SimulatedCamera(), auto_capture=False)
    w.start()
    qtbot.waitUntil(lambda: w.last is not None and w.last.analysis.ok, timeout=5_000)
    with qtbot.waitSignal(w.captured, timeout=5_000) as sig:
        w.capture_button.click()
    assert w.confirm_box is None and not sig.args[0].override


def test_missing_camera_says_why(qtbot, preview):
    w = preview(OpenCvCamera("/dev/video99"))
    with qtbot.waitSignal(w.failed, timeout=5_000) as sig:
        w.start()
    assert "/dev/video99" in sig.args[0]
    assert w.status.text() == sig.args[0]
    assert w.view.message == sig.args[0]
    w.capture_button.click()  # nothing to capture: no crash, no dialog
    assert w.confirm_box is None


def test_window_stays_responsive_during_preview(qtbot, preview):
    """The main thread is never blocked by the camera or the detector: a 10 ms timer keeps
    firing on time while 640×480 frames are analysed."""
    from ui.qt import QTimer

    w = preview(SimulatedCamera(), auto_capture=False)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    w.start()
    qtbot.wait(1500)
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert w.last is not None and w.camera.frames_seen > 20
    assert max(gaps) < 0.1, max(gaps)


def test_stop_releases_camera_and_threads(qtbot, preview):
    import threading

    cam = SimulatedCamera()
    w = preview(cam)
    w.start()
    qtbot.waitUntil(lambda: w.last is not None, timeout=5_000)
    w.stop()
    assert not cam.running and not cam.is_open
    names = [t.name for t in threading.enumerate()]
    assert "photo-analysis" not in names and "camera-sim" not in names


def test_camera_unplugged_mid_preview_then_back(qtbot, preview, tmp_path):
    from tests.test_photo_camera import FlakyCapture

    video = media.test_video(tmp_path / "v.avi", seconds=0.6)
    FlakyCapture.plugged = True
    cam = OpenCvCamera("/dev/null", opener=lambda _src: FlakyCapture(video))
    cam.retry_interval = 0.1
    w = preview(cam, auto_capture=False)
    w.start()
    qtbot.waitUntil(lambda: w.last is not None, timeout=5_000)
    with qtbot.waitSignal(w.failed, timeout=5_000) as sig:
        FlakyCapture.plugged = False
    assert "重新连接" in sig.args[0]  # "…reconnecting"
    assert w.view.message == sig.args[0] and not w.capture_button.isEnabled()
    assert w.checks.text() == ""
    qtbot.wait(100)
    w.grab().save(str(tmp_path / "unplugged.png"))
    seen = w.camera.frames_seen
    FlakyCapture.plugged = True
    qtbot.waitUntil(lambda: w.camera.frames_seen > seen + 3 and w.view.message == "", timeout=5_000)
    assert w.capture_button.isEnabled()


def test_widget_deleted_without_stop_ends_its_threads(qtbot):
    import threading

    cam = SimulatedCamera()
    w = PhotoPreview(cam, auto_capture=False)
    w.start()
    qtbot.waitUntil(lambda: w.last is not None, timeout=5_000)
    w.deleteLater()
    qtbot.wait(50)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (
        cam.running or any(t.name == "photo-analysis" for t in threading.enumerate())
    ):
        qtbot.wait(50)
    assert not cam.running
    assert not any(t.name == "photo-analysis" for t in threading.enumerate())
    cam.close()


@pytest.mark.slow
def test_preview_figures(qtbot, preview, capsys):
    """Frames shown per second with detection at 640×480 while the window stays responsive."""
    from ui.qt import QTimer

    w = preview(SimulatedCamera(fps=30), auto_capture=False)  # a 30 frames/s webcam
    shown = []
    original = w._show
    w._show = lambda r: (shown.append(time.perf_counter()), original(r))
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    w.start()
    qtbot.waitUntil(lambda: len(shown) > 0, timeout=5_000)
    t0, n0 = time.perf_counter(), len(shown)
    qtbot.wait(10_000)
    fps = (len(shown) - n0) / (time.perf_counter() - t0)
    timer.stop()
    gaps = sorted(b - a for a, b in zip(ticks, ticks[1:], strict=False))
    with capsys.disabled():
        print(
            f"\npreview: {fps:.1f} analysed frames shown/s, UI timer gap p99 "
            f"{gaps[int(len(gaps) * 0.99)] * 1000:.1f} ms, max {gaps[-1] * 1000:.1f} ms"
        )
    assert fps >= 25
    assert gaps[-1] < 0.1


def test_video_that_ends_keeps_the_last_picture_without_spinning(qtbot, preview, tmp_path):
    import resource

    video = media.write_video(tmp_path / "short.avi", [media.shifted()] * 5)
    w = preview(OpenCvCamera(str(video)), auto_capture=False)
    w.start()
    qtbot.waitUntil(lambda: w.status.text() == w.tr("The video has ended"), timeout=5_000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    qtbot.wait(1000)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_utime - before < 0.5  # idle, not busy
    assert w.view.image is not None
    # A manual capture still works on the last picture.
    w.capture_button.click()
    take = [
        b
        for b in w.confirm_box.buttons()
        if w.confirm_box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole
    ][0]
    with qtbot.waitSignal(w.captured, timeout=5_000) as sig:
        take.click()
    assert sig.args[0].override
