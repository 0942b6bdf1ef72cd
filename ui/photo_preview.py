"""The live photo preview: the camera image, the face box, a guide oval and the check messages.

The camera and the checks run in a ``CameraSession`` of the device bridge (the camera grabs on
its own thread, the analysis on another; ``ui.photo_analysis``); the window gets the newest
analysed frame as a signal and never waits for the camera or the detector.

Signals: ``captured(CapturedPhoto)`` when a photo is taken (automatically or by hand) and
``failed(str)`` with the translated message when the camera cannot be used. A manual capture
while checks fail asks for confirmation and lists the reasons; the photo then carries
``override=True``. Nothing is stored here: the intake screen stores the accepted photo.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from station import photo
from ui.device_bridge import CameraSession

if TYPE_CHECKING:
    from ui.device_bridge import CameraDriver
from ui.photo_analysis import PreviewFrame
from ui.qt import (
    QCloseEvent,
    QColor,
    QHBoxLayout,
    QImage,
    QLabel,
    QMessageBox,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QPushButton,
    QRectF,
    QResizeEvent,
    QSizePolicy,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)

OK_COLOUR = QColor("#1b7f3b")
BAD_COLOUR = QColor("#c62828")
GUIDE_COLOUR = QColor(255, 255, 255, 210)


class _View(QWidget):
    """The picture with the guide oval and the face box, painted scaled to fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.image: QImage | None = None
        self.result: PreviewFrame | None = None
        self.message = ""

    def show_result(self, result: PreviewFrame) -> None:
        rgb = result.display
        self.image = QImage(
            rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0], QImage.Format.Format_RGB888
        ).copy()
        self.result = result
        self.message = ""
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
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
        camera: CameraDriver | None = None,
        parent: QWidget | None = None,
        *,
        auto_capture: bool = True,
        hold: float = 0.5,
        session: CameraSession | None = None,
    ) -> None:
        """``session``: the device bridge's camera session; or ``camera``, a camera driver
        object, run in a session of this preview's own (tests, tools)."""
        super().__init__(parent)
        self.setObjectName("photoPreview")
        self.auto_capture = auto_capture
        self.last: PreviewFrame | None = None
        self.photo: photo.CapturedPhoto | None = None
        self.confirm_box: QMessageBox | None = None
        if session is None:
            session = CameraSession(camera=camera, hold=hold)
        session.setParent(self)  # the camera goes with the preview
        self.session = session
        session.frame.connect(self._frame)
        session.status.connect(self._on_status)

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
    @property
    def camera(self) -> CameraDriver | None:
        """The camera driver of the session (its figures: frames seen, source)."""
        return self.session.camera

    def start(self, camera: CameraDriver | None = None) -> None:
        """Start the camera (on its own thread) and the analysis."""
        if camera is not None:
            self.session.use(camera)
        self.photo = None
        self.thumbnail.hide()
        self.capture_button.setText(self.tr("Take photo"))
        self.session.start(self.auto_capture, self._view_size())

    def stop(self) -> None:
        """Stop the analysis and release the camera."""
        self.session.stop()

    def retake(self) -> None:
        """Forget the photo taken and capture again."""
        self.photo = None
        self.thumbnail.hide()
        self.capture_button.setText(self.tr("Take photo"))
        self.session.rearm(self.auto_capture)
        self._set_status(self.tr("Look at the camera"), None)

    def _view_size(self) -> tuple[int, int]:
        return (max(320, self.view.width()), max(240, self.view.height()))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.stop()
        super().closeEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.session.set_view_size(self._view_size())

    # -- from the session --------------------------------------------------------------------
    def _frame(self, result: PreviewFrame) -> None:
        self._show(result)

    def _on_status(self, kind: str, message: str) -> None:
        if kind == "error" or message:
            self.view.message = message  # over the last picture, until frames come again
            self.view.update()
            self.capture_button.setEnabled(self.photo is not None)
            self.checks.clear()  # the last checks are about a picture that is gone
            self._set_status(message, False)
            self.failed.emit(message)
        elif kind in ("opened", "reconnected"):
            self._set_status(self.tr("Look at the camera"), None)
        elif kind == "ended":
            self._set_status(self.tr("The video has ended"), None)

    # -- showing -----------------------------------------------------------------------------
    def _show(self, result: PreviewFrame) -> None:
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
        elif self.photo is None and not self.session.ended:
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
        image = QImage.fromData(shot.jpeg)
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
        if self.last is None or not self.session.running:
            return
        if self.last.analysis.ok:
            self.session.capture()
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
            if box.clickedButton() is take:
                self.session.capture()

        box.finished.connect(done)
        box.open()
