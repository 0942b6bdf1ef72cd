"""The departments' answers to the 7+1 referrals, imported from a list (XLSX or CSV).

A file is a referral-outcome list when its header names these columns (the sheet of
``station import --template FILE --referrals``, or a referral list of ``station report
referrals`` with its last two columns filled in), in Chinese, in English or as dotted paths:

| column | 中文 | English | path |
| --- | --- | --- | --- |
| the application | 申请编号 | Application no. | ``referral.number`` |
| the service | 服务项目 | Service | ``referral.service`` (its code or its label) |
| the outcome | 转介结果 | Outcome | ``referral.outcome``: 已落实 / delivered, 已谢绝 / declined |
| its date | 结果日期 | Outcome date | ``referral.date`` (YYYY-MM-DD, or an Excel date) |

A row without an outcome is passed over (the referral stays open); every other row is
checked — the application exists and asked for that service, the outcome is known, the date is
real, not in the future and not before the referral — and a bad one comes back with its row,
column and reason, as for registrations. The valid rows are recorded (audited) in one
transaction; a row recorded so before (the same list imported again) is counted as skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station import codes
from station.errors import FieldError, UsageError, ValidationError
from station.i18n import _
from station.import_read import FileLost, read_rows
from station.importer import (
    ImportResult,
    _bad,
    _cell_text,
    _date,
    first_row,
    import_file,
)

if TYPE_CHECKING:
    from station.store import Store
    from station.store.referrals import Outcome

COLUMNS = (
    ("referral.number", "申请编号", "Application no."),
    ("referral.service", "服务项目", "Service"),
    ("referral.outcome", "转介结果", "Outcome"),
    ("referral.date", "结果日期", "Outcome date"),
)
OUTCOME_WORDS = {
    "delivered": "delivered",
    "已落实": "delivered",
    "已服务": "delivered",
    "declined": "declined",
    "已谢绝": "declined",
    "已拒绝": "declined",
}
_HEADERS = {label: path for path, zh, en in COLUMNS for label in (path, zh, en)}
_HEADERS["服务"] = "referral.service"  # the referral lists' own header (station report referrals)
_FIELD = {"number": "referral.number", "service": "referral.service"}
_FIELD |= {"outcome": "referral.outcome", "date": "referral.date"}


def import_any(
    store: Store,
    path: Path,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
    photos: Path | None = None,
) -> ImportResult:
    """``station import FILE``: a registration list (station/importer.py) or a referral-outcome
    list, told apart by the header row."""
    store.require("app.import")
    path = Path(path)
    rows = read_rows(path)
    try:
        header = first_row(rows)
        mapping = map_header(header) if header is not None else None
        if header is not None and mapping is not None:
            if photos is not None:
                raise UsageError(
                    "photos_with_outcomes",
                    _("A referral-outcome list has no photos; import it without --photos"),
                )
            return import_outcomes(store, rows, header, mapping, dry_run, path.name)
        return import_file(
            store, path, dry_run, progress, cancel, photos, opened=(rows, header)
        )  # a registration list: the same rows go on, the file is not read twice
    finally:
        rows.close()  # type: ignore[attr-defined]  # a generator: the file closes


def map_header(header: list[Any]) -> dict[int, str] | None:
    """Column index → path when ``header`` is a referral-outcome list's, else None."""
    mapping: dict[int, str] = {}
    for i, cell in enumerate(header):
        text = str(cell).strip() if cell is not None else ""
        if text in _HEADERS:
            mapping.setdefault(i, _HEADERS[text])
    needed = {"referral.number", "referral.service", "referral.outcome"}
    return mapping if needed <= set(mapping.values()) else None


def _service(text: str) -> str:
    for code, labels in codes.table("services").items():
        if text in (code, labels["zh"], labels["en"]):
            return code
    return text


class _DryRun(Exception):
    """Raised inside the transaction of a dry run, to roll it back."""


def import_outcomes(
    store: Store,
    rows: Iterator[list[Any]],
    header: list[Any],
    mapping: dict[int, str],
    dry_run: bool,
    source: str,
) -> ImportResult:
    store.require("referral.record")
    result = ImportResult(referrals=0)
    result.header = [_cell_text(c) for c in header]
    items: list[tuple[int, list[Any], Outcome]] = []
    row_no = 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except FileLost:
            result.interrupted_at = row_no
            break
        row_no += 1
        cells = {p: (row[i] if i < len(row) else None) for i, p in mapping.items()}
        outcome = _cell_text(cells.get("referral.outcome"))
        if not outcome:
            continue  # no answer yet: the referral stays open
        if outcome not in OUTCOME_WORDS:
            message = _("The outcome is 'delivered' or 'declined'")
            _bad(result, row_no, row, [FieldError("referral.outcome", "outcome_unknown", message)])
            continue
        items.append(
            (
                row_no,
                row,
                {
                    "ref": _cell_text(cells.get("referral.number")),
                    "service": _service(_cell_text(cells.get("referral.service"))),
                    "outcome": OUTCOME_WORDS[outcome],
                    "date": _date(cells.get("referral.date")) or "",
                },
            )
        )
    try:
        with store.transaction():
            done = store.referrals.record_many([item for _n, _r, item in items])
            for (n, row, _item), outcome_done in zip(items, done, strict=True):
                if isinstance(outcome_done, ValidationError):
                    errors = [
                        FieldError(_FIELD.get(e.field, e.field), e.code, e.message)
                        for e in outcome_done.errors
                    ]
                    _bad(result, n, row, errors)
                elif outcome_done is None:
                    result.skipped += 1
                else:
                    result.saved += 1
            result.referrals = result.saved
            store.audit(
                "app.import",
                detail={
                    "referrals": result.saved,
                    "skipped": result.skipped,
                    "errors": len(result.bad_rows),
                    "dry_run": dry_run,
                    "source": "referral_outcomes",
                },
            )
            if dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    return result


def write_outcome_template(out: Path) -> None:
    """The referral-outcome list to fill in: its columns, and a sheet that explains them."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from station.fsutil import atomic_output
    from station.spreadsheet import append_row, save_workbook

    def write(tmp: Path) -> None:
        wb = Workbook()
        ws = wb.active
        ws.title = "转介结果"
        append_row(ws, [zh for _p, zh, _en in COLUMNS])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for col in ws.iter_cols(min_row=1, max_row=500, max_col=len(COLUMNS)):
            for cell in col:
                cell.number_format = "@"  # text: application numbers keep their digits
        ws.freeze_panes = "A2"
        for col in "ABCD":
            ws.column_dimensions[col].width = 24
        notes = wb.create_sheet("说明")
        append_row(notes, ["列", "记录字段", "填写"])
        hints = (
            "受理回执或转介名单上的申请编号",
            "服务名称（如 就业服务与职业培训）或代码（employment…）",
            "已落实 或 已谢绝（申请人不需要）；空着表示还没有结果",
            "YYYY-MM-DD，不能晚于今天，也不能早于转介日期",
        )
        for (path, zh, _en), hint in zip(COLUMNS, hints, strict=True):
            append_row(notes, [zh, path, hint])
        append_row(notes, [])
        append_row(
            notes,
            [
                "示例",
                "",
                "450103000099202603010001、就业服务与职业培训、已落实、2026-03-20",
            ],
        )
        save_workbook(wb, tmp)

    atomic_output(out, write)


__all__ = [
    "COLUMNS",
    "OUTCOME_WORDS",
    "import_any",
    "import_outcomes",
    "map_header",
    "write_outcome_template",
]
