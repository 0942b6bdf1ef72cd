"""New registration through the widgets: card read (simulated reader), typed fields, photo,
validation next to the fields, save into the store."""

from __future__ import annotations

import pytest

from station.photo import capture
from tests import media
from tests.conftest import PASSWORD


@pytest.fixture
def intake(qapp, qtbot, station):
    from ui.adapter import StationBridge
    from ui.app import make_app
    from ui.intake import IntakeDialog

    make_app()
    tech = station.login("tech")
    for kind in ("idreader", "camera"):
        tech.config_set(f"{kind}.driver", "sim")
    store = station.station.login("coord", PASSWORD)
    bridge = StationBridge(store)
    dlg = IntakeDialog(bridge, store.settings_map())
    qtbot.addWidget(dlg)
    yield dlg
    bridge.stop()


def test_card_fills_person_then_save(intake, qtbot, station, tmp_path):
    dlg = intake
    assert "person.id_number" in dlg.blocking.text() or dlg.blocking.text()
    dlg.read_card()
    qtbot.waitUntil(lambda: dlg.edits["person.id_number"].text() != "", timeout=15_000)
    assert dlg.edits["person.name"].isReadOnly()
    qtbot.keyClicks(dlg.edits["person.phone"], "123")
    dlg.touched.add("person.phone")
    dlg._changed()
    assert not dlg.hints["person.phone"].isHidden() and dlg.hints["person.phone"].text()
    dlg.edits["person.phone"].setText("13800001111")
    dlg.edits["residence.address"].setText("民族大道100号")
    dlg.edits["residence.arrival_date"].setText("2026-03-01")
    dlg.edits["dwelling.landlord.name"].setText("测试房东")
    dlg.edits["dwelling.landlord.phone"].setText("13800002222")
    dlg.edits["dwelling.landlord.id_number"].setText("11010519491231002X")
    dlg.edits["employer.name"].setText("南宁示例物流有限公司")
    dlg.edits["employer.uscc"].setText("91110000600037341L")
    dlg.services["employment"].setChecked(True)
    assert dlg._changed() == []
    dlg.save()
    assert "F3" in dlg.blocking.text()
    dlg._photo_taken(capture(media.good()), dlg)
    dlg.save()
    qtbot.waitUntil(lambda: dlg.saved is not None, timeout=15_000)
    store = station.login("super")
    rec = store.get_application(dlg.saved["uuid"], audit_view=False)
    assert rec["services"] == ["employment"] and rec["photo"]
    assert rec["person"]["phone"] == "13800001111"
    dlg.receipt(str(tmp_path / "receipt.pdf"))
    qtbot.waitUntil(lambda: (tmp_path / "receipt.pdf").exists(), timeout=15_000)
