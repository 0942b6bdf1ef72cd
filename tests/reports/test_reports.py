"""Daily/period reports (XLSX charts, PDF text, CSV BOM), referral lists, audit, no half files."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess

import pytest
from openpyxl import load_workbook

from station.samples import synthetic_record
from tests.conftest import run_cli

TODAY = dt.date.today().isoformat()


def zh(station, user="super"):
    return dict(station.env(user), STATION_LANG="zh_CN")


@pytest.fixture
def filled(station):
    coord = station.login("coord")
    rng = random.Random(5)
    recs = [synthetic_record(rng, dt.date.today()) for _ in range(25)]
    for r in recs:
        coord.save_application(r)
    sup = station.login("super")  # the population estimates are the supervisor's
    sup.config_set("report.estimated_population", "500")
    return station, recs


def test_xlsx_has_charts_and_frozen_headers(filled, tmp_path):
    station, recs = filled
    out = run_cli(
        "--json",
        "report",
        "daily",
        "--date",
        TODAY,
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / "d.xlsx"),
        env=zh(station),
    )
    assert out.returncode == 0, out.stderr
    wb = load_workbook(tmp_path / "d.xlsx")
    assert wb.sheetnames[0] == "概况"
    summary = {r[0].value: r[1].value for r in wb["概况"].iter_rows(min_row=3)}
    assert summary["受理申请数"] == 25 and summary["覆盖率（%）"] == 5.0
    charts = sum(len(ws._charts) for ws in wb.worksheets)
    assert charts >= 5
    assert wb["按社区"].freeze_panes == "A3"
    raw = (tmp_path / "d.xlsx").read_bytes()
    import zipfile

    with zipfile.ZipFile(tmp_path / "d.xlsx") as z:
        text = "".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())
    for r in recs:
        assert r["person"]["id_number"] not in text  # no ID numbers in the report
    assert raw


def test_pdf_text_renders_chinese(filled, tmp_path):
    station, _recs = filled
    out = run_cli(
        "report",
        "daily",
        "--date",
        TODAY,
        "--format",
        "pdf",
        "--out",
        str(tmp_path / "d.pdf"),
        env=zh(station),
    )
    assert out.returncode == 0, out.stderr
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "受理日报" in text and "按社区" in text and "25" in text


def test_csv_has_bom_and_period_report(filled, tmp_path):
    station, _recs = filled
    out = run_cli(
        "report",
        "period",
        "--from",
        TODAY,
        "--to",
        TODAY,
        "--format",
        "csv",
        "--out",
        str(tmp_path / "p.csv"),
        env=zh(station),
    )
    assert out.returncode == 0, out.stderr
    raw = (tmp_path / "p.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "受理报表".encode() in raw or "受理日报".encode() in raw


def test_referrals_one_file_per_service_and_audited(filled, tmp_path):
    station, recs = filled
    out = run_cli(
        "--json",
        "report",
        "referrals",
        "--date",
        TODAY,
        "--out",
        str(tmp_path / "refs"),
        env=zh(station),
    )
    assert out.returncode == 0, out.stderr
    files = json.loads(out.stdout)["files"]
    asked = {s for r in recs for s in r["services"]}
    assert len(files) == len(asked)
    store = station.login("super")
    actions = [
        r[0] for r in store.conn.execute("SELECT detail FROM audit WHERE action = 'report.export'")
    ]
    assert any('"referrals"' in a for a in actions)


def test_roles_and_bad_input(filled, tmp_path):
    station, _recs = filled
    assert (
        run_cli(
            "report",
            "daily",
            "--date",
            TODAY,
            "--format",
            "csv",
            "--out",
            str(tmp_path / "x.csv"),
            env=station.env("coord"),
        ).returncode
        == 3
    )
    assert (
        run_cli(
            "report",
            "daily",
            "--date",
            "2026-13-01",
            "--format",
            "csv",
            "--out",
            str(tmp_path / "x.csv"),
            env=zh(station),
        ).returncode
        == 2
    )
    assert (
        run_cli(
            "report",
            "daily",
            "--date",
            TODAY,
            "--format",
            "doc",
            "--out",
            str(tmp_path / "x.csv"),
            env=zh(station),
        ).returncode
        == 2
    )


def test_failed_write_leaves_no_file_with_the_final_name(filled, tmp_path, monkeypatch):
    from station.reports import report_data, writers

    station, _recs = filled
    data = report_data(station.login("super"), dt.date.today())

    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device")

    out = tmp_path / "reports"
    out.mkdir()
    from station import fsutil

    monkeypatch.setattr(fsutil.os, "fsync", full_disk)
    with pytest.raises(OSError):
        writers.write_csv(data, out / "r.csv")
    assert list(out.iterdir()) == []


def test_coverage_by_community(filled, tmp_path):
    from collections import Counter

    station, recs = filled
    per = Counter(r["residence"]["community"] for r in recs)
    (first, n_first), *rest = per.most_common()
    estimates = f"{first}={n_first * 10}；不存在社区=40"
    sup = station.login("super")
    sup.config_set("report.community_population", estimates)
    out = run_cli(
        "report",
        "daily",
        "--date",
        TODAY,
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / "c.xlsx"),
        env=zh(station),
    )
    assert out.returncode == 0, out.stderr
    ws = load_workbook(tmp_path / "c.xlsx")["按社区覆盖率"]
    rows = {r[0].value: [c.value for c in r[1:5]] for r in ws.iter_rows(min_row=3)}
    assert rows[first] == [n_first, n_first * 10, 10.0, "否"]
    assert rows["不存在社区"] == [0, 40, 0.0, "否"]
    assert ws._charts
    pdf = run_cli(
        "report",
        "daily",
        "--date",
        TODAY,
        "--format",
        "pdf",
        "--out",
        str(tmp_path / "c.pdf"),
        env=zh(station),
    )
    assert pdf.returncode == 0, pdf.stderr
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "按社区覆盖率" in text and first in text


@pytest.mark.parametrize(
    "value",
    ["幸福社区", "幸福社区=0", "=5", "幸福社区=5;幸福社区=6", "幸福社区=-3", "幸福社区=1e3"],
)
def test_bad_community_population_is_refused(station, value):
    from station.errors import ValidationError

    sup = station.login("super")
    with pytest.raises(ValidationError):
        sup.config_set("report.community_population", value)
    assert sup.config_get("report.community_population") in (None, "")
