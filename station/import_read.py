"""Reading the rows of an import file (XLSX or CSV) without trusting it.

A small crafted file must not take gigabytes or hours: sizes are checked before anything is
decoded. An XLSX is a zip of XML files: its directory is read first (at most ``MAX_MEMBERS``
entries, the declared uncompressed sizes at most ``MAX_XLSX_INFLATED`` in total and
``MAX_SHARED_STRINGS`` for the shared strings openpyxl keeps in memory — a zip member never
inflates past its declared size, Python's zipfile stops there); then each XML member is
inflated once in small chunks and refused if it holds a document type (entity tricks) or a
run of text longer than ``MAX_TEXT_RUN`` (openpyxl, even read-only, builds each cell's text
whole: a 400 MB cell in a 400 KB file). Only then does openpyxl read it, with the row width
capped (``MAX_COLUMNS``) and its declared dimensions ignored, at most Excel's row count. A CSV
is at most ``MAX_CSV_BYTES``, with at most ``MAX_CSV_COMMAS`` separators on a line.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from station.errors import UsageError
from station.i18n import _

MAX_COLUMNS = 256  # the template has 24; a record with every member needs fewer than 256
MAX_ROWS = 1_048_576  # Excel's own limit
MAX_CSV_BYTES = 32 * 1024 * 1024
MAX_CSV_COMMAS = 4096
MAX_MEMBERS = 4096
MAX_XLSX_BYTES = 64 * 1024 * 1024
MAX_XLSX_INFLATED = 128 * 1024 * 1024
MAX_SHARED_STRINGS = 32 * 1024 * 1024
MAX_TEXT_RUN = 2 * 1024 * 1024  # bytes of XML text without markup: a cell, an attribute
CHUNK = 1024 * 1024
_MARKUP = re.compile(rb"[<>]")


class FileLost(UsageError):
    """The file stopped being readable part-way through."""

    def __init__(self) -> None:
        super().__init__(
            "file_lost",
            _("The file could not be read to the end (removed or changed while importing?)"),
        )


def too_large(why: str) -> UsageError:
    return UsageError(
        "file_too_large",
        _(
            "The file is too large to import ({why}); split it into smaller files",
            why=why,
        ),
    )


def not_xlsx() -> UsageError:
    return UsageError("bad_file", _("The file is not a readable XLSX workbook"))


def read_rows(path: Path) -> Iterator[list[Any]]:
    """Rows of an XLSX or CSV file (CSV in UTF-8, UTF-8 with BOM or GBK/GB18030), each at
    most ``MAX_COLUMNS + 1`` cells wide (a wider header is refused by the importer)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            yield from _xlsx_rows(path)
        elif suffix == ".csv":
            yield from _csv_rows(path)
        else:
            raise UsageError("bad_format", _("Import takes .xlsx or .csv files"))
    except FileNotFoundError as exc:
        raise UsageError("no_file", _("The file is not there (moved or deleted?)")) from exc
    except OSError as exc:
        raise FileLost() from exc


# -- XLSX ----------------------------------------------------------------------------------------
def _zip_entries(path: Path) -> int:
    """The entry count of the zip's end record, read before zipfile builds its directory."""
    with path.open("rb") as fh:
        size = fh.seek(0, 2)
        fh.seek(max(0, size - 65557))
        tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        raise not_xlsx()
    entries: int = struct.unpack("<H", tail[at + 10 : at + 12])[0]
    return entries


def check_xlsx(path: Path) -> None:
    """Refuse a workbook whose parts would take too much memory or time to read (module
    docstring); read nothing else of it."""
    if path.stat().st_size > MAX_XLSX_BYTES:
        raise too_large(f"> {MAX_XLSX_BYTES // (1024 * 1024)} MB")
    entries = _zip_entries(path)
    if entries > MAX_MEMBERS:  # 0xFFFF: a zip64 directory, which no import file needs
        raise too_large(_("{n} parts", n=entries))
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            inflated = sum(i.file_size for i in infos)
            if inflated > MAX_XLSX_INFLATED:
                raise too_large(_("{mb} MB uncompressed", mb=inflated // (1024 * 1024)))
            for info in infos:
                if info.filename.lower().endswith("sharedstrings.xml") and (
                    info.file_size > MAX_SHARED_STRINGS
                ):
                    raise too_large(_("{mb} MB of text", mb=info.file_size // (1024 * 1024)))
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels")):
                    _scan_xml(zf, info)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise not_xlsx() from exc


def _scan_xml(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Inflate one XML part in chunks: no document type, no text run over ``MAX_TEXT_RUN``."""
    run = 0  # bytes since the last markup character, carried across chunks
    previous = b""
    with zf.open(info) as fh:
        while chunk := fh.read(CHUNK):
            if b"<!DOCTYPE" in previous[-16:] + chunk[:16] or b"<!DOCTYPE" in chunk:
                raise not_xlsx()
            pieces = _MARKUP.split(chunk)
            if len(pieces) == 1:
                run += len(chunk)
            else:
                run = max(run + len(pieces[0]), *(len(p) for p in pieces[1:-1]), 0)
                if run > MAX_TEXT_RUN:
                    break
                run = len(pieces[-1])
            if run > MAX_TEXT_RUN:
                break
            previous = chunk
    if run > MAX_TEXT_RUN:
        raise too_large(_("a cell of more than {mb} MB", mb=MAX_TEXT_RUN // (1024 * 1024)))


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    check_xlsx(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
        raise not_xlsx() from exc
    try:
        if not wb.worksheets:
            raise not_xlsx()
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # a file's declared size is not trusted, either way
        rows = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        count = 0
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except (
                OSError,
                EOFError,
                zipfile.BadZipFile,
                zlib.error,
                ElementTree.ParseError,
            ) as exc:
                # removed, truncated or replaced while being read (a USB stick pulled, a
                # network share gone)
                raise FileLost() from exc
            except (ValueError, TypeError, KeyError, IndexError) as exc:  # a malformed cell
                raise not_xlsx() from exc
            count += 1
            if count > MAX_ROWS:
                raise too_large(_("more than {n} rows", n=MAX_ROWS))
            yield list(row)
    finally:
        wb.close()


# -- CSV -----------------------------------------------------------------------------------------
def _csv_rows(path: Path) -> Iterator[list[Any]]:
    with path.open("rb") as fh:
        raw = fh.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise too_large(f"> {MAX_CSV_BYTES // (1024 * 1024)} MB")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte sequence
        raise UsageError("bad_file", _("The CSV file's encoding is not recognised"))
    del raw
    csv.field_size_limit(MAX_CSV_BYTES)  # a long cell is a row's error, not the file's
    try:
        for count, row in enumerate(csv.reader(_lines(text)), 1):
            if count > MAX_ROWS:
                raise too_large(_("more than {n} rows", n=MAX_ROWS))
            yield row[: MAX_COLUMNS + 1]
    except csv.Error as exc:
        raise UsageError("bad_file", _("The CSV file is malformed: {why}", why=exc)) from exc


def _lines(text: str) -> Iterator[str]:
    for line in io.StringIO(text, newline=""):
        if line.count(",") > MAX_CSV_COMMAS:
            raise too_large(_("more than {n} columns", n=MAX_CSV_COMMAS))
        yield line


__all__ = ["FileLost", "MAX_COLUMNS", "check_xlsx", "read_rows"]
