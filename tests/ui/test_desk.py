"""The coordinator's desk: home entries, a record opened from the list (history, versions,
sync), a change of address through the record view, and the language switched at run time."""

from __future__ import annotations

import pytest

from station.samples import sample_record
from tests.conftest import PASSWORD
from tests.ui.test_first_window import login
from ui.qt import QApplication, Qt


@pytest.fixture
def desk(app, station, qtbot):
    from ui.app import DesktopSession

    coord = station.login("coord")
    saved = coord.save_application(sample_record())
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
    qtbot.waitUntil(lambda: getattr(view, "correction", None) is not None, timeout=10_000)
    dlg = view.correction
    assert dlg.kind == "change"
    dlg.edits["residence.address"].setText("新地址路8号")
    dlg.save()
    qtbot.waitUntil(lambda: dlg.saved is not None, timeout=10_000)
    dlg.accept()
    qtbot.waitUntil(lambda: view.record is not None and view.record["version"] == 2,
                    timeout=10_000)
    rec = station.login("super").get_application(saved["uuid"], audit_view=False)
    assert rec["kind"] == "change" and rec["residence"]["address"] == "新地址路8号"
    changed = view.versions.item(view.versions.rowCount() - 1, 3).text()
    assert "地址" in changed and "业务类型" in changed
    assert view.sync.rowCount() >= 1  # queued for upload as its kind


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
