"""Item models of the desktop (each is checked with pytest-qt's qtmodeltester)."""

from __future__ import annotations

from typing import Any

from ui.qt import QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


def kind_label(kind: str) -> str:
    labels = {
        "new": QCoreApplication.translate("kinds", "New registration"),
        "endorsement": QCoreApplication.translate("kinds", "Endorsement"),
        "change": QCoreApplication.translate("kinds", "Change"),
        "replacement": QCoreApplication.translate("kinds", "Replacement"),
        "deregistration": QCoreApplication.translate("kinds", "Move-out"),
    }
    return labels.get(kind, kind)


def state_label(state: str) -> str:
    labels = {
        "saved": QCoreApplication.translate("states", "Saved"),
        "pending": QCoreApplication.translate("states", "Waiting to send"),
        "accepted": QCoreApplication.translate("states", "Accepted"),
        "rejected": QCoreApplication.translate("states", "Rejected"),
        "conflict": QCoreApplication.translate("states", "Conflict"),
        "received": QCoreApplication.translate("states", "Received centrally"),
        "in_production": QCoreApplication.translate("states", "In production"),
        "card_produced": QCoreApplication.translate("states", "Card produced"),
        "ready_for_pickup": QCoreApplication.translate("states", "Ready for pickup"),
        "collected": QCoreApplication.translate("states", "Collected"),
    }
    return labels.get(state, state)


class ApplicationListModel(QAbstractTableModel):
    """Search results / the day's list: summaries with masked ID numbers, never full records."""

    COLUMNS = ("number", "name", "id_masked", "kind", "community", "captured_at", "state")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []

    def headers(self) -> list[str]:
        return [QCoreApplication.translate("ApplicationListModel", "Application no."),
                QCoreApplication.translate("ApplicationListModel", "Name"),
                QCoreApplication.translate("ApplicationListModel", "ID number"),
                QCoreApplication.translate("ApplicationListModel", "Kind"),
                QCoreApplication.translate("ApplicationListModel", "Community"),
                QCoreApplication.translate("ApplicationListModel", "Taken in"),
                QCoreApplication.translate("ApplicationListModel", "State")]

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_data(self, row: int) -> dict[str, Any]:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        key = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = row.get(key) or ""
            if key == "kind":
                return kind_label(value)
            if key == "state":
                return state_label(value)
            if key == "captured_at":
                return str(value)[:16].replace("T", " ")
            return str(value)
        if role == Qt.ItemDataRole.UserRole:
            return row.get("uuid")
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("number", "id_masked"):
            return int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            headers = self.headers()
            if 0 <= section < len(headers):
                return headers[section]
        return None
