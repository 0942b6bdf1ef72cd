"""Import files made to hurt: odd column paths, huge cells, NUL bytes, 5,000-digit numbers are
each their row's error (row, field, code) and the rest of the file is imported; a zip bomb, a
sheet that claims a million columns or rows, a document type, too many columns are refused as
a whole, quickly and in little memory (peak RSS of the real process, from ``wait4`` in a small
helper process: see MEASURE)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from station.errors import ValidationError
from station.importer import TEMPLATE, column_problem, map_header, row_to_record
from tests.reports.test_import import rows

MB = 1024 * 1024
RSS_LIMIT_KB = 300 * 1024  # the command line alone takes about 80 MB


# The measured command runs under this small helper, which waits for it and writes its peak
# RSS to a file. Measured straight from the test process, the figure would include the test
# process's own peak: Linux starts a new program's maxrss at the high-water mark of the memory
# it replaced, which after pytest's fork (vfork) is pytest's, several hundred MB late in a run.
MEASURE = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_pid, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(args: list[str], env: dict[str, str], timeout: float = 120):
    """``python -m station ARGS`` as a real process: (exit code, stdout, stderr, peak RSS kB)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        rss_file = os.path.join(tmp, "rss")
        try:
            proc = subprocess.run(
                [sys.executable, "-c", MEASURE, rss_file, sys.executable, "-m", "station", *args],
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                start_new_session=True,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{args} did not finish within {timeout} s")
        with open(rss_file) as fh:
            rss = int(fh.read())
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode(), rss


def template_xlsx(path: Path, data: list[list[object]] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append([p for p, _zh in TEMPLATE])
    for row in data or []:
        ws.append(row)
    wb.save(path)
    return path


def replace_sheet(src: Path, dst: Path, sheet: Callable[[], Iterator[bytes]]) -> Path:
    """``src`` with its first worksheet's XML replaced by the chunks ``sheet`` yields."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with zout.open(info.filename, "w") as fh:
                    for chunk in sheet():
                        fh.write(chunk)
            else:
                zout.writestr(info, zin.read(info.filename))
    return dst


HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def header_row() -> bytes:
    cells = b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % p.encode() for p, _zh in TEMPLATE)
    return b'<row r="1">' + cells + b"</row>"


def refused(out, code: str) -> None:
    rc, stdout, stderr, rss = out
    assert rc == 2, (rc, stdout, stderr)
    assert json.loads(stdout)["error"]["code"] == code, stdout
    assert "Traceback" not in stderr
    assert rss < RSS_LIMIT_KB, f"peak RSS {rss // 1024} MB"


def count_apps(station) -> int:
    store = station.login()
    return store.conn.execute("SELECT count(*) FROM applications").fetchone()[0]


# -- whole-file refusals -----------------------------------------------------------------------
def test_a_400_mb_cell_in_a_400_kb_workbook_is_refused_before_inflating(station, tmp_path):
    def sheet() -> Iterator[bytes]:
        yield HEAD + b"<sheetData>" + header_row() + b'<row r="2"><c t="inlineStr"><is><t>'
        block = b"A" * MB
        for _ in range(400):
            yield block
        yield b"</t></is></c></row></sheetData></worksheet>"

    bomb = replace_sheet(template_xlsx(tmp_path / "t.xlsx"), tmp_path / "bomb.xlsx", sheet)
    assert bomb.stat().st_size < 2 * MB
    out = run_measured(["--json", "import", str(bomb)], station.env())
    refused(out, "file_too_large")
    assert count_apps(station) == 0


def test_a_60_mb_cell_under_the_size_limit_is_found_by_the_scan(station, tmp_path):
    def sheet() -> Iterator[bytes]:
        yield HEAD + b"<sheetData>" + header_row() + b'<row r="2"><c t="inlineStr"><is><t>'
        block = "张".encode() * (MB // 3)
        for _ in range(60):
            yield block
        yield b"</t></is></c></row></sheetData></worksheet>"

    big = replace_sheet(template_xlsx(tmp_path / "t.xlsx"), tmp_path / "big.xlsx", sheet)
    refused(run_measured(["--json", "import", str(big)], station.env()), "file_too_large")


def test_a_document_type_is_refused(station, tmp_path):
    def sheet() -> Iterator[bytes]:
        yield (
            b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        )
        yield HEAD[HEAD.index(b"<worksheet") :] + b"<sheetData>" + header_row()
        yield b'<row r="2"><c t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>'

    evil = replace_sheet(template_xlsx(tmp_path / "t.xlsx"), tmp_path / "dtd.xlsx", sheet)
    refused(run_measured(["--json", "import", str(evil)], station.env()), "bad_file")


def test_too_many_rows_or_columns_are_refused(station, tmp_path):
    def far_row() -> Iterator[bytes]:
        yield HEAD + b"<sheetData>" + header_row()
        yield b'<row r="5000000"><c r="A5000000"><v>1</v></c></row></sheetData></worksheet>'

    deep = replace_sheet(template_xlsx(tmp_path / "t.xlsx"), tmp_path / "deep.xlsx", far_row)
    refused(run_measured(["--json", "import", str(deep)], station.env()), "file_too_large")
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(["person.id_number"] + [f"x{i}" for i in range(400)]) + "\n")
    refused(run_measured(["--json", "import", str(wide)], station.env()), "too_many_columns")
    commas = tmp_path / "commas.csv"
    commas.write_text("person.id_number\n" + "," * 1_000_000 + "\n")
    refused(run_measured(["--json", "import", str(commas)], station.env()), "file_too_large")


def test_a_sheet_that_claims_every_cell_is_read_as_what_it_holds(station, tmp_path):
    """A dimension of A1:XFD1048576 and a cell in the last column of the last row: openpyxl
    would pad each row to 16,384 cells; the import reads a million empty rows and stops."""
    good = [[r[p] for p, _zh in TEMPLATE] for r in rows(2, seed=21)]

    def sheet() -> Iterator[bytes]:
        yield HEAD + b'<dimension ref="A1:XFD1048576"/><sheetData>' + header_row()
        for i, row in enumerate(good, 2):
            cells = b"".join(
                b'<c t="inlineStr"><is><t>%s</t></is></c>' % str(v or "").encode() for v in row
            )
            yield b'<row r="%d">%s</row>' % (i, cells)
        yield b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'

    claim = replace_sheet(template_xlsx(tmp_path / "t.xlsx"), tmp_path / "claim.xlsx", sheet)
    rc, stdout, stderr, rss = run_measured(["--json", "import", str(claim)], station.env())
    assert rc == 0, stderr
    assert json.loads(stdout)["saved"] == 2
    assert rss < RSS_LIMIT_KB


def test_a_5000_digit_number_cell_in_a_workbook(station, tmp_path):
    def sheet() -> Iterator[bytes]:
        yield HEAD + b"<sheetData>" + header_row()
        yield b'<row r="2"><c r="M2"><v>' + b"9" * 5000 + b"</v></c></row></sheetData></worksheet>"

    odd = replace_sheet(template_xlsx(tmp_path / "t.xlsx"), tmp_path / "n.xlsx", sheet)
    rc, stdout, stderr, _rss = run_measured(["--json", "import", str(odd)], station.env())
    assert rc in (2, 4) and "Traceback" not in stderr, stderr
    doc = json.loads(stdout)
    assert doc.get("error") or doc.get("errors"), doc


# -- per-row errors ------------------------------------------------------------------------------
def test_hostile_cells_are_their_rows_errors_and_the_rest_is_imported(station, tmp_path):
    paths = [p for p, _zh in TEMPLATE]
    good = rows(3, seed=22)
    extra = ["person.name.x", "members.50000000.name", "members.x.name", "person..name"]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(paths + extra)

    def line(r: dict, **changes: str) -> list[str]:
        values = {**{p: "" if r[p] is None else str(r[p]) for p in paths}, **changes}
        return [values.get(p, "") for p in paths + extra]

    w.writerow(line(good[0]))
    w.writerow(line(good[1], **{"person.name": "张" * 131_073}))
    w.writerow(line(good[1], **{"person.name": "张\x00三"}))
    w.writerow(line(good[1], **{"person.birth_date": "1990-" + "1" * 5000 + "-01"}))
    w.writerow(line(good[1], **{"residence.intended_months": "9" * 5000}))
    w.writerow(line(good[1], **{"person.birth_date": "１９９０-０１-０１"}))
    w.writerow(line(good[1], **{"person.name.x": "x"}))
    w.writerow(line(good[1], **{"members.50000000.name": "张三"}))
    w.writerow(line(good[1], **{"members.x.name": "张三", "person..name": "李四"}))
    w.writerow(line(good[2]))
    sheet = tmp_path / "hostile.csv"
    sheet.write_text(buf.getvalue(), encoding="utf-8")
    rc, stdout, stderr, rss = run_measured(["--json", "import", str(sheet)], station.env())
    assert rc == 0, stderr
    assert "Traceback" not in stderr and rss < RSS_LIMIT_KB
    doc = json.loads(stdout)
    assert doc["saved"] == 2
    got = {(e["row"], e["field"], e["code"]) for e in doc["errors"]}
    assert {
        (3, "person.name", "too_long"),
        (4, "person.name", "control_chars"),
        (5, "person.birth_date", "too_long"),
        (6, "residence.intended_months", "type"),
        (7, "person.birth_date", "digits_not_ascii"),
        (8, "person.name.x", "unknown_field"),
        (9, "members.50000000.name", "too_many_members"),
        (10, "members.x.name", "unknown_field"),
        (10, "person..name", "unknown_field"),
    } <= got, sorted(got)
    assert {row for row, _f, _c in got} == set(range(3, 11))
    assert count_apps(station) == 2


@pytest.mark.parametrize(
    "path,ok",
    [
        ("person.name", True),
        ("dwelling.landlord.phone", True),
        ("members.49.birth_date", True),
        ("services", True),
        ("members.50.name", False),
        ("members.-1.name", False),
        ("members.٣.name", False),
        ("dwelling.landlord", False),
        ("person", False),
        ("person.name.x", False),
        ("kind.x", False),
    ],
)
def test_column_paths(path, ok):
    assert (column_problem(path) is None) == ok


# -- fuzz: every row ends saved or as its own typed errors, the store unchanged on error ---------
FIELD_PATHS = [p for p, _zh in TEMPLATE] + [
    "kind",
    "members.0.name",
    "members.0.birth_date",
    "members.3.relation",
    "guardian.name",
    "person.id_valid_to",
]
paths_st = st.one_of(
    st.sampled_from(FIELD_PATHS),
    st.lists(
        st.one_of(
            st.sampled_from(["person", "members", "name", "0", "99999999", ""]), st.text(max_size=4)
        ),
        min_size=1,
        max_size=4,
    ).map(".".join),
)
values_st = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates().map(lambda d: dt.datetime(d.year, d.month, d.day)),
    st.sampled_from(["1990-" + "1" * 5000 + "-01", "\u202e张三", "１３８００００００００", "=1+2"]),
)


BASE = rows(1, seed=1)[0]


@given(cells=st.dictionaries(paths_st, values_st, max_size=12))
def test_fuzz_row_parser_and_save(station, cells):
    store = getattr(station, "fuzz_store", None) or station.login()
    station.fuzz_store = store
    header = list(BASE) + list(cells)
    values = list(BASE.values()) + list(cells.values())
    mapping = map_header(header)  # the paths a real header row gives
    record, problems = row_to_record({p: values[i] for i, p in mapping.items()})
    before = store.conn.execute("SELECT count(*) FROM applications").fetchone()[0]
    if problems:
        assert all(p.field and p.code for p in problems)
        return
    (outcome,) = store.save_many([record])
    after = store.conn.execute("SELECT count(*) FROM applications").fetchone()[0]
    if isinstance(outcome, ValidationError):
        assert outcome.errors and after == before
    else:
        assert after == before + 1
