"""Bulk registration from XLSX or CSV (door-to-door drives): column mapping, per-row
validation with the core's rules, good rows saved in one transaction per chunk, an error
sheet for the bad rows, and no duplicates when the same file is imported twice.

Columns are named by the record's dotted paths (``person.id_number``, ``members.0.name``) or by
the Chinese headers of the template (``station import --template``). Cells may hold Excel dates,
Excel serial numbers, or text dates; code fields accept the code or its Chinese label. With the
station profile loaded, the district may be given by name and the community by its 12-digit
code (its district then follows from the code).

Photos (``photos``, a folder): the row whose ID number names a file ``<ID number>.jpg`` there
gets that picture as its photo, after the checks of a still picture (station/photo_files.py); a
picture that fails them is the row's error (field ``photo``), a row without a picture is saved
and waits for its photo. Importing the same file again with the folder adds the photos to the
rows imported before that still wait for one.

A file whose columns are those of the referral outcomes is station/import_outcomes.py's
(``import_any`` tells the two apart by the header).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station import codes
from station.errors import FieldError, StorageError, UsageError, ValidationError
from station.i18n import _
from station.import_read import MAX_COLUMNS, FileLost, read_rows
from station.record import canonical_json
from station.validation.fields import MESSAGES
from station.validation.record import (
    EMPLOYER_KEYS,
    GUARDIAN_KEYS,
    LANDLORD_KEYS,
    MAX_MEMBERS,
    MEMBER_KEYS,
    PERSON_KEYS,
    RESIDENCE_KEYS,
)

if TYPE_CHECKING:
    from station.profile import Profile
    from station.store import Store

# (dotted path, Chinese header) — the template's columns, in order.
TEMPLATE: list[tuple[str, str]] = [
    ("person.id_number", "公民身份号码"),
    ("person.name", "姓名"),
    ("person.sex", "性别"),
    ("person.ethnic", "民族"),
    ("person.birth_date", "出生日期"),
    ("person.hukou_address", "户籍地址"),
    ("person.phone", "联系电话"),
    ("person.education", "文化程度"),
    ("person.occupation", "职业"),
    ("person.marital", "婚姻状况"),
    ("residence.division_code", "居住地区县代码"),
    ("residence.community", "社区"),
    ("residence.address", "居住地址"),
    ("residence.arrival_date", "来本地日期"),
    ("residence.intended_months", "拟居住月数"),
    ("residence.reason", "居住事由"),
    ("dwelling.type", "住所类型"),
    ("dwelling.landlord.name", "房东姓名"),
    ("dwelling.landlord.phone", "房东电话"),
    ("dwelling.landlord.id_number", "房东身份号码"),
    ("employer.name", "就业单位"),
    ("employer.uscc", "统一社会信用代码"),
    ("employer.address", "单位地址"),
    ("employer.phone", "单位电话"),
    ("services", "申请服务"),
]
HEADER_TO_PATH = {zh: path for path, zh in TEMPLATE}
PATH_TO_HEADER = {path: zh for path, zh in TEMPLATE}
DATE_PATHS = {
    "person.birth_date",
    "residence.arrival_date",
    "person.id_valid_from",
    "person.id_valid_to",
}
ID_PATHS = {"person.id_number", "dwelling.landlord.id_number", "guardian.id_number"}
CODE_PATHS = {
    "person.sex": "sex",
    "person.ethnic": "ethnic",
    "person.education": "education",
    "person.occupation": "occupation",
    "person.marital": "marital",
    "residence.reason": "reason",
    "dwelling.type": "dwelling",
}
CHUNK = 500
TEMPLATE_NOTES = (
    "",
    "婚姻状况：GB/T 2261.2 代码或名称（10 未婚、20 已婚、21 初婚、22 再婚、23 复婚、30 丧偶、"
    "40 离婚、90 未说明），可不填。",
    "照片：把照片放在一个文件夹里，以公民身份号码命名（如 360426199101010071.jpg），导入时用 "
    "station import 文件 --photos 文件夹；不合格的照片作为该行的错误退回。没有照片的新登记先保存，"
    "状态为“待补照片”，补照片（station photo add 申请编号 文件，或带 --photos 再导入一次）后才上传。",
    "转介结果：各部门的反馈另用一张表导入（station import --template 文件 --referrals 生成；"
    "或把“转介名单”导出的表填上“转介结果”和“结果日期”两列），列为 申请编号、服务项目、"
    "转介结果（已落实/已谢绝）、结果日期。",
)


@dataclass
class ImportResult:
    saved: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    bad_rows: list[tuple[int, list[Any], str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    cancelled: bool = False
    interrupted_at: int | None = None  # the row after which the file could not be read on
    photos_added: int = 0  # photos of the folder that went to rows imported before
    waiting_photo: int = 0  # rows saved that print a card and have no photo yet
    referrals: int | None = None  # outcomes recorded (a referral-outcome file), else None
    photo_folder: bool = False  # imported with a folder of photos

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"saved": self.saved, "skipped": self.skipped, "errors": self.errors}
        if self.interrupted_at is not None:
            out["interrupted_at_row"] = self.interrupted_at
        if self.referrals is not None:
            out["referrals"] = self.referrals
        if self.photo_folder:  # only with --photos: cli.md fixes the plain import's document
            out["waiting_photo"] = self.waiting_photo
            out["photos_added"] = self.photos_added
        return out


def _reverse(table: str) -> dict[str, str]:
    out = {}
    for code, labels in codes.table(table).items():
        out[labels["zh"]] = code
        out[labels["zh"].removesuffix("族")] = code
    return out


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _cell_value(value: Any) -> Any:
    """A cell of the file as the error sheet shows it again: numbers stay numbers."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    return _cell_text(value)


def _date(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and 1 < value < 80000:  # an Excel serial date
        return (dt.date(1899, 12, 30) + dt.timedelta(days=int(value))).isoformat()
    text = (
        str(value)
        .strip()
        .replace("/", "-")
        .replace(".", "-")
        .replace("年", "-")
        .replace("月", "-")
        .replace("日", "")
    )
    if len(text) == 8 and _digits(text, 8):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    parts = text.split("-")
    if len(parts) == 3 and all(_digits(p, 4) for p in parts):
        return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    return text  # as typed: validation names what is wrong with it


def _digits(text: str, most: int) -> bool:
    """ASCII digits only, at most ``most`` of them (``isdigit`` alone takes ``３`` and ``٣``,
    and ``int()`` of 5,000 digits raises)."""
    return 0 < len(text) <= most and text.isascii() and text.isdigit()


# The fields a column may name: (section, key) or members.N.key.
_SECTIONS = {
    "person": PERSON_KEYS,
    "residence": RESIDENCE_KEYS,
    "employer": EMPLOYER_KEYS,
    "guardian": GUARDIAN_KEYS,
}


@functools.lru_cache(maxsize=1024)
def column_problem(path: str) -> FieldError | None:
    """Why a column's dotted path names no field of the record (``person.name.x``,
    ``members.50000000.name``), or None. A cell under such a column is its row's error."""
    parts = path.split(".")
    if path in ("kind", "services"):
        return None
    if len(parts) == 2 and parts[1] in _SECTIONS.get(parts[0], ()):
        return None
    if parts[0] == "dwelling" and (
        parts[1:] == ["type"]
        or (len(parts) == 3 and parts[1] == "landlord" and parts[2] in LANDLORD_KEYS)
    ):
        return None
    if len(parts) == 3 and parts[0] == "members" and parts[2] in MEMBER_KEYS:
        if _digits(parts[1], 6) and int(parts[1]) < MAX_MEMBERS:
            return None
        if _digits(parts[1], len(parts[1])):
            return FieldError(
                path,
                "too_many_members",
                _(
                    "A record has at most {n} members (members.0 to members.{last})",
                    n=MAX_MEMBERS,
                    last=MAX_MEMBERS - 1,
                ),
            )
    return FieldError(path, "unknown_field", _(MESSAGES["unknown_field"]))


def _set(record: dict[str, Any], path: str, value: Any) -> None:
    """Put ``value`` at ``path`` (one that ``column_problem`` accepts)."""
    parts = path.split(".")
    cur: Any = record
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if part.isdigit():
            idx = int(part)
            while len(cur) <= idx:
                cur.append({})
            cur = cur[idx]
            continue
        cur = cur.setdefault(part, [] if nxt.isdigit() else {})
    cur[parts[-1]] = value


def row_to_record(cells: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """A spreadsheet row (path → cell) as an application record, with conversion errors."""
    record: dict[str, Any] = {"kind": "new"}
    problems: list[FieldError] = []
    for path, value in cells.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        problem = column_problem(path)
        if problem is not None:
            problems.append(problem)
            continue
        if path in ID_PATHS:
            if isinstance(value, int | float):
                problems.append(
                    FieldError(
                        path,
                        "id_as_number",
                        _(
                            "The ID number was stored as a number and has lost digits: format the "
                            "column as text and type it again"
                        ),
                    )
                )
                continue
            text = str(value).strip()
            if "E+" in text.upper() or "." in text:
                problems.append(
                    FieldError(
                        path,
                        "id_scientific",
                        _(
                            "The ID number is in scientific notation: format the column as text and "
                            "type it again"
                        ),
                    )
                )
                continue
            _set(record, path, text)
        elif path in DATE_PATHS:
            _set(record, path, _date(value))
        elif path == "residence.intended_months":
            text = _cell_text(value)
            _set(record, path, int(text) if _digits(text, 6) else text)
        elif path == "services":
            names = str(value).replace("、", ",").replace("，", ",").split(",")
            reverse = _reverse("services")
            _set(record, path, [reverse.get(n.strip(), n.strip()) for n in names if n.strip()])
        elif path in CODE_PATHS:
            text = _cell_text(value)
            _set(record, path, _reverse(CODE_PATHS[path]).get(text, text))
        elif path == "kind":
            _set(record, path, _cell_text(value))
        else:
            _set(record, path, _cell_text(value))
    if "dwelling" in record and record["dwelling"].get("type") != "rented":
        record["dwelling"].pop("landlord", None)
    return record, problems


def resolve_places(record: dict[str, Any], profile: Profile | None) -> None:
    """The residence as the station profile names it: a district given by its name becomes
    its code; a community given by its 12-digit code becomes its name, and an empty district
    its district. What the profile does not know is left for validation to name."""
    residence = record.get("residence")
    if profile is None or not isinstance(residence, dict):
        return
    district = residence.get("division_code")
    if isinstance(district, str) and district and not district.isdigit():
        by_name = {name: code for code, name in profile.districts.items()}
        residence["division_code"] = by_name.get(district, district)
    community = residence.get("community")
    if isinstance(community, str) and len(community) == 12 and community.isdigit():
        found = profile.community(community)
        if found is not None:
            residence["community"] = found.name
            if not residence.get("division_code"):
                residence["division_code"] = found.district


def map_header(header: list[Any]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for i, cell in enumerate(header):
        text = _cell_text(cell)
        if not text:
            continue  # merged or empty header cells
        path = HEADER_TO_PATH.get(text, text)
        if "." in path or path in ("services", "kind"):
            mapping[i] = path
    return mapping


def import_file(
    store: Store,
    path: Path,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
    photos: Path | None = None,
    *,
    opened: tuple[Iterator[list[Any]], list[Any] | None] | None = None,
) -> ImportResult:
    """``opened``: the file's rows and its header row when the caller has read them already
    (``import_any`` tells the lists apart by the header), so the file is read once."""
    store.require("app.import")
    path = Path(path)
    folder = None
    if photos is not None:
        from station.photo_files import photo_folder

        folder = photo_folder(photos)  # a missing folder is refused before any row is used
    if opened is None:
        rows = read_rows(path)
        header = first_row(rows)
    else:
        rows, header = opened
    result = ImportResult(photo_folder=folder is not None)
    if header is None:
        raise UsageError("empty_file", _("The file is empty"))
    while header and not _cell_text(header[-1]):
        header = header[:-1]
    if len(header) > MAX_COLUMNS:
        raise UsageError(
            "too_many_columns",
            _(
                "The file has more than {n} columns; the template has {t}",
                n=MAX_COLUMNS,
                t=len(TEMPLATE),
            ),
        )
    width = len(header)
    mapping = map_header(header)
    if "person.id_number" not in mapping.values():
        raise UsageError(
            "no_columns",
            _(
                "No recognised columns: use the template's Chinese headers or the record's "
                "dotted paths (person.id_number, …)"
            ),
        )
    result.header = [_cell_text(c) for c in header]
    profile = store.station_profile()
    chunk: list[tuple[int, list[Any], dict[str, Any], str]] = []
    row_no = 1
    try:
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except FileLost:
                result.interrupted_at = row_no  # rows read so far are still validated and saved
                break
            row_no += 1
            if cancel is not None and cancel.is_set():
                result.cancelled = True
                break
            if _blank(row):
                continue
            row = row[:width]
            cells = {p: (row[i] if i < len(row) else None) for i, p in mapping.items()}
            record, problems = row_to_record(cells)
            resolve_places(record, profile)
            if problems:
                _bad(result, row_no, row, problems)
                continue
            digest = hashlib.sha256(canonical_json(record)).hexdigest()
            chunk.append((row_no, row, record, digest))
            if len(chunk) >= CHUNK:
                _flush(store, chunk, result, dry_run, path.name, folder)
                chunk = []
                if progress:
                    progress(row_no)
        # the last chunk and the import's audit entry land together
        with store.transaction():
            _flush(store, chunk, result, dry_run, path.name, folder)
            store.audit(
                "app.import",
                detail={
                    "saved": result.saved,
                    "skipped": result.skipped,
                    "errors": len(result.bad_rows),
                    "dry_run": dry_run,
                    "interrupted_at_row": result.interrupted_at,
                    "photos": folder is not None,
                    "waiting_photo": result.waiting_photo,
                    "photos_added": result.photos_added,
                },
            )
    except StorageError as exc:
        if exc.code not in ("disk_full", "disk_error"):
            raise
        raise StorageError(
            exc.code,
            _(
                "{problem} The import stopped after {saved} saved row(s), each chunk of rows "
                "stored whole; import the file again when there is room: rows already imported "
                "are skipped.",
                problem=exc.message,
                saved=result.saved,
            ),
        ) from exc
    if progress:
        progress(row_no)
    return result


def first_row(rows: Iterator[list[Any]]) -> list[Any] | None:
    """The first row with any text (the header), or None for an empty file."""
    return next((row for row in rows if not _blank(row)), None)


def _blank(row: list[Any]) -> bool:
    """No text in any cell (the quick test first: a gap of a million empty rows is cheap)."""
    return row.count(None) == len(row) or not any(_cell_text(c) for c in row)


def column_label(path: str) -> str:
    """A field as people find it in the template: its Chinese header, or the dotted path of a
    field the template has no column for (``members.0.name``)."""
    return PATH_TO_HEADER.get(path, path)


def _bad(result: ImportResult, row_no: int, row: list[Any], errors: list[FieldError]) -> None:
    for e in errors:
        result.errors.append(
            {"row": row_no, "field": e.field, "code": e.code, "message": e.message}
        )
    result.bad_rows.append(
        (
            row_no,
            row,
            _("; ").join(
                _("{column}: {message}", column=column_label(e.field), message=e.message)
                for e in errors
            ),
        )
    )


def _flush(
    store: Store,
    chunk: list[tuple[int, list[Any], dict[str, Any], str]],
    result: ImportResult,
    dry_run: bool,
    source: str,
    folder: dict[str, Path] | None = None,
) -> None:
    """Validate and save one chunk of rows: the applications (with the photos of ``folder``)
    and the rows' hashes (so that the same rows are skipped when the file is imported again)
    in ONE transaction, so that a crash leaves either both or neither. A row seen before, in an
    earlier import or earlier in this chunk, is skipped — and given its photo, when it still
    waits for one and the folder has it."""
    if not chunk:
        return
    from station.cards import needs_photo
    from station.import_photos import photo_for_row, photos_for_earlier_rows
    from station.validation import check_application

    if dry_run:
        places = store.places()
        for row_no, row, record, _digest in _fresh(store, chunk, result):
            try:
                check_application(record, **places)
                photo_for_row(folder, record)
                result.saved += 1
            except ValidationError as exc:
                _bad(result, row_no, row, exc.errors)
        return
    with store.transaction():  # BEGIN IMMEDIATE: another import cannot slip in between
        seen_before: list[tuple[int, list[Any], dict[str, Any], str]] = []
        fresh = _fresh(store, chunk, result, seen_before)
        if folder:
            result.photos_added += photos_for_earlier_rows(
                store, seen_before, folder, lambda n, r, e: _bad(result, n, r, e)
            )
        rows, jpegs = [], []
        for item in fresh:
            try:
                jpegs.append(photo_for_row(folder, item[2]))
                rows.append(item)
            except ValidationError as exc:  # the picture failed its checks: the row's error
                _bad(result, item[0], item[1], exc.errors)
        outcomes = store.save_many([item[2] for item in rows], source="import", photos=jpegs)
        saved: list[tuple[str, str]] = []
        for (row_no, row, record, digest), jpeg, outcome in zip(rows, jpegs, outcomes, strict=True):
            if isinstance(outcome, ValidationError):
                _bad(result, row_no, row, outcome.errors)
            else:
                saved.append((digest, outcome["uuid"]))
                result.waiting_photo += jpeg is None and needs_photo(record)
        store.apps.note_imported(saved, source)
    result.saved += len(saved)


def _fresh(
    store: Store,
    chunk: list[tuple[int, list[Any], dict[str, Any], str]],
    result: ImportResult,
    earlier: list[tuple[int, list[Any], dict[str, Any], str]] | None = None,
) -> list[tuple[int, list[Any], dict[str, Any], str]]:
    """The rows of ``chunk`` not imported before (by an earlier import or earlier in this
    chunk); the others are counted as skipped (and those of an earlier import are added to
    ``earlier``)."""
    imported = store.apps.imported([item[3] for item in chunk])
    seen = set(imported)
    fresh = []
    for item in chunk:
        if item[3] in seen:
            result.skipped += 1
            if earlier is not None and item[3] in imported:
                earlier.append(item)
        else:
            seen.add(item[3])
            fresh.append(item)
    return fresh


__all__ = ["import_file", "ImportResult"]
