"""The station profile in the desktop: the intake wizard's district and community pickers
are the loaded profile's (a Xi'an one here), a new profile reaches the next wizard, and
without a profile the wizard says a technician must import it."""

from __future__ import annotations

import pytest

from station.profile.check import parse_document
from tests.conftest import PASSWORD
from tests.profiles import XIAN_STATION_CODE, xian_document, xian_record


@pytest.fixture
def xian_station(tmp_path):
    from station.store import Station

    station = Station(tmp_path / "xian")
    station.init(XIAN_STATION_CODE, "tech", PASSWORD, "6101")
    with station.login("tech", PASSWORD) as tech:
        tech.add_operator("coord", "coordinator", PASSWORD)
    return station


def open_intake(qtbot, station):
    from ui.adapter import StationBridge
    from ui.app import make_app
    from ui.intake import IntakeDialog

    make_app()
    store = station.login("coord", PASSWORD)
    bridge = StationBridge(store)
    dlg = IntakeDialog(bridge, store.settings_map())
    qtbot.addWidget(dlg)
    return bridge, dlg


def combo_items(combo) -> list[tuple[str, str]]:
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def test_the_pickers_are_the_profiles(qapp, qtbot, xian_station):
    with xian_station.login("tech", PASSWORD) as tech:
        tech.profiles.install(parse_document(xian_document()), source="xian.json")
    bridge, dlg = open_intake(qtbot, xian_station)
    try:
        r = dlg.residence
        assert r.no_profile.isHidden()
        assert combo_items(r.district) == [
            ("碑林区 (610103)", "610103"),
            ("未央区 (610112)", "610112"),
            ("雁塔区 (610113)", "610113"),
        ]
        r.district.setCurrentIndex(r.district.findData("610113"))
        items = combo_items(r.community)
        assert len(items) == 16 and items[0] == ("小寨路街道 · 八里村社区", "八里村社区")
        # a whole Xi'an record in the form validates with nothing to say about where
        dlg.load_record(xian_record("陕师大社区"))
        assert r.community.currentData() == "陕师大社区"
        record = dlg.record()
        assert record["residence"]["division_code"] == "610113"
        assert not [e for e in dlg.errors if e.field.startswith("residence")]

        # the city publishes a table without 陕师大社区: the next wizard has it, not this one
        doc = xian_document(version="2026.4")
        doc["communities"] = [c for c in doc["communities"] if c["name"] != "陕师大社区"]
        with xian_station.login("tech", PASSWORD) as tech:
            tech.profiles.install(parse_document(doc), source="v4.json")
        bridge.refresh_profile()
        qtbot.waitUntil(lambda: bridge.profile.version == "2026.4", timeout=10_000)
        from ui.intake import IntakeDialog

        second = IntakeDialog(bridge, dlg.settings)
        qtbot.addWidget(second)
        second.residence.district.setCurrentIndex(second.residence.district.findData("610113"))
        names = [d for _t, d in combo_items(second.residence.community)]
        assert "陕师大社区" not in names and len(names) == 15
    finally:
        bridge.stop()


def test_without_a_profile_the_wizard_says_what_to_do(qapp, qtbot, xian_station):
    bridge, dlg = open_intake(qtbot, xian_station)
    try:
        r = dlg.residence
        assert not r.no_profile.isHidden()
        assert "station profile import" in r.no_profile.text()
        assert r.community.count() == 0
        assert r.district.count() == 13  # the city's districts, from the division table
        dlg.load_record(xian_record())
        assert "residence.community" in {e.field for e in dlg.errors}
    finally:
        bridge.stop()


def test_a_record_of_an_older_profile_keeps_its_place_and_is_flagged(qapp, qtbot, xian_station):
    """A correction of a record whose community the current profile dropped shows that
    community, flagged, instead of quietly moving the person to the first one of the list."""
    with xian_station.login("tech", PASSWORD) as tech:
        tech.profiles.install(parse_document(xian_document()), source="xian.json")
    bridge, dlg = open_intake(qtbot, xian_station)
    try:
        dlg.load_record(xian_record("已撤销社区", "610113"))
        assert dlg.residence.community.currentData() == "已撤销社区"
        assert ("residence.community", "community_unknown") in {
            (e.field, e.code) for e in dlg.errors
        }
        dlg.load_record(xian_record("八里村社区", "450103"))  # a district of another city
        assert dlg.residence.district.currentData() == "450103"
        assert "residence.division_code" in {e.field for e in dlg.errors}
    finally:
        bridge.stop()
