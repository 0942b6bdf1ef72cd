"""The sheets the import writes: the template for door-to-door drives and the error sheet of
the bad rows (every cell through station/spreadsheet.py: text stays text)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from station import codes
from station.importer import (
    HEADER_TO_PATH,
    TEMPLATE,
    TEMPLATE_NOTES,
    ImportResult,
    _cell_value,
    column_label,
)

if TYPE_CHECKING:
    from station.profile import Profile


def write_error_sheet(result: ImportResult, out: Path) -> None:
    """The bad rows with an error column, to fix and import again. Columns are named by the
    template's Chinese headers (a column the template lacks keeps its dotted path); each header
    cell carries its dotted path as a comment, for programs."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    from station.fsutil import atomic_output
    from station.spreadsheet import append_row, save_workbook, xlsx_text

    def write(tmp: Path) -> None:
        wb = Workbook()
        ws = wb.active
        ws.title = "待修正"
        paths = [HEADER_TO_PATH.get(h, h) for h in result.header]
        append_row(ws, [column_label(p) if p else "" for p in paths] + ["行号", "错误"])
        for cell, path in zip(ws[1], paths, strict=False):
            if "." in path or path in ("services", "kind"):
                cell.comment = Comment(xlsx_text(path), "station")
        for row_no, row, message in result.bad_rows:
            append_row(ws, [_cell_value(c) for c in row] + [row_no, message])
        save_workbook(wb, tmp)

    atomic_output(out, write)


def write_template(out: Path, profile: Profile | None = None) -> None:
    """The sheet for door-to-door drives, with one example row; with the station profile, the
    example lives in one of its communities and a sheet lists them all (codes and names)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from station.fsutil import atomic_output
    from station.samples import sample_record
    from station.spreadsheet import append_row, save_workbook

    example = sample_record()
    if profile is not None and profile.communities:
        first = profile.communities[0]
        example["residence"].update(division_code=first.district, community=first.name)

    def value(path: str) -> Any:
        cur: Any = example
        for part in path.split("."):
            cur = cur.get(part) if isinstance(cur, dict) else None
        if path == "services":
            return "、".join(codes.label("services", s, "zh") for s in example["services"])
        return cur

    def write(tmp: Path) -> None:
        wb = Workbook()
        ws = wb.active
        ws.title = "登记表"
        append_row(ws, [zh for _p, zh in TEMPLATE])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.number_format = "@"
        append_row(ws, [value(p) for p, _zh in TEMPLATE])
        for col in ws.iter_cols(min_row=2, max_row=200):
            for cell in col:
                cell.number_format = "@"  # text: ID numbers keep their digits
        ws.freeze_panes = "A2"
        notes = wb.create_sheet("说明")
        append_row(notes, ["列", "记录字段"])
        for path, zh in TEMPLATE:
            append_row(notes, [zh, path])
        for line in TEMPLATE_NOTES:
            append_row(notes, [line])
        if profile is not None:
            places = wb.create_sheet("社区")
            append_row(places, ["区县代码", "区县", "街道", "社区代码", "社区"])
            for cell in places[1]:
                cell.font = Font(bold=True)
            districts = profile.districts
            for c in profile.communities:
                append_row(
                    places, [c.district, districts.get(c.district, ""), c.street, c.code, c.name]
                )
        save_workbook(wb, tmp)

    atomic_output(out, write)


__all__ = ["write_error_sheet", "write_template"]
