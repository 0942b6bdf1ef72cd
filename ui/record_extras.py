"""Two parts of the record view: the 7+1 referrals with their outcomes, and the photo of an
application that waits for one (taken with the camera's live preview, or from a file).

Both work through the store (``store.referrals``, ``store.apps.add_photo``), which checks the
role, audits and keeps each action in one transaction; the widgets only ask and show.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from station import codes
from station.errors import StationError
from ui.adapter import StationBridge
from ui.qt import (
    QDate,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tables import fill_table, make_table, row_key

if TYPE_CHECKING:
    from station.photo import CapturedPhoto
    from ui.photo_preview import PhotoPreview


def _message(exc: BaseException) -> str:
    if isinstance(exc, StationError):
        errors = getattr(exc, "errors", None)
        if errors:
            return "；".join(e.message for e in errors)
        return exc.message
    return type(exc).__name__


class ReferralsPanel(QWidget):
    """The referrals of one application: each service asked for, referred on the day it was
    saved; a department's answer is recorded here as delivered or declined, on a date."""

    changed = Signal()

    def __init__(self, bridge: StationBridge, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge, self.ref = bridge, ref
        self.rows: list[dict[str, Any]] = []
        self.table = make_table(
            [
                self.tr("Service"),
                self.tr("State"),
                self.tr("Referred on"),
                self.tr("Outcome on"),
                self.tr("Recorded by"),
            ]
        )
        self.table.setObjectName("referrals")
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.delivered_button = QPushButton(self.tr("Delivered"))
        self.declined_button = QPushButton(self.tr("Declined by the applicant"))
        self.delivered_button.clicked.connect(lambda: self.record("delivered"))
        self.declined_button.clicked.connect(lambda: self.record("declined"))
        may = bridge.can("referral.record")
        for button in (self.delivered_button, self.declined_button):
            button.setAutoDefault(False)
            button.setVisible(may)
        self.date.setVisible(may)
        self.status = QLabel("")
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        actions = QHBoxLayout()
        outcome_on = QLabel(self.tr("Outcome on"))
        outcome_on.setVisible(may)
        actions.addWidget(outcome_on)
        actions.addWidget(self.date)
        actions.addWidget(self.delivered_button)
        actions.addWidget(self.declined_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        self.load()

    def state_label(self, state: str) -> str:
        return {
            "referred": self.tr("Referred, no answer yet"),
            "delivered": self.tr("Delivered"),
            "declined": self.tr("Declined by the applicant"),
        }.get(state, state)

    def load(self) -> None:
        ref = self.ref
        self.bridge.op(lambda s: s.referrals.of(ref)).success(self._show).failure(
            lambda e: self.status.setText(_message(e))
        ).run_in_background()

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        fill_table(
            self.table,
            [
                [
                    codes.label("services", r["service"]),
                    self.state_label(r["state"]),
                    r["referred_on"],
                    r["outcome_on"] or "—",
                    r["outcome_by"] or "—",
                ]
                for r in rows
            ],
            [r["service"] for r in rows],
        )
        if not rows:
            self.status.setText(self.tr("The applicant asked for none of the 7+1 services"))
        for button in (self.delivered_button, self.declined_button):
            button.setEnabled(bool(rows))

    def record(self, outcome: str, row: int | None = None) -> None:
        """The selected referral's outcome on the date chosen (audited by the store)."""
        if row is None:
            row = self.table.currentIndex().row()
        service = row_key(self.table, row) if row is not None and row >= 0 else None
        if service is None:
            self.status.setText(self.tr("Choose a service in the list first"))
            return
        ref, day = self.ref, dt.date.fromisoformat(self.date.date().toString("yyyy-MM-dd"))

        def done(_result: Any) -> None:
            self.status.setText(self.tr("Outcome recorded"))
            self.changed.emit()
            self.load()

        self.bridge.op(lambda s: s.referrals.record(ref, str(service), outcome, day)).success(
            done
        ).failure(lambda e: self.status.setText(_message(e))).run_in_background()


class PhotoAdder(QDialog):
    """The photo of an application that waits for one: the camera's live preview (taken when
    every check passes, or by hand), or a picture file checked as a still picture. Saved as a
    new version of the application, which then goes to the central service."""

    added = Signal(object)  # the store's result

    def __init__(
        self,
        bridge: StationBridge,
        ref: str,
        settings: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        from ui.photo_preview import PhotoPreview

        self.bridge, self.ref = bridge, ref
        self.setWindowTitle(self.tr("Add the applicant's photo"))
        self.resize(1000, 620)
        self.preview: PhotoPreview = PhotoPreview(session=bridge.devices.camera(settings, self))
        self.preview.captured.connect(self.captured)
        self.status = QLabel(
            self.tr("The photo is taken when every check passes (or by hand with the button)")
        )
        self.status.setObjectName("photoStatus")
        self.status.setWordWrap(True)
        self.preview.failed.connect(self.status.setText)
        self.file_button = QPushButton(self.tr("From a file…"))
        self.file_button.setAutoDefault(False)
        self.file_button.clicked.connect(lambda: self.from_file())
        close = QPushButton(self.tr("Close (Esc)"))
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.file_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.finished.connect(lambda _r: self.preview.stop())

    def start(self) -> None:
        self.preview.start()

    def captured(self, shot: CapturedPhoto) -> None:
        self.preview.stop()
        override = list(shot.analysis.reasons) if shot.override else None
        ref, jpeg = self.ref, shot.jpeg
        self._save(lambda s: s.apps.add_photo(ref, jpeg, photo_override=override))

    def from_file(self, path: str | None = None) -> None:
        if not path:
            path, _f = QFileDialog.getOpenFileName(
                self, self.tr("The applicant's photo"), "", "*.jpg *.jpeg *.png *.bmp"
            )
        if not path:
            return
        ref, chosen = self.ref, path

        def work(s: Any) -> Any:
            from station.photo_files import photo_from_file

            shot = photo_from_file(chosen)
            return s.apps.add_photo(ref, shot.jpeg)

        self.preview.stop()
        self._save(work)

    def _save(self, work: Any) -> None:
        self.status.setText(self.tr("Saving the photo…"))
        self.bridge.op(work).success(self._saved).failure(self._failed).run_in_background()

    def _saved(self, result: dict[str, Any]) -> None:
        self.added.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(_message(exc))


__all__ = ["PhotoAdder", "ReferralsPanel"]
