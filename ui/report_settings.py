"""The figures the reports measure against, set by the supervisor on the reports screen: the
estimated floating population (the station's and per community), the coordinators per
community, the staff ratio and the three targets. Saved together through the store, which
allows each setting only to the role with its permission (``config.report``) and audits it."""

from __future__ import annotations

from typing import Any

from station.errors import StationError
from ui.adapter import StationBridge
from ui.qt import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

KEYS = (
    "report.estimated_population",
    "report.community_population",
    "report.community_coordinators",
    "report.staff_ratio",
    "report.coverage_target",
    "report.target_accuracy",
    "report.target_referral_delivery",
)


class ReportSettings(QGroupBox):
    def __init__(self, bridge: StationBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("What the reports measure against"))
        self.setObjectName("reportSettings")
        self.bridge = bridge
        labels = {
            "report.estimated_population": self.tr("Estimated floating population"),
            "report.community_population": self.tr("Population per community (name=number;…)"),
            "report.community_coordinators": self.tr("Coordinators per community (name=number;…)"),
            "report.staff_ratio": self.tr("At most residents per coordinator"),
            "report.coverage_target": self.tr("Coverage target (%)"),
            "report.target_accuracy": self.tr("First-attempt acceptance target (%)"),
            "report.target_referral_delivery": self.tr("Referral delivery target (%)"),
        }
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        for key in KEYS:
            edit = QLineEdit()
            edit.setObjectName(key)
            self.edits[key] = edit
            form.addRow(labels[key], edit)
        self.save_button = QPushButton(self.tr("Save the figures"))
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        line = QHBoxLayout()
        line.addWidget(self.status, 1)
        line.addWidget(self.save_button)
        form.addRow(line)
        may = bridge.can("config.report")
        for edit in self.edits.values():
            edit.setReadOnly(not may)
        self.save_button.setVisible(may)
        self.load()

    def load(self) -> None:
        def work(s: Any) -> dict[str, str]:
            return {k: s.config_get(k) or "" for k in KEYS}

        self.bridge.op(work).success(self._show).run_in_background()

    def _show(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self.edits[key].setText(value)

    def save(self) -> None:
        values = {k: e.text().strip() for k, e in self.edits.items()}
        self.bridge.op(lambda s: s.config_set_many(values)).success(
            lambda _r: self.status.setText(self.tr("Saved"))
        ).failure(self._failed).run_in_background()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, StationError):
            errors = getattr(exc, "errors", None)
            self.status.setText(
                "；".join(f"{e.field.removeprefix('config.')}: {e.message}" for e in errors)
                if errors
                else exc.message
            )
        else:
            self.status.setText(type(exc).__name__)


__all__ = ["KEYS", "ReportSettings"]
