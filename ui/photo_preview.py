"""The live photo preview: the camera image, the face box, a guide oval and the check messages.

The camera grabs on its own thread; a second thread (``_Analyser``) takes the newest frame,
runs ``station.photo.analyse``, scales a copy for display and, when every check has passed for
half a second, captures the photo. Results reach the Qt main thread through
``MainThreadDispatcher`` one at a time (a slot that is overwritten, never a queue), so a slow
window never piles up frames and the window never waits for the camera or the detector.

Signals: ``captured(CapturedPhoto)`` when a photo is taken (automatically or by hand) and
``failed(str)`` with the translated message when the camera cannot be used. A manual capture
while checks fail asks for confirmation and lists the reasons; the photo then carries
``override=True``. Nothing is stored here: the intake screen stores the accepted photo.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from typing import Any

import cv2
import numpy as np

from devices.camera import Camera, CameraEvent
from station import photo
from station.errors import StationError
from ui.adapter import MainThreadDispatcher
from ui.qt import (
    QColor,
    QHBoxLayout,
    QImage,
    QLabel,
    QMessageBox,
    QPainter,
    QPen,
    QPixmap,
    QPushButton,
    QRectF,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

log = logging.getLogger(__name__)

OK_COLOUR = QColor("#1b7f3b")
BAD_COLOUR = QColor("#c62828")
GUIDE_COLOUR = QColor(255, 255, 255, 210)


class _Result:
    """What the analyser hands to the window for one frame."""

    __slots__ = ("analysis", "display", "frame", "scale", "progress", "shot")

    def __init__(
        self,
        frame: np.ndarray,
        analysis: photo.Analysis,
        display: np.ndarray,
        scale: float,
        progress: float,
        shot: photo.CapturedPhoto | None,
    ) -> None:
        self.frame = frame
        self.analysis = analysis
        self.display = display
        self.scale = scale
        self.progress = progress
        self.shot = shot


class _Analyser:
    """The analysis thread: newest frame → analysis → display copy (and auto-capture)."""

    def __init__(self, camera: Camera, deliver: Any, hold: float) -> None:
        self.camera = camera
        self.deliver = deliver  # called on this thread with a _Result; must not block
        self.auto = photo.AutoCapture(hold)
        self.auto_enabled = True
        self.view_size = (640, 480)
        self.manual: str | None = None  # "capture" request from the window
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="photo-analysis", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5.0)

    def _run(self) -> None:
        seen = 0
        last: tuple[np.ndarray, photo.Analysis] | None = None
        while not self._stop.is_set():
            got = self.camera.wait_frame(seen, timeout=0.2)
            if got is None:
                if self.manual and last is not None:  # the stream ended: take the last one
                    self._capture(*last, progress=0.0)
                elif not self.camera.running:  # ended or stopped: nothing to wait for
                    self._stop.wait(0.1)
                continue
            seen, frame = got
            try:
                analysis = photo.analyse(frame)
            except StationError as exc:
                log.warning("frame not analysed: %s", exc.code)
                continue
            last = (frame, analysis)
            now = time.monotonic()
            fire = self.auto_enabled and self.auto.feed(analysis, now)
            if fire or self.manual:
                self._capture(frame, analysis, self.auto.progress(now))
            else:
                self._show(frame, analysis, self.auto.progress(now), None)

    def _capture(self, frame: np.ndarray, analysis: photo.Analysis, progress: float) -> None:
        self.manual = None
        self.auto.reset()
        self.auto_enabled = False  # one photo; the window re-arms it on "retake"
        shot = photo.capture(frame, analysis)
        self._show(frame, analysis, progress, shot)

    def _show(
        self,
        frame: np.ndarray,
        analysis: photo.Analysis,
        progress: float,
        shot: photo.CapturedPhoto | None,
    ) -> None:
        h, w = frame.shape[:2]
        vw, vh = self.view_size
        scale = min(vw / w, vh / h) if w and h else 1.0
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small = cv2.resize(
            frame, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        )
        rgb = np.ascontiguousarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
        self.deliver(_Result(frame, analysis, rgb, scale, progress, shot))


class _View(QWidget):
    """The picture with the guide oval and the face box, painted scaled to fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.image: QImage | None = None
        self.result: _Result | None = None
        self.message = ""

    def show_result(self, result: _Result) -> None:
        rgb = result.display
        self.image = QImage(
            rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888
        ).copy()
        self.result = result
        self.message = ""
        self.update()

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#26313b"))
        if self.image is None or self.result is None:
            self._text(p, self.message)
            p.end()
            return
        iw, ih = self.image.width(), self.image.height()
        fit = min(self.width() / iw, self.height() / ih)
        dw, dh = iw * fit, ih * fit
        ox, oy = (self.width() - dw) / 2, (self.height() - dh) / 2
        p.drawImage(QRectF(ox, oy, dw, dh), self.image)
        if self.message:  # the camera is gone: the old picture, dimmed, and why
            p.fillRect(self.rect(), QColor(20, 28, 36, 120))
            self._text(p, self.message)
            p.end()
            return
        a = self.result.analysis
        k = self.result.scale * fit  # frame pixels -> widget pixels
        gx, gy, gw, gh = photo.guide_box(a.width, a.height)
        # The guide oval: where the whole head belongs (hair to chin, ear to ear).
        oval = QRectF(
            ox + (gx - gw * 0.25) * k, oy + (gy - gh * 0.5) * k, gw * 1.5 * k, gh * 1.72 * k
        )
        if a.face is not None:
            # The part of the picture that becomes the ID photo.
            cx, cy, cw, ch = photo.crop_box(a.face)
            p.setPen(QPen(QColor(120, 140, 160, 200), 1, Qt.PenStyle.DashLine))
            p.drawRect(QRectF(ox + cx * k, oy + cy * k, cw * k, ch * k))
        p.setPen(QPen(OK_COLOUR if a.ok else GUIDE_COLOUR, 3, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(oval)
        if self.result.progress > 0:
            p.setPen(QPen(OK_COLOUR, 6))
            p.drawArc(oval, 90 * 16, -round(360 * 16 * self.result.progress))
        if a.face is not None:
            x, y, w, h = a.face
            p.setPen(QPen(OK_COLOUR if a.ok else BAD_COLOUR, 2))
            p.drawRect(QRectF(ox + x * k, oy + y * k, w * k, h * k))
        p.end()

    def _text(self, p: QPainter, text: str) -> None:
        """A message across the middle, on a dark band (readable over any picture)."""
        if not text:
            return
        band = self.rect().adjusted(0, self.height() // 2 - 40, 0, -(self.height() // 2 - 40))
        p.fillRect(band, QColor(20, 28, 36, 200))
        p.setPen(QColor("#ffffff"))
        p.drawText(
            band.adjusted(16, 0, -16, 0),
            int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
            text,
        )


class PhotoPreview(QWidget):
    """The photo step of the intake: live preview, checks, automatic and manual capture."""

    captured = Signal(object)  # station.photo.CapturedPhoto
    failed = Signal(str)

    def __init__(
        self,
        camera: Camera | None = None,
        parent: QWidget | None = None,
        *,
        auto_capture: bool = True,
        hold: float = 0.5,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("photoPreview")
        self.camera = camera
        self.auto_capture = auto_capture
        self.hold = hold
        self.last: _Result | None = None
        self.photo: photo.CapturedPhoto | None = None
        self.confirm_box: QMessageBox | None = None
        self._analyser: _Analyser | None = None
        self._pending: _Result | None = None
        self._lock = threading.Lock()
        self._dispatch = MainThreadDispatcher(self)

        self.view = _View(self)
        self.view.message = self.tr("Starting the camera…")
        self.status = QLabel(self.tr("Starting the camera…"))
        self.status.setObjectName("photoStatus")
        self.status.setWordWrap(True)
        self.checks = QLabel()
        self.checks.setTextFormat(Qt.TextFormat.RichText)
        self.checks.setWordWrap(True)
        self.checks.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.thumbnail = QLabel()
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setFixedSize(photo.OUT_W // 2 + 4, photo.OUT_H // 2 + 4)
        self.thumbnail.setStyleSheet("border: 1px solid #c8d6e5; background: #ffffff")
        self.thumbnail.hide()
        self.capture_button = QPushButton(self.tr("Take photo"))
        self.capture_button.setObjectName("primary")
        self.capture_button.setToolTip(
            self.tr("Takes the photo now; when a check fails you are asked to confirm")
        )
        self.capture_button.clicked.connect(self._on_button)
        self.capture_button.setEnabled(False)  # until the first picture
        self.setFocusProxy(self.capture_button)

        side = QVBoxLayout()
        side.addWidget(self.status)
        side.addWidget(self.checks, 1)
        side.addWidget(self.thumbnail, 0, Qt.AlignmentFlag.AlignHCenter)
        side.addWidget(self.capture_button)
        panel = QWidget()
        panel.setLayout(side)
        panel.setFixedWidth(300)
        row = QHBoxLayout(self)
        row.addWidget(self.view, 1)
        row.addWidget(panel)

    # -- life cycle --------------------------------------------------------------------------
    def start(self, camera: Camera | None = None) -> None:
        """Start the camera (on its own thread) and the analysis."""
        self.stop()
        if camera is not None:
            self.camera = camera
        if self.camera is None:
            return
        self.photo = None
        self.thumbnail.hide()
        self.capture_button.setText(self.tr("Take photo"))
        self.camera.start(on_event=lambda ev: self._post(lambda: self._on_event(ev)))
        self._analyser = _Analyser(self.camera, self._deliver, self.hold)
        self._analyser.auto_enabled = self.auto_capture
        self._analyser.view_size = (max(320, self.view.width()), max(240, self.view.height()))
        self._analyser.start()

    def stop(self) -> None:
        """Stop the analysis and release the camera."""
        if self._analyser is not None:
            self._analyser.stop()
            self._analyser = None
        if self.camera is not None:
            self.camera.close()

    def retake(self) -> None:
        """Forget the photo taken and capture again."""
        self.photo = None
        self.thumbnail.hide()
        self.capture_button.setText(self.tr("Take photo"))
        if self._analyser is not None:
            self._analyser.auto.reset()
            self._analyser.auto_enabled = self.auto_capture
        self._set_status(self.tr("Look at the camera"), None)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self.stop()
        super().closeEvent(event)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self._analyser is not None:
            self._analyser.view_size = (max(320, self.view.width()), max(240, self.view.height()))

    # -- from the threads --------------------------------------------------------------------
    def _deliver(self, result: _Result) -> None:
        """Analysis thread: keep only the newest result; wake the window once."""
        with self._lock:
            wake = self._pending is None
            self._pending = result
        if wake or result.shot is not None:
            self._post(self._take_pending)

    def _post(self, fn: Any) -> None:
        """Run ``fn`` on the main thread; a widget already deleted by Qt stops the threads."""
        try:
            self._dispatch(fn)
        except RuntimeError:  # the C++ side is gone (parent window closed without stop())
            log.debug("photo preview gone; stopping its threads")
            analyser, camera = self._analyser, self.camera
            if analyser is not None:
                analyser.stop()
            if camera is not None:
                camera.stop()

    def _take_pending(self) -> None:
        with self._lock:
            result, self._pending = self._pending, None
        if result is not None:
            self._show(result)

    def _on_event(self, event: CameraEvent) -> None:
        if event.error is not None:
            self.view.message = event.error.message  # over the last picture, until frames
            self.view.update()  # come again
            self.capture_button.setEnabled(self.photo is not None)
            self.checks.clear()  # the last checks are about a picture that is gone
            self._set_status(event.error.message, False)
            self.failed.emit(event.error.message)
        elif event.kind in ("opened", "reconnected"):
            self._set_status(self.tr("Look at the camera"), None)
        elif event.kind == "ended":
            self._set_status(self.tr("The video has ended"), None)

    # -- showing -----------------------------------------------------------------------------
    def _show(self, result: _Result) -> None:
        self.last = result
        self.capture_button.setEnabled(True)
        self.view.show_result(result)
        a = result.analysis
        lines = []
        for check in sorted(a.checks, key=lambda c: c.ok):
            colour = OK_COLOUR if check.ok else BAD_COLOUR
            mark = "✔" if check.ok else "✘"
            lines.append(
                f'<div style="color:{colour.name()}; margin-bottom:4px">{mark} '
                f"{html.escape(check.message)}</div>"
            )
        self.checks.setText("".join(lines))
        if result.shot is not None:
            self._accept(result.shot)
        elif self.photo is None and not (self.camera is not None and self.camera.ended):
            if a.ok:
                self._set_status(self.tr("Hold still…"), True)
            else:
                self._set_status(self.tr("Not ready yet: see the items in red"), None)

    def _set_status(self, text: str, ok: bool | None) -> None:
        self.status.setText(text)
        colour = "" if ok is None else (OK_COLOUR if ok else BAD_COLOUR).name()
        self.status.setStyleSheet(f"color: {colour}" if colour else "")

    def _accept(self, shot: photo.CapturedPhoto) -> None:
        self.photo = shot
        image = QImage.fromData(shot.jpeg, "JPG")
        if not image.isNull():
            self.thumbnail.setPixmap(
                QPixmap.fromImage(
                    image.scaled(
                        photo.OUT_W // 2,
                        photo.OUT_H // 2,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )
            )
            self.thumbnail.show()
        self.capture_button.setText(self.tr("Retake"))
        self._set_status(
            self.tr("Photo taken")
            if not shot.override
            else self.tr("Photo taken despite failed checks"),
            not shot.override,
        )
        self.captured.emit(shot)

    # -- capture -----------------------------------------------------------------------------
    def _on_button(self) -> None:
        if self.photo is not None:
            self.retake()
            return
        if self.last is None or self._analyser is None:
            return
        if self.last.analysis.ok:
            self._analyser.manual = "capture"
            return
        reasons = "\n".join("• " + r for r in self.last.analysis.reasons)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Take the photo anyway?"),
            self.tr("The photo does not pass these checks:")
            + "\n\n"
            + reasons
            + "\n\n"
            + self.tr("A rejected photo means a second trip for the applicant. Take it anyway?"),
            QMessageBox.StandardButton.NoButton,
            self,
        )
        take = box.addButton(self.tr("Take anyway"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(take)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self.confirm_box = box

        def done() -> None:
            self.confirm_box = None
            if box.clickedButton() is take and self._analyser is not None:
                self._analyser.manual = "capture"

        box.finished.connect(done)
        box.open()
