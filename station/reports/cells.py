"""Spreadsheet cells that stay text: a value that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return is what Excel and WPS take for a formula (CSV/formula injection: a name
typed as ``=HYPERLINK(…)`` would run when the file is opened). The writers of this area (the
endorsements due, the referral outcome columns, the import templates) write every cell through
``append_row`` (XLSX: stored as a string with Excel's quote prefix, shown exactly as typed and
never evaluated) or ``csv_cell`` (CSV: a leading apostrophe, as OWASP recommends).

Brief I hardens the older writers the same way; when its shared helper is merged, these two
functions become calls to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

RISKY = ("=", "+", "-", "@", "\t", "\r")


def risky(value: Any) -> bool:
    """Would a spreadsheet program read this text as a formula?"""
    return isinstance(value, str) and value.startswith(RISKY)


def csv_cell(value: Any) -> Any:
    return "'" + value if risky(value) else value


def append_row(ws: Any, values: Sequence[Any]) -> None:
    """``ws.append(values)`` with every formula-like text stored as text (openpyxl)."""
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        if risky(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


__all__ = ["RISKY", "append_row", "csv_cell", "risky"]
