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
        "photo_needed": QCoreApplication.translate("states", "Waiting for a photo"),
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


def field_label(path: str) -> str:
    """A record field as the coordinator knows it (the dotted path when unknown)."""
    labels = {
        "kind": QCoreApplication.translate("fields", "Kind"),
        "photo": QCoreApplication.translate("fields", "Photo"),
        "person.name": QCoreApplication.translate("fields", "Name"),
        "person.id_number": QCoreApplication.translate("fields", "ID number"),
        "person.phone": QCoreApplication.translate("fields", "Phone"),
        "person.birth_date": QCoreApplication.translate("fields", "Birth date"),
        "person.marital": QCoreApplication.translate("fields", "Marital status"),
        "residence.address": QCoreApplication.translate("fields", "Address"),
        "residence.community": QCoreApplication.translate("fields", "Community"),
        "residence.division_code": QCoreApplication.translate("fields", "District"),
        "residence.arrival_date": QCoreApplication.translate("fields", "Arrival date"),
        "residence.reason": QCoreApplication.translate("fields", "Reason"),
        "services": QCoreApplication.translate("fields", "Services"),
        "members": QCoreApplication.translate("fields", "Members"),
    }
    if path in labels:
        return labels[path]
    groups = {
        "person": QCoreApplication.translate("fields", "Applicant"),
        "residence": QCoreApplication.translate("fields", "Residence"),
        "dwelling": QCoreApplication.translate("fields", "Dwelling"),
        "employer": QCoreApplication.translate("fields", "Employer"),
        "guardian": QCoreApplication.translate("fields", "Guardian"),
    }
    return groups.get(path.split(".", 1)[0], path)


def service_message(code: str | None, message: str | None) -> str:
    """What the central service said, in words: its message, else the code explained."""
    if message and message != code:
        return message
    known = {
        "photo_quality": QCoreApplication.translate(
            "service", "The photo does not meet the card standard"
        ),
        "address_unknown": QCoreApplication.translate(
            "service", "The address could not be verified"
        ),
        "conflict": QCoreApplication.translate(
            "service",
            "The service holds another version of this record: "
            "a supervisor settles it with the service",
        ),
        "photo_missing": QCoreApplication.translate(
            "service", "The photo did not arrive with the record"
        ),
        "hash_mismatch": QCoreApplication.translate(
            "service", "The record arrived damaged; it is sent again"
        ),
        "photo_too_large": QCoreApplication.translate(
            "service", "The photo is larger than the service accepts: take the photo again"
        ),
        "photo_not_jpeg": QCoreApplication.translate(
            "service", "The photo is not a JPEG picture: take the photo again"
        ),
        "record_too_large": QCoreApplication.translate(
            "service",
            "Set aside: the record is larger than the service accepts (its photo?); take the "
            "photo again and save",
        ),
        "photo_required": QCoreApplication.translate(
            "service", "A card is produced from this record: add the applicant's photo"
        ),
    }
    return known.get(code or "", code or "")


class ApplicationListModel(QAbstractTableModel):
    """Search results / the day's list: summaries with masked ID numbers, never full records."""

    COLUMNS = ("number", "name", "id_masked", "kind", "community", "captured_at", "state")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []

    def headers(self) -> list[str]:
        return [
            QCoreApplication.translate("ApplicationListModel", "Application no."),
            QCoreApplication.translate("ApplicationListModel", "Name"),
            QCoreApplication.translate("ApplicationListModel", "ID number"),
            QCoreApplication.translate("ApplicationListModel", "Kind"),
            QCoreApplication.translate("ApplicationListModel", "Community"),
            QCoreApplication.translate("ApplicationListModel", "Taken in"),
            QCoreApplication.translate("ApplicationListModel", "State"),
        ]

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

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            headers = self.headers()
            if 0 <= section < len(headers):
                return headers[section]
        return None
