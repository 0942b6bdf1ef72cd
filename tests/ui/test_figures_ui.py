"""The desktop's part of issue 14 (items 3-5), offscreen against the real encrypted store and
the reference service on 127.0.0.1: the home panel's counts open their lists, a correction made
in the wizard that prints a card waits for the photo, the record view adds it (from a file) and
the application then reaches the service with it; referral outcomes from the record view; the
endorsements falling due listed and exported."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3

from station.samples import sample_record
from sync.client import SyncClient
from tests import media
from tests.sync.conftest import central  # noqa: F401  (the reference service fixture)
from tests.sync.test_sync import enrolled, no_sleep
from tests.ui.test_first_window import login
from tests.ui.test_wizard import make  # noqa: F401  (the wizard fixture)


def open_desk(station, qtbot):
    from ui.app import DesktopSession

    session = DesktopSession(station.station)
    session.show_login()
    qtbot.addWidget(session.login)
    login(qtbot, session)
    qtbot.waitUntil(lambda: session.window is not None, timeout=10_000)
    return session


def open_record(win, qtbot, uuid):
    view = win.show_record(uuid)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.record is not None, timeout=10_000)
    return view


def test_wizard_change_waits_for_the_photo_added_in_the_record_view(
    app,
    station,
    central,  # noqa: F811
    qtbot,
    tmp_path,
):
    coord = enrolled(station, central)
    # a record the service holds without a photo (an endorsement: written onto the card)
    old = coord.save_application(sample_record(kind="endorsement"))
    other = coord.save_application(sample_record(), media.photo_jpeg(1))
    SyncClient(coord).run(sleep=no_sleep)
    central.store.produce(other["uuid"], reject="photo_quality", field="photo")
    SyncClient(coord).sync_once()
    session = open_desk(station, qtbot)
    try:
        win = session.window
        # a rejection in production: counted, highlighted, opens the sync status
        qtbot.waitUntil(
            lambda: win.figures.figures.get("rejected_in_production") == 1, timeout=10_000
        )
        assert win.figures.rejections.property("attention")
        win.figures.rejections.click()
        qtbot.waitUntil(lambda: getattr(win, "sync_dialog", None) is not None, timeout=10_000)
        qtbot.addWidget(win.sync_dialog)
        win.sync_dialog.close()
        qtbot.waitUntil(lambda: "0" in win.figures.photo_needed.text(), timeout=10_000)
        assert win.figures.photo_needed.isHidden()  # a zero is not shown
        view = open_record(win, qtbot, old["uuid"])
        assert view.photo_button.isHidden()
        # a change of address through the wizard: a new card, so it waits for the photo
        view.action_buttons["change"].click()
        qtbot.waitUntil(lambda: getattr(win, "correction", None) is not None, timeout=10_000)
        dlg = win.correction
        dlg.edits["residence.address"].setText("新地址路8号")
        dlg.save()
        qtbot.waitUntil(lambda: dlg.saved is not None, timeout=10_000)
        assert dlg.saved["state"] == "photo_needed"
        assert "photo" in dlg.review_page.saved_label.text() or "照片" in (
            dlg.review_page.saved_label.text()
        )
        dlg.accept()
        assert SyncClient(coord).sync_once()["sent"] == 0  # nothing goes out without it
        # the home panel counts it, and its button opens the filtered list
        win.refresh()
        qtbot.waitUntil(lambda: win.figures.figures.get("photo_needed") == 1, timeout=10_000)
        assert win.figures.photo_needed.property("attention")  # above zero: it stands out
        win.figures.photo_needed.click()
        assert win.photo_filter.isChecked()
        qtbot.waitUntil(lambda: win.model.rowCount() == 1, timeout=10_000)
        assert win.model.row_data(0)["uuid"] == old["uuid"]
        # the record view adds the photo (a picture file, checked as a still)
        qtbot.waitUntil(lambda: view.record["version"] == 2, timeout=10_000)
        assert not view.photo_button.isHidden()
        view._open_photo({"camera.driver": "none"})
        adder = view.photo_dialog
        adder.from_file(str(media.write_image(tmp_path / "dark.png", media.darkened())))
        qtbot.waitUntil(lambda: adder.status.text() != "", timeout=10_000)
        qtbot.waitUntil(lambda: "Saving" not in adder.status.text(), timeout=10_000)
        assert adder.isVisible()  # a picture that fails its checks is refused, the dialog stays
        adder.from_file(str(media.write_image(tmp_path / "good.png", media.good())))
        qtbot.waitUntil(lambda: view.record["version"] == 3, timeout=15_000)
        assert view.photo_button.isHidden()
        counts = SyncClient(coord).sync_once()
        assert counts["sent"] == 1
        with sqlite3.connect(central.db) as db:
            kinds = db.execute(
                "SELECT json_extract(record, '$.kind'), photo FROM applications"
            ).fetchall()
        assert all(photo for kind, photo in kinds if kind != "endorsement")
    finally:
        session.shutdown()


def test_referral_outcome_and_endorsements_due_from_the_desktop(app, station, qtbot, tmp_path):
    coord = station.login("coord")
    saved = coord.save_application(sample_record(), media.photo_jpeg(1))
    # a card issued eleven months ago (a permit read at an endorsement): due within 30 days
    issued = dt.date.today() - dt.timedelta(days=345)
    card = {
        "person": dict(sample_record()["person"]),
        "residence": {},
        "permit": {"number": "P-UI-1", "issue_date": issued.isoformat(), "endorsements": []},
    }
    coord.record_endorsement(card, issued.year, issued)
    session = open_desk(station, qtbot)
    try:
        win = session.window
        qtbot.waitUntil(lambda: win.figures.figures.get("endorsements_due") == 1, timeout=10_000)
        assert "1" in win.figures.endorsements.text()
        view = open_record(win, qtbot, saved["uuid"])
        panel = view.referrals
        qtbot.waitUntil(lambda: len(panel.rows) == 2, timeout=10_000)
        assert {r["state"] for r in panel.rows} == {"referred"}
        panel.record("delivered", 0)
        qtbot.waitUntil(lambda: any(r["state"] == "delivered" for r in panel.rows), timeout=10_000)
        done = next(r for r in panel.rows if r["state"] == "delivered")
        assert done["outcome_by"] == "coord"
        history = [h["action"] for h in coord.history(saved["uuid"])]
        assert any(a.startswith("referral") for a in history)
        # the endorsements list opens from the home panel and exports (a supervisor's export)
        win.figures.endorsements.click()
        dlg = win.endorsements_dialog
        qtbot.addWidget(dlg)
        qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=10_000)
    finally:
        session.shutdown()
    from station.reports.endorsements_due import endorsements_due

    sup = station.login("super")
    rows = endorsements_due(sup)
    assert len(rows) == 1
    out = tmp_path / "due.csv"
    from tests.conftest import run_cli

    done = run_cli("report", "endorsements-due", "--out", str(out), env=station.env("super"))
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8-sig") as fh:
        assert len(list(csv.reader(fh))) == 2


def bridge_for(station, user):
    from tests.conftest import PASSWORD
    from ui.adapter import StationBridge
    from ui.app import make_app

    make_app()
    return StationBridge(station.station.login(user, PASSWORD))


def test_import_dialog_takes_a_photo_folder(app, station, qtbot, tmp_path):
    from tests.sync.test_photo_needed import drive as make_drive
    from ui.exports_view import ImportDialog

    sheet, photos, _ids = make_drive.__wrapped__(tmp_path)
    bridge = bridge_for(station, "coord")
    try:
        dlg = ImportDialog(bridge)
        qtbot.addWidget(dlg)
        dlg.choose(str(sheet))
        dlg.choose_photos(str(photos))
        dlg.start()
        qtbot.waitUntil(lambda: dlg.result is not None, timeout=20_000)
        assert dlg.result.saved == 2 and dlg.result.waiting_photo == 1
        assert dlg.table.rowCount() == 1 and dlg.table.item(0, 1).text() == "photo"
        assert "1" in dlg.summary.text()
    finally:
        bridge.stop()
    with station.login("coord") as coord:
        assert coord.apps.photo_needed_count() == 1


def test_report_settings_on_the_reports_screen(app, station, qtbot):
    from ui.report_settings import ReportSettings

    tech = bridge_for(station, "tech")
    try:
        seen = ReportSettings(tech)
        qtbot.addWidget(seen)
        assert seen.save_button.isHidden()
        assert all(e.isReadOnly() for e in seen.edits.values())
    finally:
        tech.stop()
    sup = bridge_for(station, "super")
    try:
        box = ReportSettings(sup)
        qtbot.addWidget(box)
        qtbot.waitUntil(lambda: box.edits["report.staff_ratio"].text() != "", timeout=10_000)
        box.edits["report.coverage_target"].setText("101")
        box.save()
        qtbot.waitUntil(lambda: box.status.text() != "", timeout=10_000)
        assert "coverage_target" in box.status.text()
        box.status.setText("")
        box.edits["report.coverage_target"].setText("88")
        box.edits["report.estimated_population"].setText("5000")
        box.save()
        qtbot.waitUntil(lambda: box.status.text() != "", timeout=10_000)
    finally:
        sup.stop()
    with station.login("super") as s:
        assert s.config_get("report.coverage_target") == "88"
        keys = [
            d
            for (d,) in s.conn.execute("SELECT detail FROM audit WHERE action = 'config.set'")
            if "report.coverage_target" in d
        ]
    assert len(keys) == 1  # the refused value stored nothing


def test_wizard_keeps_the_marital_status(make, qtbot):  # noqa: F811
    from station.codes import label
    from ui.record_html import record_html

    dlg = make()
    rec = sample_record()
    rec["person"]["marital"] = "22"
    dlg.load_record(rec)
    assert dlg.applicant.marital.currentData() == "22"
    assert dlg.record()["person"]["marital"] == "22"
    assert label("marital", "22", "zh") in record_html(dlg.record())
    dlg.applicant.marital.setCurrentIndex(0)  # not stated: optional
    assert not dlg.record()["person"].get("marital")
    assert "person.marital" not in {e.field for e in dlg._changed()}
