"""The coordinator's desk: home entries, a record opened from the list (history, versions,
sync), a change of address through the record view, and the language switched at run time."""

from __future__ import annotations

import pytest

from station.samples import sample_record
from tests import media
from tests.conftest import PASSWORD
from tests.ui.test_first_window import login
from ui.qt import QApplication, Qt


@pytest.fixture
def desk(app, station, qtbot):
    from ui.app import DesktopSession

    coord = station.login("coord")
    saved = coord.save_application(sample_record(), media.photo_jpeg(1))  # else it waits
    session = DesktopSession(station.station)
    session.show_login()
    qtbot.addWidget(session.login)
    login(qtbot, session)
    qtbot.waitUntil(lambda: session.window is not None, timeout=10_000)
    qtbot.waitUntil(lambda: session.window.model.rowCount() == 1, timeout=10_000)
    yield session, saved
    session.shutdown()


def test_home_shows_today_and_the_workflows(desk, qtbot):
    session, _saved = desk
    win = session.window
    qtbot.waitUntil(lambda: win.today_count.text() == "1", timeout=10_000)
    shown = [b.text() for b in win.entries.values() if not b.isHidden() and b.isEnabled()]
    assert any("F4" in t for t in shown) and any("Ctrl+F" in t for t in shown)
    assert len(shown) == 8  # every workflow of the day but the supervisor's review
    assert win.entries[win.tr("Day review")].isHidden()


def test_record_view_history_and_change_of_address(desk, qtbot, station):
    session, saved = desk
    win = session.window
    win.table.setFocus()
    win.table.selectRow(0)
    qtbot.keyClick(win.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: getattr(win, "record_view", None) is not None, timeout=5_000)
    view = win.record_view
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.record is not None, timeout=10_000)
    assert saved["number"] in view.heading.text()
    actions = [view.history.item(r, 2).text() for r in range(view.history.rowCount())]
    assert len(actions) >= 2  # taken in, viewed
    view.action_buttons["change"].click()
    # the record view asks; the main window opens the wizard over it
    qtbot.waitUntil(lambda: getattr(win, "correction", None) is not None, timeout=10_000)
    dlg = win.correction
    assert dlg.parent() is view
    assert dlg.kind == "change"
    dlg.edits["residence.address"].setText("新地址路8号")
    dlg.save()
    qtbot.waitUntil(lambda: dlg.saved is not None, timeout=10_000)
    dlg.accept()
    qtbot.waitUntil(lambda: view.record is not None and view.record["version"] == 2, timeout=10_000)
    rec = station.login("super").get_application(saved["uuid"], audit_view=False)
    assert rec["kind"] == "change" and rec["residence"]["address"] == "新地址路8号"
    changed = view.versions.item(view.versions.rowCount() - 1, 3).text()
    assert "地址" in changed and "业务类型" in changed
    assert view.sync.rowCount() >= 1  # queued for upload as its kind


def test_screens_ask_the_main_window_for_the_record(desk, qtbot):
    """The wizard's duplicate warning and the day review do not open windows themselves
    (no import cycle between the screens): they ask, and the main window opens the record
    over the screen that asked."""
    session, saved = desk
    win = session.window
    win.open_intake()
    qtbot.waitUntil(lambda: getattr(win, "intake_dialog", None) is not None, timeout=10_000)
    intake = win.intake_dialog
    qtbot.addWidget(intake)
    intake.open_duplicate(saved["uuid"])
    view = win.record_view
    assert view.parent() is intake
    qtbot.waitUntil(lambda: view.record is not None, timeout=10_000)
    assert view.record["number"] == saved["number"]
    from ui.review import ReviewDialog

    review = ReviewDialog(win.bridge, win)
    review.record_requested.connect(lambda ref: win._record_for_review(review, ref))
    review.flags.setRowCount(1)
    from ui.qt import QTableWidgetItem

    item = QTableWidgetItem(saved["number"])
    item.setData(Qt.ItemDataRole.UserRole, saved["uuid"])
    review.flags.setItem(0, 0, item)
    review.open_record(0)
    assert win.record_view is not view and win.record_view.parent() is review


def test_language_switch_at_run_time(desk, qtbot):
    session, _saved = desk
    old = session.window
    assert old.language_button.text() == "English"
    old.language_button.click()
    qtbot.waitUntil(lambda: session.window is not old, timeout=5_000)
    win = session.window
    qtbot.addWidget(win)
    assert win.logout_button.text() == "Log out" and win.language_button.text() == "中文"
    qtbot.waitUntil(lambda: win.model.rowCount() == 1, timeout=10_000)
    assert win.model.headerData(0, Qt.Orientation.Horizontal) != "申请编号"
    win.language_button.click()
    qtbot.waitUntil(lambda: session.window is not win, timeout=5_000)
    assert session.window.logout_button.text() == "退出登录"
    assert QApplication.instance() is not None and PASSWORD


def test_endorsement_in_the_demo_with_the_simulated_reader(app, qtbot, station):
    """A holder registered before the station existed: the record is created from the card,
    the endorsement written, and the card read again shows it (one reader per screen)."""
    from station.photo import capture
    from tests import media
    from ui.adapter import StationBridge
    from ui.endorse import EndorseDialog

    tech = station.login("tech")
    tech.config_set("permit.driver", "sim")
    tech.config_set("permit.endorse_key", "000102030405060708090a0b0c0d0e0f")
    store = station.station.login("coord", PASSWORD)
    bridge = StationBridge(store)
    dlg = EndorseDialog(bridge, store.settings_map())
    qtbot.addWidget(dlg)
    try:
        dlg.read_card()
        qtbot.waitUntil(lambda: dlg.rounds == 1, timeout=10_000)
        assert dlg.record is None and not dlg.create_button.isHidden()
        dlg.create_record()
        editor = dlg.editor
        # no qtbot.addWidget(editor): a child of the endorsement screen, deleted with it
        assert editor.kind == "endorsement" and editor.edits["person.name"].isReadOnly()
        rest = sample_record()
        rest["person"] = {
            k: (editor.edits[f"person.{k}"].text() if f"person.{k}" in editor.edits else "") or v
            for k, v in rest["person"].items()
        }
        editor.load_record(rest)
        editor._photo_taken(capture(media.good()), editor)
        editor.save()
        qtbot.waitUntil(lambda: editor.saved is not None, timeout=10_000)
        editor.accept()
        qtbot.waitUntil(lambda: dlg.record is not None, timeout=10_000)
        assert dlg.write_button.isEnabled()
        before = dlg.rounds
        dlg.write()
        qtbot.waitUntil(lambda: dlg.rounds > before, timeout=10_000)
        assert dlg.endorsed is not None
        before = dlg.rounds
        dlg.read_card()
        qtbot.waitUntil(lambda: dlg.rounds > before, timeout=10_000)
        assert dlg.already_endorsed() and not dlg.write_button.isEnabled()
    finally:
        dlg.reject()  # releases the reader (close() does not reach done() on an unshown dialog)
        bridge.stop()
