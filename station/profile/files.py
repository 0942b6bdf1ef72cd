"""Profile files: JSON (the document itself) or XLSX (the template's three sheets), read into
a profile document and checked; problems in an XLSX file name the sheet and row; the template.

XLSX sheets (headers in Chinese or as the document's keys):

- ``站点`` (``station``): one setting per row, name in column A, value in B — 版本 ``version``,
  城市代码 ``city``, 站点名称 ``station.name``, 站点地址 ``station.address``, 站点电话
  ``station.phone``;
- ``街道`` (``streets``): 街道代码 ``code``, 街道名称 ``name``;
- ``社区`` (``communities``): 社区代码 ``code``, 社区名称 ``name``.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from station.errors import FieldError, UsageError, ValidationError
from station.i18n import _
from station.profile import FORMAT, Profile
from station.profile.check import MAX_COMMUNITIES, MAX_STREETS, parse_document

MAX_FILE_BYTES = 20 * 1024 * 1024
STATION_SHEET, STREET_SHEET, COMMUNITY_SHEET = "站点", "街道", "社区"
SHEET_ALIASES = {
    STATION_SHEET: ("站点", "station"),
    STREET_SHEET: ("街道", "streets"),
    COMMUNITY_SHEET: ("社区", "communities"),
}
STATION_ROWS = {  # column A of the 站点 sheet → the document's path
    "版本": "version",
    "城市代码": "city",
    "站点名称": "station.name",
    "站点地址": "station.address",
    "站点电话": "station.phone",
}
STATION_LABELS = {path: zh for zh, path in STATION_ROWS.items()}
COLUMNS = {
    STREET_SHEET: {"街道代码": "code", "街道名称": "name", "code": "code", "name": "name"},
    COMMUNITY_SHEET: {"社区代码": "code", "社区名称": "name", "code": "code", "name": "name"},
}
LIST_OF_SHEET = {STREET_SHEET: "streets", COMMUNITY_SHEET: "communities"}
SHEET_OF_LIST = {v: k for k, v in LIST_OF_SHEET.items()}


@dataclass(frozen=True)
class SheetFieldError(FieldError):
    """A problem of an XLSX profile, with the sheet and row where a person finds it."""

    sheet: str = ""
    row: int = 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = super().to_json()
        out.update(sheet=self.sheet, row=self.row)
        return out


def read_profile(path: Path) -> Profile:
    """The checked profile in ``path`` (.json or .xlsx): ``UsageError`` when the file cannot be
    read as one, ``ValidationError`` with every problem when its content breaks a rule."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".xlsx"):
        raise UsageError("bad_format", _("A station profile is a .json or .xlsx file"))
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise UsageError("no_file", _("The file is not there (moved or deleted?)")) from exc
    except OSError as exc:
        raise UsageError(
            "unreadable_input", _("Cannot read the input file: {why}", why=type(exc).__name__)
        ) from exc
    if size > MAX_FILE_BYTES:
        raise UsageError(
            "file_too_large",
            _("The file is larger than {mb} MB: not a station profile", mb=MAX_FILE_BYTES >> 20),
        )
    if suffix == ".json":
        return parse_document(_read_json(path))
    doc, rows = _read_xlsx(path)
    try:
        return parse_document(doc)
    except ValidationError as exc:
        raise ValidationError([_locate(e, rows) for e in exc.errors]) from None


def _read_json(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            "unreadable_input", _("Cannot read the input file: {why}", why=type(exc).__name__)
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [
                FieldError(
                    "", "not_utf8", _("The input is not UTF-8 text (byte {pos})", pos=exc.start + 1)
                )
            ]
        ) from exc
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        line, col = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else (0, 0)
        raise ValidationError(
            [
                FieldError(
                    "",
                    "invalid_json",
                    _(
                        "The input is not valid JSON (line {line}, column {col})",
                        line=line,
                        col=col,
                    ),
                )
            ]
        ) from exc


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _sheet(wb: Any, sheet: str) -> Any:
    for ws in wb.worksheets:
        if ws.title.strip() in SHEET_ALIASES[sheet]:
            return ws
    return None


def _read_xlsx(path: Path) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The document the workbook holds, and for each list the sheet row of each element (the
    ``站点`` rows under the key ``station``, by path)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise UsageError("bad_file", _("The file is not a readable XLSX workbook")) from exc
    try:
        return _workbook(wb)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, ElementTree.ParseError) as exc:
        raise UsageError("bad_file", _("The file is not a readable XLSX workbook")) from exc
    finally:
        wb.close()


def _workbook(wb: Any) -> tuple[dict[str, Any], dict[str, list[int]]]:
    missing = [s for s in SHEET_ALIASES if _sheet(wb, s) is None]
    if missing:
        raise UsageError(
            "no_columns",
            _(
                "The workbook lacks the sheet(s) {sheets}: start from 'station profile import "
                "--template FILE.xlsx'",
                sheets="、".join(missing),
            ),
        )
    doc: dict[str, Any] = {"format": FORMAT}
    rows: dict[str, list[int]] = {}
    problems: list[FieldError] = []
    station: dict[str, Any] = {}
    for n, row in enumerate(_sheet(wb, STATION_SHEET).iter_rows(values_only=True), 1):
        cells = [_cell(c) for c in row[:2]] + [None, None]
        key = cells[0]
        if key in (None, ""):
            continue
        key = str(key)
        dotted = STATION_ROWS.get(key, key)
        if dotted not in STATION_LABELS:
            if n > 1:  # the first row may be a header (项目 | 内容)
                problems.append(_unknown(STATION_SHEET, n, key))
            continue
        if dotted.startswith("station."):
            station[dotted.removeprefix("station.")] = cells[1]
        else:
            doc[dotted] = cells[1]
        rows.setdefault("station", []).append(n)
        rows[dotted] = [n]
    if station:
        doc["station"] = station
    for sheet, name in LIST_OF_SHEET.items():
        limit = MAX_STREETS if name == "streets" else MAX_COMMUNITIES
        items, where = _list_sheet(_sheet(wb, sheet), sheet, limit, problems)
        doc[name], rows[name] = items, where
    if problems:
        raise ValidationError(problems)
    return doc, rows


def _unknown(sheet: str, row: int, what: str) -> SheetFieldError:
    return SheetFieldError(
        "",
        "unknown_column",
        _("Sheet {sheet}, row {row}: unknown heading '{what}'", sheet=sheet, row=row, what=what),
        sheet,
        row,
    )


def _list_sheet(
    ws: Any, sheet: str, limit: int, problems: list[FieldError]
) -> tuple[list[dict[str, Any]], list[int]]:
    columns: dict[int, str] = {}
    items: list[dict[str, Any]] = []
    where: list[int] = []
    header_row = 0
    for n, row in enumerate(ws.iter_rows(values_only=True), 1):
        cells = [_cell(c) for c in row]
        if not any(c not in (None, "") for c in cells):
            continue
        if not header_row:
            header_row = n
            for i, c in enumerate(cells):
                if c in (None, ""):
                    continue
                key = COLUMNS[sheet].get(str(c))
                if key is None or key in columns.values():
                    problems.append(_unknown(sheet, n, str(c)))
                else:
                    columns[i] = key
            continue
        if len(items) >= limit:
            items.append({})  # one over the limit: parse_document says "too many"
            where.append(n)
            break
        item = {key: cells[i] if i < len(cells) else None for i, key in columns.items()}
        items.append(item)
        where.append(n)
    return items, where


_PATH = re.compile(r"^(streets|communities)\.(\d+)(?:\.(\w+))?$")


def _locate(error: FieldError, rows: dict[str, list[int]]) -> FieldError:
    """The error with the sheet and row where it is (a message that says where)."""
    m = _PATH.match(error.field)
    if m:
        sheet = SHEET_OF_LIST[m.group(1)]
        index = int(m.group(2))
        places = rows.get(m.group(1), [])
        row = places[index] if index < len(places) else 0
    elif error.field in rows and error.field != "station":
        sheet, row = STATION_SHEET, rows[error.field][0]
    elif error.field in ("streets", "communities"):
        sheet, row = SHEET_OF_LIST[error.field], 1
    elif error.field in STATION_LABELS or error.field.startswith("station"):
        sheet, row = STATION_SHEET, 0
    else:
        return error
    where = (
        _("Sheet {sheet}, row {row}", sheet=sheet, row=row)
        if row
        else _("Sheet {sheet}", sheet=sheet)
    )
    return SheetFieldError(error.field, error.code, f"{where}: {error.message}", sheet, row)


def write_template(out: Path, profile: Profile | None = None) -> None:
    """The XLSX template: the three sheets with their headings, filled with ``profile`` (the
    loaded one, to edit into the next version) or with two example rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from station.fsutil import atomic_output

    if profile is not None:
        info = {
            "version": profile.version,
            "city": profile.city,
            "station.name": profile.station.name,
            "station.address": profile.station.address,
            "station.phone": profile.station.phone,
        }
        streets = [(s.code, s.name) for s in profile.streets]
        communities = [(c.code, c.name) for c in profile.communities]
    else:
        info = {
            "version": "2026.1",
            "city": "6101",
            "station.name": "雁塔区小寨路街道流动人口服务站",
            "station.address": "西安市雁塔区小寨东路1号",
            "station.phone": "029-85550000",
        }
        streets = [("610113002", "小寨路街道")]
        communities = [("610113002001", "长延堡社区"), ("610113002002", "大雁塔社区")]

    def write(tmp: Path) -> None:
        wb = Workbook()
        ws = wb.active
        ws.title = STATION_SHEET
        ws.append(["项目", "内容"])
        for path, zh in STATION_LABELS.items():
            ws.append([zh, info[path]])
        for title, heading, data in (
            (STREET_SHEET, ["街道代码", "街道名称"], streets),
            (COMMUNITY_SHEET, ["社区代码", "社区名称"], communities),
        ):
            sheet = wb.create_sheet(title)
            sheet.append(heading)
            for code, name in data:
                sheet.append([code, name])
            sheet.freeze_panes = "A2"
            for col in sheet.iter_cols(min_row=1, max_row=max(2, len(data) + 1)):
                for cell in col:
                    cell.number_format = "@"  # codes stay text
            sheet.column_dimensions["A"].width = 16
            sheet.column_dimensions["B"].width = 28
        for sheet in wb.worksheets:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
        wb[STATION_SHEET].column_dimensions["A"].width = 12
        wb[STATION_SHEET].column_dimensions["B"].width = 40
        notes = wb.create_sheet("说明")
        for line in (
            "版本：每次更新填写更大的版本号，例如 2026.1 → 2026.2（旧版本或相同版本不会导入）。",
            "城市代码：4 位，例如 6101（西安市）、4501（南宁市）。",
            "街道代码：9 位，前 6 位为本市的区县代码。",
            "社区代码：12 位，前 9 位为所属街道代码。",
            "导入：station profile import 本文件.xlsx（技术员）。",
        ):
            notes.append([line])
        wb.save(tmp)

    atomic_output(out, write)


__all__ = ["MAX_FILE_BYTES", "SheetFieldError", "read_profile", "write_template"]
