"""The technician's first-run wizard, driven through its widgets."""

from __future__ import annotations

import pytest

from station.store import Station
from tests.profiles import write_json
from ui.qt import Qt


def nanning_profile() -> dict:
    """A Nanning profile without the station's details (the wizard's page set them)."""
    return {
        "format": "station-profile",
        "version": "2026.1",
        "city": "4501",
        "streets": [{"code": "450103001", "name": "新竹街道"}],
        "communities": [
            {"code": "450103001001", "name": "新竹社区"},
            {"code": "450103001002", "name": "东葛社区"},
        ],
    }


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
    wiz.next()  # the station profile: a broken file shows its problems, a good one loads
    prof = wiz.currentPage()
    assert prof is wiz.profile_page and prof.isComplete()
    bad = nanning_profile()
    bad["communities"].append({"code": "450103099001", "name": "无街道社区"})
    prof.path.setText(str(write_json(tmp_path / "bad.json", bad)))
    prof.check()
    qtbot.waitUntil(lambda: prof.problems.count() == 1, timeout=15_000)
    assert prof.problems.item(0).text().startswith(prof.where("communities.2.code"))
    assert prof.where("communities.2.code") == "社区 3 · 代码"
    assert not prof.load_button.isEnabled()
    prof.path.setText(str(write_json(tmp_path / "good.json", nanning_profile())))
    prof.check()
    qtbot.waitUntil(prof.load_button.isEnabled, timeout=15_000)
    summary = prof.summary.text()
    assert all(t in summary for t in ("2026.1", "南宁市", "4501", "青秀区", "450103"))
    prof.load()
    qtbot.waitUntil(lambda: prof.loaded == "2026.1", timeout=15_000)
    assert prof.result.text().startswith("✔")
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
    assert texts["profile"].startswith("✔ " + check.check_label("profile"))
    wiz.done(1)
    station = Station(tmp_path / "new")
    with station.login("coord1", "coord-pass-1") as store:
        assert store.role == "coordinator"
    with station.login("tech", "first-tech-pw") as tech:
        assert tech.config_get("station.name") == "测试服务站"
        assert tech.station_profile().find("450103", "东葛社区").street == "新竹街道"
        assert tech.config_get("camera.driver") == "sim"
        assert tech.config_get("permit.endorse_key") == "00112233445566778899aabbccddeeff"
