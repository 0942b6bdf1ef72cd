"""The day's screens through the widgets against the reference central service on loopback:
card pickup with an ID-card check and the handover sent by the next sync (and kept when the
network is down), the sync status with a production rejection opening the correction at the
named field, and the supervisor's review with its audited confirmation."""

from __future__ import annotations

import datetime as dt

import pytest

from devices.idcard.sim import SimulatedIdCardReader
from station import desk, outbox
from station.errors import CentralError
from station.samples import sample_record
from sync.client import SyncClient
from tests import media
from tests.conftest import PASSWORD
from tests.sync.test_sync import enrolled, no_sleep


@pytest.fixture
def ui(qapp, qtbot):
    from ui.app import make_app

    make_app()
    made = []

    def bridge_for(store):
        from ui.adapter import StationBridge

        bridge = StationBridge(store)
        made.append(bridge)
        return bridge

    yield bridge_for
    for b in made:
        b.stop()


def sim_card_person():
    reader = SimulatedIdCardReader(seed=7)
    try:
        return reader.read(wait=5)["person"]
    finally:
        reader.close()


def test_pickup_with_id_check_then_handover_goes_out(station, central, ui, qtbot):
    from ui.pickup import PickupDialog

    coord = enrolled(station, central)
    rec = sample_record()
    rec["person"].update({k: v for k, v in sim_card_person().items() if k in rec["person"] and v})
    mine = coord.save_application(rec, media.photo_jpeg(1))
    other = coord.save_application(sample_record(), media.photo_jpeg(2))
    SyncClient(coord).run(sleep=no_sleep)
    central.store.produce()
    SyncClient(coord).sync_once()
    tech = station.login("tech")
    tech.config_set("idreader.driver", "sim")
    store = station.station.login("coord", PASSWORD)
    settings = dict(store.settings_map(), **{"idreader.seed": "7"})  # the same holder again
    dlg = PickupDialog(ui(store), settings)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 2, timeout=10_000)
    assert "2" in dlg.summary.text()
    dlg.read_card()
    qtbot.waitUntil(lambda: dlg.checked_uuid is not None, timeout=15_000)
    assert dlg.checked_uuid == mine["uuid"] and dlg.hand_button.isEnabled()
    dlg.hand_over(confirm=False)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=10_000)
    assert desk.unsent_handovers(coord)[0]["uuid"] == mine["uuid"]
    detail = coord.conn.execute(
        "SELECT detail FROM audit WHERE action = 'pickup.handover'"
    ).fetchone()[0]
    assert '"id_checked": true' in detail
    central.stop()  # network down: the handover waits
    with pytest.raises(CentralError) as err:
        SyncClient(coord).run(max_attempts=1, sleep=no_sleep)
    assert err.value.code == "unreachable"
    assert len(desk.unsent_handovers(coord)) == 1
    assert other["uuid"] in {q["uuid"] for q in desk.pickup_queue(coord)}


def test_handover_sent_and_collected(station, central, ui, qtbot):
    from ui.pickup import PickupDialog

    coord = enrolled(station, central)
    saved = coord.save_application(sample_record(), media.photo_jpeg(1))
    SyncClient(coord).run(sleep=no_sleep)
    central.store.produce()
    SyncClient(coord).sync_once()
    store = station.station.login("coord", PASSWORD)
    dlg = PickupDialog(ui(store), store.settings_map())
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=10_000)
    dlg.table.selectRow(0)
    dlg.hand_over(confirm=False)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 0, timeout=10_000)
    assert SyncClient(coord).sync_once()["handovers"] == 1
    assert outbox.record_state(coord.conn, saved["uuid"])["service_state"] == "collected"


def test_sync_status_rejection_opens_the_correction_at_the_field(station, central, ui, qtbot):
    from ui.sync_view import SyncStatusDialog

    coord = enrolled(station, central)
    saved = [coord.save_application(sample_record(), media.photo_jpeg(i)) for i in range(2)]
    SyncClient(coord).run(sleep=no_sleep)
    central.store.produce(saved[1]["uuid"], reject="address_unknown", field="residence.address")
    SyncClient(coord).sync_once()
    store = station.station.login("coord", PASSWORD)
    dlg = SyncStatusDialog(ui(store))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=10_000)
    assert dlg.overview["needs_action_list"][0]["field"] == "residence.address"
    assert dlg.table.item(0, 3).text() == "地址"  # the field as the coordinator knows it
    assert "1" in dlg.figures.text()
    dlg.open_correction(0)
    qtbot.waitUntil(lambda: getattr(dlg, "correction", None) is not None, timeout=10_000)
    fix = dlg.correction
    qtbot.addWidget(fix)
    assert fix.stack.currentIndex() == 1  # the residence step
    fix.edits["residence.address"].setText("民族大道101号")
    fix.save()
    qtbot.waitUntil(lambda: fix.saved is not None, timeout=10_000)
    fix.accept()
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 0, timeout=10_000)
    counts = SyncClient(coord).sync_once()
    # same uuid, another hash: the service keeps it as a conflict for a person to decide
    # (sync.md), and the station lists it for the supervisor
    assert counts["conflict"] == 1
    dlg.load()
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=10_000)
    assert dlg.overview["needs_action_list"][0]["state"] == "conflict"


def test_review_flags_and_confirmation_through_the_screen(station, central, ui, qtbot):
    from ui.review import ReviewDialog

    coord = station.login("coord")
    twin = sample_record()
    coord.save_application(twin)
    coord.save_application(twin)
    store = station.station.login("super", PASSWORD)
    dlg = ReviewDialog(ui(store))
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.data is not None, timeout=10_000)
    assert dlg.flags.rowCount() == 2 and dlg.confirm_button.isEnabled()
    dlg.confirm(ask=False)
    qtbot.waitUntil(
        lambda: dlg.data is not None and dlg.data["confirmed"] is not None, timeout=10_000
    )
    assert not dlg.confirm_button.isEnabled()
    sup = station.login("super")
    assert (
        sup.conn.execute("SELECT count(*) FROM audit WHERE action = 'day.confirm'").fetchone()[0]
        == 1
    )
    assert desk.day_review(sup, dt.date.today())["confirmed"]["operator"] == "super"
