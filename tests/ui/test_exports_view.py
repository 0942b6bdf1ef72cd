"""The reports and import dialogs, driven through their widgets against a real store."""

from __future__ import annotations

import datetime as dt
import random
import subprocess

import pytest

from station.samples import synthetic_record


@pytest.fixture
def bridge(qapp, station):
    from ui.adapter import StationBridge
    from ui.app import make_app

    make_app()
    coord = station.login("coord")
    rng = random.Random(2)
    for _ in range(12):
        coord.save_application(synthetic_record(rng, dt.date.today()))
    b = StationBridge(station.station.login("super", "test-pass-1"))
    yield b
    b.stop()


def test_report_dialog_exports_pdf_and_referrals(bridge, qtbot, tmp_path):
    from ui.exports_view import ReportsDialog

    dlg = ReportsDialog(bridge)
    qtbot.addWidget(dlg)
    dlg.format.setCurrentIndex(dlg.format.findData("pdf"))
    dlg.export_report(str(tmp_path / "r.pdf"))
    qtbot.waitUntil(lambda: dlg.export_button.isEnabled(), timeout=20_000)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "受理日报" in text
    dlg.status.setText("")
    dlg.export_referrals(str(tmp_path / "refs"))
    qtbot.waitUntil(
        lambda: dlg.status.text() != "" and dlg.export_button.isEnabled(), timeout=20_000
    )
    assert any((tmp_path / "refs").iterdir()), dlg.status.text()


def test_import_dialog_shows_rejected_rows_and_saves_the_error_sheet(bridge, qtbot, tmp_path):
    from openpyxl import Workbook

    from station.importer import TEMPLATE
    from ui.exports_view import ImportDialog

    wb = Workbook()
    ws = wb.active
    ws.append([zh for _p, zh in TEMPLATE])
    rng = random.Random(8)
    for i in range(6):
        rec = synthetic_record(rng, dt.date.today())
        row = []
        for path, _zh in TEMPLATE:
            cur = rec
            for part in path.split("."):
                cur = cur.get(part) if isinstance(cur, dict) else None
            row.append(",".join(rec["services"]) if path == "services" else cur)
        if i == 2:
            row[0] = 123456789012345  # an ID stored as a number
        ws.append(row)
    wb.save(tmp_path / "list.xlsx")
    dlg = ImportDialog(bridge)
    qtbot.addWidget(dlg)
    dlg.choose(str(tmp_path / "list.xlsx"))
    dlg.start()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=20_000)
    assert dlg.result.saved == 5 and dlg.table.rowCount() == 1
    assert dlg.table.item(0, 0).text() == "4"
    dlg.save_errors(str(tmp_path / "rejected.xlsx"))
    assert (tmp_path / "rejected.xlsx").exists()
