"""Sync status: station-wide (waiting, in flight, last success, the last error) and the records
that need a person — a rejection opens straight into a correction at the field the service
named; conflicts are listed for the supervisor. "Sync now" starts a round."""

from __future__ import annotations

from typing import Any

from station import desk
from station.errors import StationError
from ui.adapter import StationBridge
from ui.models import field_label, service_message, state_label
from ui.qt import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from ui.tables import fill_table, make_table, row_key


class SyncStatusDialog(QDialog):
    def __init__(
        self, bridge: StationBridge, sync: Any = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.bridge, self.sync = bridge, sync
        self.overview: dict[str, Any] = {}
        self.setWindowTitle(self.tr("Sync status"))
        self.resize(1000, 600)
        self.figures = QLabel(self.tr("Loading…"))
        self.figures.setObjectName("photoStatus")
        self.figures.setWordWrap(True)
        self.last = QLabel("")
        self.last.setObjectName("muted")
        self.last.setWordWrap(True)
        self.action_title = QLabel(self.tr("Needs action (Enter opens the correction)"))
        self.table = make_table(
            [
                self.tr("Application no."),
                self.tr("Name"),
                self.tr("State"),
                self.tr("Field"),
                self.tr("The service says"),
            ]
        )
        self.table.activated.connect(lambda index: self.open_correction(index.row()))
        self.table.doubleClicked.connect(lambda index: self.open_correction(index.row()))
        self.sync_button = QPushButton(self.tr("Sync now"))
        self.sync_button.setObjectName("primary")
        self.sync_button.setEnabled(sync is not None)
        self.sync_button.clicked.connect(self.sync_now)
        close = QPushButton(self.tr("Close (Esc)"))
        close.clicked.connect(self.reject)
        for b in (self.sync_button, close):
            b.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sync_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.figures)
        layout.addWidget(self.last)
        layout.addWidget(self.action_title)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        if sync is not None:
            sync.state_changed.connect(self._sync_state)
        self.load()

    def load(self) -> None:
        self.bridge.op(desk.sync_overview).success(self._show).run_in_background()

    def _sync_state(self, state: dict[str, Any]) -> None:
        if state.get("running"):
            self.figures.setText(self.tr("Sending…"))
        else:
            self.load()

    def _show(self, ov: dict[str, Any]) -> None:
        self.overview = ov
        self.figures.setText(
            self.tr(
                "%1 waiting to be sent · %2 accepted · %3 need action · %4 cards ready · "
                "%5 handovers not yet sent"
            )
            .replace("%1", str(ov["pending"] + ov["in_flight"]))
            .replace("%2", str(ov["accepted"] + ov["duplicate"]))
            .replace("%3", str(ov["needs_action"]))
            .replace("%4", str(ov["ready_for_pickup"]))
            .replace("%5", str(ov["handovers_unsent"]))
            + "\n"
            + self.tr(
                "%1 rejected in production (after acceptance) · %2 waiting for a photo, "
                "not sent until it is added"
            )
            .replace("%1", str(ov.get("rejected_in_production", 0)))
            .replace("%2", str(ov.get("photo_needed", 0)))
        )
        last = self.tr("Last successful sync: %1").replace(
            "%1", str(ov.get("last_success") or self.tr("never"))
        )
        if ov.get("last_error"):
            last += "\n" + self.tr("Last problem: %1 (retried automatically)").replace(
                "%1", str(ov["last_error"])
            )
        if ov.get("code_tables_refused"):
            last += "\n" + self.tr(
                "The central service's code tables %1 were refused; the loaded station profile "
                "stays in use (station doctor)"
            ).replace("%1", str(ov["code_tables_refused"]))
        if ov.get("exported"):
            last += "\n" + self.tr(
                "%1 exported batch(es) wait for the central service's answer"
            ).replace("%1", str(ov["exported"]))
        if self.sync is None:
            last += "\n" + self.tr(
                "This station is not enrolled with the central service; a technician enrols it"
            )
        self.last.setText(last)
        rows = ov["needs_action_list"]
        fill_table(
            self.table,
            [
                [
                    r["number"],
                    r["name"],
                    state_label(r["state"]),
                    field_label(r["field"]) if r["field"] else "—",
                    service_message(r["code"], r["message"]),
                ]
                for r in rows
            ],
            [r["uuid"] for r in rows],
        )

    def sync_now(self) -> None:
        if self.sync is not None:
            self.sync.sync_now()
            self.figures.setText(self.tr("Sending…"))

    def open_correction(self, row: int) -> None:
        """The rejected record in the intake wizard, at the field the service named."""
        uuid = row_key(self.table, row)
        if uuid is None or not self.bridge.can("app.correct_own"):
            return
        field = next(
            (r["field"] for r in self.overview.get("needs_action_list", []) if r["uuid"] == uuid),
            "",
        )

        def work(s: Any) -> tuple[dict[str, Any], dict[str, str]]:
            return s.get_application(uuid), s.settings_map()

        self.bridge.op(work).success(lambda r: self._show_correction(r[0], r[1], field)).failure(
            self._failed
        ).run_in_background()

    def _show_correction(
        self, record: dict[str, Any], settings: dict[str, str], field: str
    ) -> None:
        from ui.intake import IntakeDialog

        self.correction = IntakeDialog(self.bridge, settings, self, correct=record)
        self.correction.focus_field(field)
        self.correction.finished.connect(lambda _r: self.load())
        self.correction.show()

    def _failed(self, exc: BaseException) -> None:
        self.last.setText(exc.message if isinstance(exc, StationError) else type(exc).__name__)


__all__ = ["SyncStatusDialog"]
