"""The main window: who is logged in, a search box that finds as you type, the application list."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Any

from station.errors import StationError
from station.roles import role_label
from ui.adapter import StationBridge
from ui.home_figures import HomeFigures
from ui.models import ApplicationListModel
from ui.qt import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    shortcut,
)

if TYPE_CHECKING:
    from ui.record_view import RecordView
    from ui.review import ReviewDialog

SEARCH_DELAY_MS = 150


class MainWindow(QMainWindow):
    logout_requested = Signal()
    language_requested = Signal(str)  # "zh_CN" or "en"

    def __init__(
        self, bridge: StationBridge, sync: Any = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.sync = sync
        self._search_serial = 0
        self.setWindowTitle(self.tr("Residence-permit intake station"))
        self.resize(1366, 768)

        header = QWidget()
        header.setObjectName("header")
        title = QLabel(self.tr("Residence-permit intake station"))
        title.setObjectName("title")
        station = QLabel(self.tr("Station %1").replace("%1", bridge.station_code))
        station.setObjectName("subtitle")
        who = QLabel(f"{bridge.operator} · {role_label(bridge.role)}")
        who.setObjectName("who")
        self.photo_button = QPushButton(self.tr("Camera (F3)"))
        self.photo_button.setToolTip(self.tr("Check the camera and take a test photo"))
        self.photo_button.clicked.connect(self.open_camera)
        shortcut(self, "F3", self.open_camera)
        self.new_button = QPushButton(self.tr("New registration (F4)"))
        self.new_button.clicked.connect(self.open_intake)
        self.new_button.setVisible(bridge.can("app.create"))
        shortcut(self, "F4", self.open_intake)
        self.import_button = QPushButton(self.tr("Import"))
        self.import_button.clicked.connect(self.open_import)
        self.import_button.setVisible(bridge.can("app.import"))
        self.reports_button = QPushButton(self.tr("Reports"))
        self.reports_button.clicked.connect(self.open_reports)
        self.reports_button.setVisible(bridge.can("report.export"))
        from station import i18n

        other = "en" if i18n.language() != "en" else "zh_CN"
        # each language is named in itself, as language pickers do
        self.language_button = QPushButton("English" if other == "en" else "中文")
        self.language_button.setObjectName("language")
        self.language_button.setToolTip(self.tr("Switch the interface language"))
        self.language_button.clicked.connect(lambda: self.language_requested.emit(other))
        self.logout_button = QPushButton(self.tr("Log out"))
        self.logout_button.clicked.connect(self.logout_requested.emit)
        hl = QHBoxLayout(header)
        hl.setContentsMargins(20, 8, 20, 8)
        titles = QVBoxLayout()  # title over "station · operator": room for the buttons
        titles.setSpacing(0)
        titles.addWidget(title)
        line = QHBoxLayout()
        line.addWidget(station)
        line.addSpacing(12)
        line.addWidget(who)
        line.addStretch(1)
        titles.addLayout(line)
        hl.addLayout(titles)
        hl.addStretch(1)
        hl.addWidget(self.new_button)
        hl.addWidget(self.import_button)
        hl.addWidget(self.reports_button)
        hl.addWidget(self.photo_button)
        hl.addWidget(self.language_button)
        hl.addWidget(self.logout_button)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(
            self.tr("Search by ID number, name, phone or application number")
        )
        self.search.textChanged.connect(self._schedule_search)
        self.photo_filter = QPushButton(self.tr("Waiting for a photo only"))
        self.photo_filter.setObjectName("photoFilter")
        self.photo_filter.setCheckable(True)
        self.photo_filter.setAutoDefault(False)
        self.photo_filter.setToolTip(
            self.tr("Only the applications that are not sent until their photo is added")
        )
        self.photo_filter.toggled.connect(lambda _on: self._run_search())
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._run_search)
        shortcut(self, "Ctrl+F", self.search.setFocus)

        self.model = ApplicationListModel(self)
        self.table = QTableView()
        self.table.setObjectName("applications")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setShowGrid(False)
        self.table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.table.verticalHeader().setDefaultSectionSize(34)

        self.result_label = QLabel("")
        self.result_label.setObjectName("muted")

        self.table.doubleClicked.connect(lambda index: self.open_record(index.row()))
        self.table.activated.connect(lambda index: self.open_record(index.row()))

        body = QWidget()
        outer = QHBoxLayout(body)
        outer.setContentsMargins(20, 16, 20, 12)
        outer.setSpacing(18)
        outer.addWidget(self._home_panel())
        bl = QVBoxLayout()
        bl.setSpacing(10)
        search_line = QHBoxLayout()
        search_line.addWidget(self.search, 1)
        search_line.addWidget(self.photo_filter)
        bl.addLayout(search_line)
        bl.addWidget(self.result_label)
        bl.addWidget(self.table, 1)
        outer.addLayout(bl, 1)

        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(header)
        cl.addWidget(body, 1)
        self.setCentralWidget(central)

        self.today_label = QLabel("")
        self.busy_label = QLabel("")
        self.sync_label = QLabel(self.tr("Sync: not enrolled") if sync is None else "")
        self.sync_label.setObjectName("syncState")
        self.sync_button = QPushButton(self.tr("Sync now"))
        self.sync_button.setEnabled(sync is not None)
        self.sync_button.clicked.connect(self.sync_now)
        self.statusBar().addWidget(self.today_label)
        self.statusBar().addWidget(self.sync_label)
        self.statusBar().addPermanentWidget(self.sync_button)
        self.statusBar().addPermanentWidget(self.busy_label)
        bridge.busy.connect(self.busy_label.setText)
        if sync is not None:
            sync.state_changed.connect(self.show_sync_state)
        bridge.error.connect(self._show_error)
        self.search.setFocus()
        self.refresh()

    def _home_panel(self) -> QWidget:
        """Today's figures and one big entry per workflow of the day."""
        panel = QWidget()
        panel.setObjectName("home")
        panel.setMinimumWidth(300)
        panel.setMaximumWidth(380)
        panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.today_count = QLabel("—")
        self.today_count.setObjectName("bigNumber")
        today_caption = QLabel(self.tr("applications taken in today"))
        today_caption.setObjectName("muted")
        self.backlog = QLabel(self.tr("Sync: not enrolled") if self.sync is None else "")
        self.backlog.setObjectName("muted")
        self.backlog.setWordWrap(True)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(8)
        self.figures = HomeFigures()
        self.figures.setVisible(self.bridge.can("app.search"))
        self.figures.photo_needed_clicked.connect(lambda: self.photo_filter.setChecked(True))
        self.figures.rejections_clicked.connect(self.open_sync_status)
        self.figures.endorsements_clicked.connect(self.open_endorsements_due)
        layout.addWidget(self.today_count)
        layout.addWidget(today_caption)
        layout.addWidget(self.backlog)
        layout.addWidget(self.figures)
        layout.addSpacing(10)
        find_first = self.tr(
            "Find the applicant in the list, open the record (Enter) and choose %1 there"
        )
        change, replace, move = (
            find_first.replace("%1", action)
            for action in (self.tr("change"), self.tr("replacement"), self.tr("move-out"))
        )
        may_correct = self.bridge.can("app.correct_own")
        entries = [
            (self.tr("New registration  F4"), self.open_intake, self.bridge.can("app.create"), ""),
            (
                self.tr("Change of address or employer"),
                lambda: self.find_first(change),
                may_correct,
                "",
            ),
            (self.tr("Replacement card"), lambda: self.find_first(replace), may_correct, ""),
            (self.tr("Move-out"), lambda: self.find_first(move), may_correct, ""),
            (
                self.tr("Yearly endorsement"),
                lambda: self.open_with_settings(self._endorse),
                self.bridge.can("endorse"),
                "",
            ),
            (
                self.tr("Card pickup"),
                lambda: self.open_with_settings(self._pickup),
                self.bridge.can("pickup.handover"),
                "",
            ),
            (self.tr("Search  Ctrl+F"), self.search.setFocus, self.bridge.can("app.search"), ""),
            (self.tr("Sync status"), self.open_sync_status, self.bridge.can("app.search"), ""),
            (self.tr("Day review"), self.open_review, self.bridge.can("review"), ""),
        ]
        self.entries: dict[str, QPushButton] = {}
        for text, action, allowed, tip in entries:
            button = QPushButton(text)
            button.setObjectName("entry")
            button.setAutoDefault(False)
            if action is not None:
                button.clicked.connect(action)
            button.setEnabled(allowed and action is not None)
            if tip:
                button.setToolTip(tip)
            button.setVisible(allowed or action is None)
            layout.addWidget(button)
            self.entries[text] = button
        layout.addStretch(1)
        return panel

    def open_with_settings(self, show: Any) -> None:
        self.bridge.op(lambda s: s.settings_map()).success(show).run_in_background()

    def _endorse(self, settings: dict[str, str]) -> None:
        from ui.endorse import EndorseDialog

        self.endorse_dialog = EndorseDialog(self.bridge, settings, self)
        self.endorse_dialog.finished.connect(lambda _r: self.refresh())
        self.endorse_dialog.show()

    def _pickup(self, settings: dict[str, str]) -> None:
        from ui.pickup import PickupDialog

        self.pickup_dialog = PickupDialog(self.bridge, settings, self.sync, self)
        self.pickup_dialog.finished.connect(lambda _r: self.refresh())
        self.pickup_dialog.show()

    def open_sync_status(self) -> None:
        from ui.sync_view import SyncStatusDialog

        self.sync_dialog = SyncStatusDialog(self.bridge, self.sync, self)
        self.sync_dialog.finished.connect(lambda _r: self.refresh())
        self.sync_dialog.show()

    def open_endorsements_due(self) -> None:
        from ui.endorsements_due import EndorsementsDueDialog

        self.endorsements_dialog = EndorsementsDueDialog(self.bridge, self)
        self.endorsements_dialog.show()

    def open_review(self) -> None:
        from ui.review import ReviewDialog

        self.review_dialog = ReviewDialog(self.bridge, self)
        self.review_dialog.record_requested.connect(
            functools.partial(self._record_for_review, self.review_dialog)
        )
        self.review_dialog.show()

    def _record_for_review(self, review: ReviewDialog, ref: str) -> None:
        self.show_record(ref, review).changed.connect(review.load)

    def find_first(self, hint: str) -> None:
        self.search.setFocus()
        self.search.selectAll()
        self.result_label.setText(hint)

    # -- data --------------------------------------------------------------------------------
    def refresh(self) -> None:
        today = dt.date.today()
        if self.bridge.can("app.search"):
            self.bridge.op(lambda s: s.count_for_day(today)).success(
                self._show_today
            ).run_in_background()
            from station.desk import home_figures

            self.bridge.op(home_figures).success(self.figures.show_figures).run_in_background()
        self._run_search()

    def _show_today(self, n: int) -> None:
        self.today_label.setText(self.tr("Taken in today: %1").replace("%1", str(n)))
        self.today_count.setText(str(n))

    # -- the windows the screens ask for ----------------------------------------------------
    def open_record(self, row: int) -> None:
        if not self.bridge.can("app.view") or not 0 <= row < self.model.rowCount():
            return
        self.show_record(self.model.row_data(row)["uuid"])

    def show_record(self, ref: str, parent: QWidget | None = None) -> RecordView:
        """One application's record view (from the list, a duplicate warning, the review)."""
        from ui.record_view import RecordView

        view = RecordView(self.bridge, ref, parent or self)
        view.changed.connect(self.refresh)
        view.correction_requested.connect(functools.partial(self.open_correction, view))
        self.record_view = view
        view.show()
        return view

    def open_correction(self, view: RecordView, record: dict[str, Any], kind: str) -> None:
        """The wizard on ``record`` (a correction, or a change of ``kind``) for ``view``."""
        self.bridge.op(lambda s: s.settings_map()).success(
            lambda settings: self._show_correction(view, settings, record, kind)
        ).run_in_background()

    def _show_correction(
        self, view: RecordView, settings: dict[str, str], record: dict[str, Any], kind: str
    ) -> None:
        from ui.intake import IntakeDialog

        dlg = IntakeDialog(self.bridge, settings, view, correct=record, kind=kind or None)
        dlg.record_requested.connect(functools.partial(self.show_record, parent=dlg))
        dlg.finished.connect(lambda _r: view.correction_closed(dlg.saved))
        self.correction = dlg
        dlg.show()

    def _schedule_search(self) -> None:
        self._timer.start()

    def _run_search(self) -> None:
        if not self.bridge.can("app.search"):
            self.search.setEnabled(False)
            self.result_label.setText(
                self.tr("Technicians manage the station; applications are not shown to this role.")
            )
            return
        self._search_serial += 1
        serial = self._search_serial
        text = self.search.text().strip()
        if self.photo_filter.isChecked():
            fn = lambda s: s.apps.browse(None, 200, photo_needed=True)  # noqa: E731
            text = ""
        elif text:
            fn = lambda s: s.search(text, 200)  # noqa: E731
        else:
            fn = lambda s: s.list_applications(None, 200)  # noqa: E731
        self.bridge.op(fn).success(
            lambda rows: self._show_rows(serial, text, rows)
        ).run_in_background()

    def _show_rows(self, serial: int, text: str, rows: list[dict[str, Any]]) -> None:
        if serial != self._search_serial:
            return  # an older search finished after a newer one was started
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount() - 1):
            self.table.setColumnWidth(column, self.table.columnWidth(column) + 12)
        if self.photo_filter.isChecked():
            self.result_label.setText(
                self.tr("%1 waiting for a photo (open one and press F3 to add it)").replace(
                    "%1", str(len(rows))
                )
            )
        elif text:
            self.result_label.setText(self.tr("%1 found").replace("%1", str(len(rows))))
        else:
            self.result_label.setText(self.tr("Latest applications"))

    def sync_now(self) -> None:
        if self.sync is not None:
            self.sync.sync_now()
            self.sync_label.setText(self.tr("Sync: sending…"))

    def show_sync_state(self, state: dict[str, Any]) -> None:
        if state.get("running"):
            text = self.tr("Sync: sending…")
        else:
            text = (
                self.tr("Sync: %1 waiting, %2 accepted, %3 need action, %4 cards ready")
                .replace("%1", str(state.get("pending", 0) + state.get("in_flight", 0)))
                .replace("%2", str(state.get("accepted", 0) + state.get("duplicate", 0)))
                .replace("%3", str(state.get("needs_action", 0)))
                .replace("%4", str(state.get("ready_for_pickup", 0)))
            )
            if state.get("error"):
                text += " · " + self.tr("offline: will retry")
            self.backlog.setText(text)
            self.refresh()  # states in the list changed only when a round finished
            self.bridge.refresh_profile()  # the round may have installed the city's new tables
        self.sync_label.setText(text)

    def open_intake(self) -> None:
        if not self.bridge.can("app.create"):
            return
        self.bridge.op(lambda s: s.settings_map()).success(self._show_intake).run_in_background()

    def _show_intake(self, settings: dict[str, str]) -> None:
        from ui.intake import IntakeDialog

        self.intake_dialog = IntakeDialog(self.bridge, settings, self)
        self.intake_dialog.record_requested.connect(
            functools.partial(self.show_record, parent=self.intake_dialog)
        )
        self.intake_dialog.finished.connect(lambda _r: self.refresh())
        self.intake_dialog.show()

    def open_import(self) -> None:
        from ui.exports_view import ImportDialog

        self.import_dialog = ImportDialog(self.bridge, self)
        self.import_dialog.finished.connect(lambda _r: self.refresh())
        self.import_dialog.show()

    def open_reports(self) -> None:
        from ui.exports_view import ReportsDialog

        self.reports_dialog = ReportsDialog(self.bridge, self)
        self.reports_dialog.show()

    def open_camera(self) -> None:
        """The live preview with the station's camera (configured driver, off the main thread)."""
        self.bridge.op(lambda s: s.settings_map()).success(self._show_camera).run_in_background()

    def _show_camera(self, settings: dict[str, str]) -> None:
        self.bridge.devices.camera_modules()
        from ui.photo_preview import PhotoPreview

        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("Camera"))
        dialog.resize(1000, 600)
        preview = PhotoPreview(session=self.bridge.devices.camera(settings, dialog))
        preview.failed.connect(self._camera_failed)
        layout = QVBoxLayout(dialog)
        layout.addWidget(preview)
        dialog.finished.connect(lambda _r: preview.stop())
        self.camera_dialog = dialog
        dialog.show()
        preview.start()

    def _camera_failed(self, message: str) -> None:
        self.statusBar().showMessage(message, 15000)

    def _show_error(self, exc: BaseException) -> None:
        text = exc.message if isinstance(exc, StationError) else type(exc).__name__
        QMessageBox.warning(self, self.tr("Something went wrong"), text)
