"""``station import`` for people: a dry run says what it would do (never "saved") and lists the
rejected rows; the error sheet names columns by the template's Chinese headers — with the
dotted path kept in each header's comment — and imports again once corrected."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from station.importer import TEMPLATE
from tests.conftest import run_cli
from tests.reports.test_import import rows, write_xlsx

PATHS = [p for p, _zh in TEMPLATE]
PHONE = PATHS.index("person.phone")
BAD = {1, 4}  # rows 3 and 6 of the sheet (after the header)


def _mangle(i, values):
    if i in BAD:
        values[PHONE] = "000"
    return values


def test_dry_run_lists_the_bad_rows_and_the_error_sheet_speaks_chinese(station, tmp_path):
    env = dict(station.env(), STATION_LANG="zh_CN")
    sheet = tmp_path / "drive.xlsx"
    write_xlsx(sheet, rows(6, seed=7), chinese=False, mangle=_mangle)  # dotted-path headers
    dry = run_cli("import", str(sheet), "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "已保存" not in dry.stdout and "试运行" in dry.stdout and "4 行可以保存" in dry.stdout
    for row in (3, 6):
        assert f"第 {row} 行  联系电话：" in dry.stdout
    listed = json.loads(run_cli("--json", "app", "list", env=env).stdout)
    assert listed["results"] == []  # nothing stored

    out = run_cli("--json", "import", str(sheet), "--errors", str(tmp_path / "err.xlsx"), env=env)
    assert out.returncode == 0 and json.loads(out.stdout)["saved"] == 4
    assert {e["field"] for e in json.loads(out.stdout)["errors"]} == {"person.phone"}
    book = load_workbook(tmp_path / "err.xlsx")
    ws = book.active
    header = [c.value for c in ws[1]]
    assert header[: len(TEMPLATE)] == [zh for _p, zh in TEMPLATE]
    assert header[-2:] == ["行号", "错误"]
    assert [c.comment.text for c in ws[1][: len(TEMPLATE)]] == PATHS  # for programs
    data = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r[-2] for r in data] == [3, 6]
    assert all(r[-1].startswith("联系电话：") for r in data)

    for r in data:  # the coordinator corrects the phone numbers and imports the sheet again
        r[PHONE] = "13900000000"
    for i, r in enumerate(data, start=2):
        for j, value in enumerate(r, start=1):
            ws.cell(row=i, column=j, value=value)
    book.save(tmp_path / "fixed.xlsx")
    again = run_cli("--json", "import", str(tmp_path / "fixed.xlsx"), env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {"saved": 2, "skipped": 0, "errors": []}
    listed = json.loads(run_cli("--json", "app", "list", env=env).stdout)
    assert len(listed["results"]) == 6
