"""Read-only tables shared by the desk's screens (rows of text, whole-row selection)."""

from __future__ import annotations

from typing import Any

from ui.qt import QAbstractItemView, QHeaderView, Qt, QTableWidget, QTableWidgetItem


def make_table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setDefaultAlignment(
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    )
    table.verticalHeader().setDefaultSectionSize(32)
    return table


def fill_table(table: QTableWidget, rows: list[list[Any]], keys: list[Any] | None = None) -> None:
    """Rows of values (shown as text); ``keys`` are kept on each row's first cell."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            text = "" if value is None else str(value)
            item = QTableWidgetItem(text)
            if len(text) > 16:
                item.setToolTip(text)  # the whole text when the column elides it
            if c == 0 and keys is not None:
                item.setData(Qt.ItemDataRole.UserRole, keys[r])
            table.setItem(r, c, item)


def row_key(table: QTableWidget, row: int | None = None) -> Any:
    row = table.currentRow() if row is None else row
    item = table.item(row, 0) if row is not None and row >= 0 else None
    return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


__all__ = ["make_table", "fill_table", "row_key"]
