"""The supervisor's exports and the registration-drive import, as dialogs.

Long work runs on the database worker with progress reported back to the main thread; the
import can be cancelled between chunks (rows already saved stay saved, nothing half-written)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from station.errors import StationError
from ui.adapter import StationBridge
from ui.qt import (
    QCheckBox,
    QComboBox,
    QDate,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def _message(exc: BaseException) -> str:
    return exc.message if isinstance(exc, StationError) else type(exc).__name__


class ReportsDialog(QDialog):
    def __init__(self, bridge: StationBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.setWindowTitle(self.tr("Reports"))
        self.setMinimumWidth(520)
        self.start = QDateEdit(QDate.currentDate())
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy-MM-dd")
        self.end = QDateEdit(QDate.currentDate())
        self.end.setCalendarPopup(True)
        self.end.setDisplayFormat("yyyy-MM-dd")
        self.format = QComboBox()
        for fmt, label in (
            ("xlsx", self.tr("Excel (XLSX, with charts)")),
            ("pdf", self.tr("PDF")),
            ("csv", self.tr("CSV (Excel/WPS)")),
        ):
            self.format.addItem(label, fmt)
        self.export_button = QPushButton(self.tr("Export report…"))
        self.export_button.setObjectName("primary")
        self.export_button.clicked.connect(self.export_report)
        self.referrals_button = QPushButton(self.tr("Export referral lists…"))
        self.referrals_button.clicked.connect(self.export_referrals)
        self.due_button = QPushButton(self.tr("Endorsements due…"))
        self.due_button.setToolTip(self.tr("The permits whose endorsement falls due in 30 days"))
        self.due_button.clicked.connect(self.open_endorsements_due)
        from ui.report_settings import ReportSettings

        self.settings = ReportSettings(bridge)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        form = QFormLayout()
        form.addRow(self.tr("From"), self.start)
        form.addRow(self.tr("To"), self.end)
        form.addRow(self.tr("Format"), self.format)
        buttons = QHBoxLayout()
        buttons.addWidget(self.referrals_button)
        buttons.addWidget(self.due_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addWidget(self.settings)

    def _dates(self) -> tuple[dt.date, dt.date]:
        return (
            dt.date.fromisoformat(self.start.date().toString("yyyy-MM-dd")),
            dt.date.fromisoformat(self.end.date().toString("yyyy-MM-dd")),
        )

    def _busy(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.export_button.setEnabled(not on)
        self.referrals_button.setEnabled(not on)

    def export_report(self, path: str | None = None) -> None:
        fmt = self.format.currentData()
        start, end = self._dates()
        if not path:
            path, _f = QFileDialog.getSaveFileName(
                self, self.tr("Save report"), f"report-{start}.{fmt}", f"*.{fmt}"
            )
        if not path:
            return

        def work(store: Any) -> int:
            from station.reports import audit_export, report_data
            from station.reports.writers import writer

            data = report_data(store, start, end)
            writer(fmt)(data, Path(path))
            audit_export(
                store, "daily" if start == end else "period", start, end, fmt, data["total"]
            )
            return int(data["total"])

        self._busy(True)
        self.bridge.op(work).success(
            lambda n: self._done(
                self.tr("Saved %1 (%2 applications)").replace("%1", path).replace("%2", str(n))
            )
        ).failure(lambda e: self._done(_message(e))).run_in_background()

    def export_referrals(self, folder: str | None = None) -> None:
        start, end = self._dates()
        if not folder:
            folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the lists"))
        if not folder:
            return

        def work(store: Any) -> int:
            from station.reports import audit_export, referral_lists
            from station.reports.writers import write_referrals

            lists = referral_lists(store, start, end)
            files = write_referrals(lists, Path(folder))
            audit_export(
                store, "referrals", start, end, "xlsx", sum(len(v) for v in lists.values())
            )
            return len(files)

        self._busy(True)
        self.bridge.op(work).success(
            lambda n: self._done(self.tr("%1 referral list(s) saved").replace("%1", str(n)))
        ).failure(lambda e: self._done(_message(e))).run_in_background()

    def open_endorsements_due(self) -> None:
        from ui.endorsements_due import EndorsementsDueDialog

        self.due_dialog = EndorsementsDueDialog(self.bridge, self)
        self.due_dialog.show()

    def _done(self, text: str) -> None:
        self._busy(False)
        self.status.setText(text)


class ImportDialog(QDialog):
    def __init__(self, bridge: StationBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.result: Any = None
        self.cancel_event = threading.Event()
        self.setWindowTitle(self.tr("Import a registration list"))
        self.resize(900, 560)
        self.file_label = QLabel(self.tr("No file chosen"))
        choose = QPushButton(self.tr("Choose file…"))
        choose.clicked.connect(self.choose)
        template = QPushButton(self.tr("Save the template…"))
        template.clicked.connect(self.save_template)
        outcomes = QPushButton(self.tr("Referral-outcome template…"))
        outcomes.setToolTip(
            self.tr("The list the departments fill in: delivered or declined, with the date")
        )
        outcomes.clicked.connect(lambda: self.save_template(referrals=True))
        self.photos_label = QLabel(self.tr("No photo folder"))
        self.photos_button = QPushButton(self.tr("Photo folder…"))
        self.photos_button.setToolTip(
            self.tr("Photos named by ID number (<ID number>.jpg); rows without one wait for it")
        )
        self.photos_button.clicked.connect(lambda: self.choose_photos())
        self.dry_run = QCheckBox(self.tr("Check only (store nothing)"))
        self.start_button = QPushButton(self.tr("Import"))
        self.start_button.setObjectName("primary")
        self.start_button.setEnabled(False)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_event.set)
        self.errors_button = QPushButton(self.tr("Save rejected rows…"))
        self.errors_button.setEnabled(False)
        self.errors_button.clicked.connect(self.save_errors)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.summary = QLabel("")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Row"), self.tr("Field"), self.tr("Code"), self.tr("Reason")]
        )
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        top = QHBoxLayout()
        top.addWidget(choose)
        top.addWidget(self.file_label, 1)
        top.addWidget(template)
        top.addWidget(outcomes)
        photos_line = QHBoxLayout()
        photos_line.addWidget(self.photos_button)
        photos_line.addWidget(self.photos_label, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.dry_run)
        actions.addStretch(1)
        actions.addWidget(self.errors_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.start_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(photos_line)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        self.path: str = ""
        self.photos: str = ""

    def choose_photos(self, folder: str | None = None) -> None:
        if not folder:
            folder = QFileDialog.getExistingDirectory(self, self.tr("Photo folder"))
        if folder:
            self.photos = folder
            self.photos_label.setText(Path(folder).name)

    def choose(self, path: str | None = None) -> None:
        if not path:
            path, _f = QFileDialog.getOpenFileName(
                self, self.tr("Registration list"), "", "*.xlsx *.csv"
            )
        if path:
            self.path = path
            self.file_label.setText(Path(path).name)
            self.start_button.setEnabled(True)

    def save_template(self, referrals: bool = False, path: str | None = None) -> None:
        if not path:
            path, _f = QFileDialog.getSaveFileName(
                self,
                self.tr("Save the template"),
                "referral-outcomes.xlsx" if referrals else "template.xlsx",
                "*.xlsx",
            )
        if path:
            from station.import_outcomes import write_outcome_template
            from station.import_sheets import write_template

            if referrals:
                write_outcome_template(Path(path))
            else:
                write_template(Path(path), self.bridge.profile)

    def start(self) -> None:
        path, dry = Path(self.path), self.dry_run.isChecked()
        photos = Path(self.photos) if self.photos else None
        self.cancel_event.clear()
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.show()
        dispatch = self.bridge.dispatch

        def progress(row: int) -> None:
            dispatch(lambda: self.summary.setText(self.tr("Row %1…").replace("%1", str(row))))

        def work(store: Any) -> Any:
            from station.import_outcomes import import_any

            return import_any(
                store, path, dry_run=dry, progress=progress, cancel=self.cancel_event, photos=photos
            )

        self.bridge.op(work).success(self._finished).failure(self._failed).run_in_background()

    def _finished(self, result: Any) -> None:
        self.result = result
        self.progress.hide()
        self.cancel_button.setEnabled(False)
        self.start_button.setEnabled(True)
        if result.referrals is not None:
            text = (
                self.tr("Referral outcomes: %1 recorded, %2 recorded before, %3 row(s) rejected")
                .replace("%1", str(result.saved))
                .replace("%2", str(result.skipped))
                .replace("%3", str(len(result.bad_rows)))
            )
        else:
            text = (
                self.tr("%1 saved, %2 already imported, %3 row(s) rejected")
                .replace("%1", str(result.saved))
                .replace("%2", str(result.skipped))
                .replace("%3", str(len(result.bad_rows)))
            )
            if result.waiting_photo:
                text += " · " + self.tr("%1 wait for their photo").replace(
                    "%1", str(result.waiting_photo)
                )
            if result.photos_added:
                text += " · " + self.tr("%1 photo(s) added to earlier rows").replace(
                    "%1", str(result.photos_added)
                )
        if result.cancelled:
            text += " · " + self.tr("cancelled")
        if result.interrupted_at is not None:
            text += " · " + self.tr(
                "the file could not be read after row %1; import it again when it is back"
            ).replace("%1", str(result.interrupted_at))
        self.summary.setText(text)
        self.table.setRowCount(len(result.errors))
        for i, e in enumerate(result.errors):
            for j, key in enumerate(("row", "field", "code", "message")):
                self.table.setItem(i, j, QTableWidgetItem(str(e[key])))
        self.errors_button.setEnabled(bool(result.bad_rows))

    def _failed(self, exc: BaseException) -> None:
        self.progress.hide()
        self.cancel_button.setEnabled(False)
        self.start_button.setEnabled(True)
        self.summary.setText(_message(exc))

    def save_errors(self, path: str | None = None) -> None:
        if self.result is None:
            return
        if not path:
            path, _f = QFileDialog.getSaveFileName(
                self, self.tr("Save rejected rows"), "rejected.xlsx", "*.xlsx"
            )
        if path:
            from station.import_sheets import write_error_sheet

            write_error_sheet(self.result, Path(path))
