"""The login dialog and the main window's search, through the widgets (pytest-qt, offscreen)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from station.samples import synthetic_record
from tests.conftest import PASSWORD


@pytest.fixture
def desktop(app, station, qtbot):
    from ui.app import DesktopSession

    session = DesktopSession(station.station, "demo hint")
    session.show_login()
    qtbot.addWidget(session.login)
    yield session
    session.shutdown()


def login(qtbot, session, user="coord", password=PASSWORD):
    dlg = session.login
    qtbot.keyClicks(dlg.user, user)
    qtbot.keyClick(dlg.user, "\t")
    qtbot.keyClicks(dlg.password, password)
    from ui.qt import Qt

    qtbot.keyClick(dlg.password, Qt.Key.Key_Return)


def test_login_is_in_chinese_and_wrong_password_shows_error(desktop, qtbot):
    dlg = desktop.login
    assert dlg.windowTitle() == "居住证受理站"
    assert dlg.login_button.text() == "登录"
    login(qtbot, desktop, password="wrong-password")
    qtbot.waitUntil(lambda: dlg.error.isVisible(), timeout=10_000)
    assert "密码" in dlg.error.text()
    assert dlg.password.text() == ""
    assert desktop.window is None


def test_login_then_search_as_you_type(desktop, qtbot, station):
    store = station.login("coord")
    rng = random.Random(3)
    recs = [synthetic_record(rng, dt.date.today()) for _ in range(20)]
    for rec in recs:
        store.save_application(rec)
    login(qtbot, desktop)
    qtbot.waitUntil(lambda: desktop.window is not None, timeout=10_000)
    win = desktop.window
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.model.rowCount() == 20, timeout=10_000)
    target = recs[5]["person"]
    qtbot.keyClicks(win.search, target["id_number"])
    qtbot.waitUntil(lambda: win.model.rowCount() == 1, timeout=10_000)
    row = win.model.row_data(0)
    shown = [win.model.index(0, c).data() for c in range(win.model.columnCount())]
    assert target["id_number"] not in shown
    assert row["id_masked"] in shown
    assert "今日受理" in win.today_label.text()


def test_technician_sees_no_records(desktop, qtbot):
    login(qtbot, desktop, user="tech")
    qtbot.waitUntil(lambda: desktop.window is not None, timeout=10_000)
    win = desktop.window
    qtbot.addWidget(win)
    assert not win.search.isEnabled()
    assert win.model.rowCount() == 0


def test_english_switch(app, qtbot):
    from ui.app import install_language
    from ui.login import LoginDialog
    from ui.main_window import MainWindow  # noqa: F401

    install_language(app, "en")

    class Dummy:
        def login(self, *a):
            raise AssertionError

    dlg = LoginDialog(Dummy())
    qtbot.addWidget(dlg)
    assert dlg.login_button.text() == "Log in"


def test_list_model(qtmodeltester):
    from ui.models import ApplicationListModel

    model = ApplicationListModel()
    model.set_rows(
        [
            {
                "uuid": "u1",
                "number": "1",
                "name": "测试甲",
                "id_masked": "1101****002X",
                "kind": "new",
                "community": "c",
                "captured_at": "2026-01-01T10:00:00",
                "state": "saved",
            }
        ]
    )
    qtmodeltester.check(model)


def test_camera_dialog_shows_the_preview_with_the_configured_camera(desktop, qtbot, station):
    tech = station.login("tech")
    tech.config_set("camera.driver", "sim")
    login(qtbot, desktop)
    qtbot.waitUntil(lambda: desktop.window is not None, timeout=10_000)
    win = desktop.window
    qtbot.addWidget(win)
    win.open_camera()
    qtbot.waitUntil(lambda: getattr(win, "camera_dialog", None) is not None, timeout=10_000)
    from ui.photo_preview import PhotoPreview

    preview = win.camera_dialog.findChild(PhotoPreview)
    with qtbot.waitSignal(preview.captured, timeout=15_000) as blocker:
        pass
    assert len(blocker.args[0].jpeg) < 30_000
    win.camera_dialog.close()
