"""The supervisor's review of a day: applications by operator and by community, the records
flagged by rules (possible duplicate applicant, photo taken although a check failed, correction
after upload) — Enter opens the record —, and the audited end-of-day confirmation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from station import desk
from station.errors import StationError
from ui.adapter import StationBridge
from ui.qt import (
    QDate,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.tables import fill_table, make_table, row_key


class ReviewDialog(QDialog):
    record_requested = Signal(str)  # a flagged application's uuid

    def __init__(self, bridge: StationBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("review")
        self.bridge = bridge
        self.data: dict[str, Any] | None = None
        self.setWindowTitle(self.tr("Day review"))
        self.resize(1150, 660)
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setMaximumDate(QDate.currentDate())
        self.day.dateChanged.connect(lambda _d: self.load())
        self.headline = QLabel(self.tr("Loading…"))
        self.headline.setObjectName("photoStatus")
        self.headline.setWordWrap(True)
        self.by_operator = make_table([self.tr("Operator"), self.tr("Applications")])
        self.by_community = make_table([self.tr("Community"), self.tr("Applications")])
        self.flags = make_table(
            [
                self.tr("Application no."),
                self.tr("Name"),
                self.tr("Operator"),
                self.tr("Flag"),
                self.tr("Details"),
            ]
        )
        self.flags.activated.connect(lambda index: self.open_record(index.row()))
        self.flags.doubleClicked.connect(lambda index: self.open_record(index.row()))
        self.confirm_button = QPushButton(self.tr("Confirm the day"))
        self.confirm_button.setObjectName("primary")
        # not confirm itself: clicked's "checked" (False) would arrive as ask=False
        self.confirm_button.clicked.connect(lambda _checked=False: self.confirm())
        close = QPushButton(self.tr("Close (Esc)"))
        close.clicked.connect(self.reject)
        for b in (self.confirm_button, close):
            b.setAutoDefault(False)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Day")))
        top.addWidget(self.day)
        top.addWidget(self.headline, 1)
        figures = QVBoxLayout()
        figures.addWidget(QLabel(self.tr("By operator")))
        figures.addWidget(self.by_operator, 1)
        figures.addWidget(QLabel(self.tr("By community")))
        figures.addWidget(self.by_community, 1)
        flagged = QVBoxLayout()
        flagged.addWidget(QLabel(self.tr("Flagged records (Enter opens the record)")))
        flagged.addWidget(self.flags, 1)
        body = QHBoxLayout()
        body.addLayout(figures, 2)
        body.addLayout(flagged, 3)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)
        self.load()

    def selected_day(self) -> dt.date:
        return dt.date.fromisoformat(self.day.date().toString("yyyy-MM-dd"))

    def load(self) -> None:
        day = self.selected_day()
        self.bridge.op(lambda s: desk.day_review(s, day)).success(self._show).failure(
            self._failed
        ).run_in_background()

    def flag_label(self, flag: str) -> str:
        return {
            "duplicate_id": self.tr("Possible duplicate: same ID number"),
            "duplicate_name_birth": self.tr("Possible duplicate: same name and birth date"),
            "photo_override": self.tr("Photo taken although a check failed"),
            "corrected_after_upload": self.tr("Corrected after upload"),
        }.get(flag, flag)

    def _show(self, data: dict[str, Any]) -> None:
        self.data = data
        fill_table(self.by_operator, [[k, v] for k, v in data["by_operator"].items()])
        fill_table(self.by_community, [[k or "—", v] for k, v in data["by_community"].items()])
        flags = data["flags"]
        fill_table(
            self.flags,
            [
                [
                    f["number"],
                    f["name"],
                    f["operator"],
                    self.flag_label(f["flag"]),
                    "、".join(str(o) for o in f.get("others") or []),
                ]
                for f in flags
            ],
            [f["uuid"] for f in flags],
        )
        text = (
            self.tr("%1 application(s), %2 flagged")
            .replace("%1", str(data["total"]))
            .replace("%2", str(len(flags)))
        )
        if data["confirmed"]:
            text += " · " + self.tr("confirmed by %1 at %2").replace(
                "%1", data["confirmed"]["operator"]
            ).replace("%2", data["confirmed"]["at"][11:16])
        self.headline.setText(text)
        self.confirm_button.setEnabled(data["confirmed"] is None)

    def _failed(self, exc: BaseException) -> None:
        self.headline.setText(exc.message if isinstance(exc, StationError) else type(exc).__name__)

    def open_record(self, row: int) -> None:
        """The main window opens the record (and reloads the review when it is corrected)."""
        uuid = row_key(self.flags, row)
        if uuid is not None:
            self.record_requested.emit(str(uuid))

    def confirm(self, ask: bool = True) -> None:
        if self.data is None or self.data["confirmed"]:
            return
        if ask:
            text = (
                self.tr("Confirm %1: %2 application(s), %3 flagged record(s)?")
                .replace("%1", self.data["day"])
                .replace("%2", str(self.data["total"]))
                .replace("%3", str(len(self.data["flags"])))
            )
            if (
                QMessageBox.question(self, self.tr("Day review"), text)
                != QMessageBox.StandardButton.Yes
            ):
                return
        day = self.selected_day()
        self.confirm_button.setEnabled(False)
        self.bridge.op(lambda s: desk.confirm_day(s, day)).success(lambda _r: self.load()).failure(
            self._failed
        ).run_in_background()


__all__ = ["ReviewDialog"]
