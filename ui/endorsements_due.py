"""The permits whose yearly endorsement falls due in the next 30 days (station/reports/
endorsements_due.py): the holders to call in, soonest first, and the list as a file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from station.errors import StationError
from ui.adapter import StationBridge
from ui.qt import QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from ui.tables import fill_table, make_table


class EndorsementsDueDialog(QDialog):
    def __init__(self, bridge: StationBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("endorsementsDue")
        self.bridge = bridge
        self.items: list[dict[str, Any]] = []
        self.setWindowTitle(self.tr("Endorsements due in the next 30 days"))
        self.resize(1100, 560)
        self.summary = QLabel(self.tr("Loading…"))
        self.summary.setObjectName("photoStatus")
        self.summary.setWordWrap(True)
        self.table = make_table(
            [
                self.tr("Due by"),
                self.tr("Days left"),
                self.tr("Application no."),
                self.tr("Name"),
                self.tr("ID number"),
                self.tr("Phone"),
                self.tr("Community"),
                self.tr("Card issued"),
            ]
        )
        self.export_button = QPushButton(self.tr("Export the list…"))
        self.export_button.setVisible(bridge.can("report.export"))
        self.export_button.clicked.connect(lambda: self.export())
        close = QPushButton(self.tr("Close (Esc)"))
        close.clicked.connect(self.reject)
        for button in (self.export_button, close):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.load()

    def load(self) -> None:
        from station.reports.endorsements_due import endorsements_due

        self.bridge.op(endorsements_due).success(self._show).failure(
            self._failed
        ).run_in_background()

    def _show(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.summary.setText(
            self.tr(
                "%1 holder(s) to call in: the endorsement is done in the month before each "
                "anniversary of the card's issue date; a missed one suspends the card"
            ).replace("%1", str(len(items)))
        )
        fill_table(
            self.table,
            [
                [
                    i["due"],
                    i["days_left"],
                    i["number"],
                    i["name"] or self.tr("(removed after retention)"),
                    i["id_masked"],
                    i["phone"],
                    i["community"],
                    i["issue_date"],
                ]
                for i in items
            ],
            [i["number"] for i in items],
        )

    def export(self, path: str | None = None) -> None:
        if not path:
            path, _f = QFileDialog.getSaveFileName(
                self,
                self.tr("Save the list"),
                f"endorsements-due-{dt.date.today()}.xlsx",
                "*.xlsx *.csv",
            )
        if not path:
            return
        chosen = Path(path)

        def work(store: Any) -> int:
            from station.reports.endorsements_due import endorsements_due, write_due

            store.require("report.export")
            items = endorsements_due(store)
            write_due(items, chosen)
            store.audit(
                "report.export",
                detail={
                    "report": "endorsements_due",
                    "date": str(dt.date.today()),
                    "rows": len(items),
                },
            )
            return len(items)

        self.bridge.op(work).success(
            lambda n: self.summary.setText(
                self.tr("Saved %1 (%2 holders)").replace("%1", str(chosen)).replace("%2", str(n))
            )
        ).failure(self._failed).run_in_background()

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText(exc.message if isinstance(exc, StationError) else type(exc).__name__)


__all__ = ["EndorsementsDueDialog"]
