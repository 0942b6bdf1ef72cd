"""The technician's first-run wizard, driven through its widgets."""

from __future__ import annotations

import pytest

from station.store import Station
from ui.qt import Qt


@pytest.fixture
def wizard(qapp, qtbot, tmp_path):
    from ui.app import make_app
    from ui.first_run import FirstRunWizard

    make_app()
    station = Station(tmp_path / "new")
    wiz = FirstRunWizard(station)
    qtbot.addWidget(wiz)
    wiz.show()
    yield wiz
    wiz.done(0)


def test_first_run_creates_station_operators_and_settings(wizard, qtbot, tmp_path):
    wiz = wizard
    sp = wiz.station_page
    assert not wiz.button(wiz.WizardButton.NextButton).isEnabled()
    qtbot.keyClicks(sp.code, "450103000055")
    sp.name.setText("测试服务站")
    assert wiz.button(wiz.WizardButton.NextButton).isEnabled()
    wiz.next()
    tp = wiz.tech_page
    tp.password.setText("first-tech-pw")
    tp.repeat.setText("different")
    assert not tp.isComplete()
    tp.repeat.setText("first-tech-pw")
    assert tp.isComplete()
    wiz.next()
    qtbot.waitUntil(lambda: bool(wiz.recovery_code), timeout=15_000)
    page = wiz.currentPage()
    assert page.code.text() == wiz.recovery_code
    assert not page.isComplete()
    page.confirm.setChecked(True)
    wiz.next()  # devices
    wiz.devices_page.drivers["camera"].setCurrentIndex(
        wiz.devices_page.drivers["camera"].findData("sim")
    )
    wiz.next()  # key
    wiz.key_page.key.setText("zz")
    assert not wiz.key_page.isComplete()
    wiz.key_page.key.setText("00112233445566778899aabbccddeeff")
    wiz.next()  # enrol: skipped
    wiz.next()  # operators
    ops = wiz.currentPage()
    ops.name.setText("coord1")
    ops.password.setText("coord-pass-1")
    ops._add()
    qtbot.waitUntil(lambda: ops.list.count() == 1, timeout=15_000)
    wiz.next()  # final check
    check = wiz.currentPage()
    qtbot.waitUntil(lambda: check.list.count() > 3, timeout=15_000)
    texts = {
        check.list.item(i).data(Qt.ItemDataRole.UserRole): check.list.item(i).text()
        for i in range(check.list.count())
    }
    assert texts["database"].startswith("✔ " + check.check_label("database"))
    wiz.done(1)
    station = Station(tmp_path / "new")
    with station.login("coord1", "coord-pass-1") as store:
        assert store.role == "coordinator"
    with station.login("tech", "first-tech-pw") as tech:
        assert tech.config_get("station.name") == "测试服务站"
        assert tech.config_get("camera.driver") == "sim"
        assert tech.config_get("permit.endorse_key") == "00112233445566778899aabbccddeeff"
