"""Spreadsheet import: Chinese headers, Excel dates, numbers as IDs, GBK, duplicates, errors."""

from __future__ import annotations

import datetime as dt
import json
import random

from openpyxl import Workbook, load_workbook

from station.importer import TEMPLATE
from station.samples import synthetic_record
from tests.conftest import run_cli


def flat(rec):
    out = {}
    for path, _zh in TEMPLATE:
        cur = rec
        for part in path.split("."):
            cur = cur.get(part) if isinstance(cur, dict) else None
        out[path] = cur
    out["services"] = ",".join(rec["services"])
    return out


def rows(n, seed=1):
    rng = random.Random(seed)
    return [flat(synthetic_record(rng, dt.date.today())) for _ in range(n)]


def write_xlsx(path, data, chinese=True, mangle=None):
    wb = Workbook()
    ws = wb.active
    ws.append([zh if chinese else p for p, zh in TEMPLATE])
    for i, r in enumerate(data):
        values = [r[p] for p, _zh in TEMPLATE]
        if mangle:
            values = mangle(i, values)
        ws.append(values)
    wb.save(path)


def test_template_import_twice_and_bad_rows(station, tmp_path):
    env = station.env()
    assert run_cli("import", "--template", str(tmp_path / "t.xlsx"), env=env).returncode == 0
    header = [c.value for c in load_workbook(tmp_path / "t.xlsx").active[1]]
    assert header[0] == "公民身份号码"
    data = rows(40)
    id_col = [p for p, _ in TEMPLATE].index("person.id_number")
    date_col = [p for p, _ in TEMPLATE].index("residence.arrival_date")

    def mangle(i, values):
        if i == 3:
            values[id_col] = int(values[id_col][:15])  # stored as a number: digits lost
        if i == 7:
            values[id_col] = "3.60426E+17"
        if i == 11:
            values[[p for p, _ in TEMPLATE].index("person.phone")] = "12345"
        if i == 12:
            values[date_col] = 46000  # an Excel serial date
        if i == 13:
            values[date_col] = dt.datetime(2026, 3, 1)
        return values

    write_xlsx(tmp_path / "drive.xlsx", data, mangle=mangle)
    out = run_cli(
        "--json",
        "import",
        str(tmp_path / "drive.xlsx"),
        "--errors",
        str(tmp_path / "err.xlsx"),
        env=env,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["saved"] == 37 and doc["skipped"] == 0
    assert {(e["row"], e["code"]) for e in doc["errors"]} >= {
        (5, "id_as_number"),
        (9, "id_scientific"),
        (13, "phone"),
    }
    err_rows = list(load_workbook(tmp_path / "err.xlsx").active.iter_rows(values_only=True))
    assert len(err_rows) == 4 and err_rows[0][-1] == "错误"
    again = json.loads(run_cli("--json", "import", str(tmp_path / "drive.xlsx"), env=env).stdout)
    assert again["saved"] == 0 and again["skipped"] == 37
    listed = json.loads(run_cli("--json", "app", "list", "--limit", "500", env=env).stdout)
    assert len(listed["results"]) == 37


def test_dry_run_stores_nothing_and_dotted_headers(station, tmp_path):
    write_xlsx(tmp_path / "d.xlsx", rows(5), chinese=False)
    out = json.loads(
        run_cli("--json", "import", str(tmp_path / "d.xlsx"), "--dry-run", env=station.env()).stdout
    )
    assert out["saved"] == 5
    listed = json.loads(run_cli("--json", "app", "list", env=station.env()).stdout)
    assert listed["results"] == []


def test_gbk_csv_and_bad_files(station, tmp_path):
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([zh for _p, zh in TEMPLATE])
    for r in rows(3, seed=9):
        w.writerow([r[p] if r[p] is not None else "" for p, _zh in TEMPLATE])
    (tmp_path / "gbk.csv").write_bytes(buf.getvalue().encode("gb18030"))
    out = run_cli("--json", "import", str(tmp_path / "gbk.csv"), env=station.env())
    assert json.loads(out.stdout)["saved"] == 3, out.stderr
    (tmp_path / "empty.csv").write_bytes(b"")
    assert run_cli("import", str(tmp_path / "empty.csv"), env=station.env()).returncode == 2
    (tmp_path / "x.txt").write_text("hello")
    assert run_cli("import", str(tmp_path / "x.txt"), env=station.env()).returncode == 2
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    assert run_cli("import", str(tmp_path / "broken.xlsx"), env=station.env()).returncode == 2
    assert run_cli("import", str(tmp_path / "gone.xlsx"), env=station.env()).returncode == 2


def test_merged_header_cells_are_ignored(station, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["登记表"] + [None] * (len(TEMPLATE) - 1))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    wb.save(tmp_path / "m.xlsx")
    out = run_cli("import", str(tmp_path / "m.xlsx"), env=station.env())
    assert out.returncode == 2  # no recognised columns: a clear message


def test_ten_thousand_rows_with_five_percent_bad_return_exactly_those(station, tmp_path):
    from station.importer import import_file

    rng = random.Random(10)
    data = [flat(synthetic_record(rng, dt.date.today())) for _ in range(10_000)]
    bad = set(range(0, 10_000, 20))  # 500 rows, 5 %
    phone_col = [p for p, _ in TEMPLATE].index("person.phone")

    def mangle(i, values):
        if i in bad:
            values[phone_col] = "000"
        return values

    write_xlsx(tmp_path / "big.xlsx", data, mangle=mangle)
    result = import_file(station.login("coord"), tmp_path / "big.xlsx")
    assert result.saved == 9_500
    assert sorted(r for r, _row, _msg in result.bad_rows) == sorted(i + 2 for i in bad)
    assert {e["field"] for e in result.errors} == {"person.phone"}


def test_file_that_disappears_mid_import_keeps_whole_chunks_and_resumes(station, tmp_path):
    """The file is cut short while being read (a USB stick pulled): the chunks already read
    are saved whole, the result names the row, and importing the file again when it is back
    saves only the rest."""
    import shutil

    from station.importer import import_file

    data = rows(5_000, seed=3)
    path = tmp_path / "drive.xlsx"
    write_xlsx(path, data)
    shutil.copy(path, tmp_path / "backup.xlsx")
    size = path.stat().st_size

    def pull_the_stick(_row):
        if path.stat().st_size == size:
            with open(path, "r+b") as f:
                f.truncate(size // 3)

    coord = station.login("coord")
    result = import_file(coord, path, progress=pull_the_stick)
    assert result.interrupted_at is not None and 500 <= result.saved < 5_000
    stored = coord.conn.execute("SELECT count(*) FROM applications").fetchone()[0]
    assert stored == result.saved  # nothing partial: every stored row is a whole record
    shutil.copy(tmp_path / "backup.xlsx", path)
    again = import_file(coord, path)
    assert again.interrupted_at is None
    assert again.skipped == result.saved and again.saved == 5_000 - result.saved
    assert coord.conn.execute("SELECT count(*) FROM applications").fetchone()[0] == 5_000


def test_cli_reports_a_file_cut_short(station, tmp_path):
    data = rows(3, seed=4)
    path = tmp_path / "cut.xlsx"
    write_xlsx(path, data)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])  # a copy that stopped half-way
    out = run_cli("import", str(path), env=station.env())
    assert out.returncode == 2 and "Traceback" not in out.stderr
    path.unlink()
    out = run_cli("import", str(path), env=station.env())
    assert out.returncode == 2 and "Traceback" not in out.stderr
