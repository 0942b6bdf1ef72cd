"""The endorsement screen through the real PC/SC stack (pcscd + vpcd + the emulated card):
read, match to the record, write, record, sync as an endorsement; already endorsed; a card
swapped between check and write; a card pulled during the write; not a permit card."""

from __future__ import annotations

import datetime as dt

import pytest

from devices.permit.emulator import CardOptions, PermitCard, synthetic_fields
from station.samples import sample_record
from tests.conftest import PASSWORD

pytestmark = pytest.mark.pcsc
KEY = "8f3a61c2d4e5f60718293a4b5c6d7e80"
YEAR = dt.date.today().year


@pytest.fixture
def desk(qapp, qtbot, station, vpcd):
    from ui.adapter import StationBridge
    from ui.app import make_app

    make_app()
    tech = station.login("tech")
    tech.config_set("permit.endorse_key", KEY)
    tech.config_set("permit.driver", "pcsc")
    tech.config_set("permit.reader", vpcd.reader)
    store = station.station.login("coord", PASSWORD)
    for index in (3, 5):  # holders with a record at this station
        rec = sample_record()
        rec["person"].update(synthetic_fields(index)["person"])
        store.save_application(rec)
    bridge = StationBridge(store)
    yield bridge, store.settings_map()
    bridge.stop()


@pytest.fixture
def open_dialog():
    from ui.endorse import EndorseDialog

    made = []

    def make(qtbot, bridge, settings):
        dlg = EndorseDialog(bridge, settings)
        qtbot.addWidget(dlg)
        dlg.show()
        made.append(dlg)
        return dlg

    yield make
    for dlg in made:  # the screen keeps its reader open until it closes
        dlg.close()


def read(qtbot, dlg):
    before = dlg.rounds
    dlg.read_card()
    qtbot.waitUntil(lambda: dlg.rounds > before, timeout=15_000)


def write(qtbot, dlg):
    before = dlg.rounds
    dlg.write()
    qtbot.waitUntil(lambda: dlg.rounds > before, timeout=15_000)


def rows(station):
    return (
        station.login("super")
        .conn.execute("SELECT permit_number, year, state FROM endorsements")
        .fetchall()
    )


def test_endorse_records_and_syncs_then_refuses_twice(desk, qtbot, station, vpcd, open_dialog):
    bridge, settings = desk
    card = PermitCard.build(3, 2, key=bytes.fromhex(KEY))
    virtual = vpcd.insert(card)
    try:
        dlg = open_dialog(qtbot, bridge, settings)
        read(qtbot, dlg)
        assert dlg.record is not None and "✔" in dlg.check.text()
        assert dlg.write_button.isEnabled()
        write(qtbot, dlg)
        assert dlg.endorsed is not None
        assert card.commands.count("append_record") == 1
        number = synthetic_fields(3)["permit"]["number"]
        assert rows(station) == [(number, YEAR, "done")]
        sup = station.login("super")
        rec = sup.get_application(dlg.record["uuid"], audit_view=False)
        assert rec["kind"] == "endorsement" and rec["version"] == 2  # goes out as its kind
        state = sup.conn.execute(
            "SELECT state FROM outbox WHERE uuid = ?", (rec["uuid"],)
        ).fetchone()[0]
        assert state == "pending"
        read(qtbot, dlg)  # the same card again: already endorsed, nothing to write
        assert dlg.already_endorsed() and not dlg.write_button.isEnabled()
        assert card.commands.count("append_record") == 1
    finally:
        vpcd.remove(virtual)


def test_card_swapped_between_check_and_write_is_not_written(
    desk, qtbot, station, vpcd, open_dialog
):
    bridge, settings = desk
    checked = vpcd.insert(PermitCard.build(3, 2, key=bytes.fromhex(KEY)))
    other = PermitCard.build(5, 2, key=bytes.fromhex(KEY))
    try:
        dlg = open_dialog(qtbot, bridge, settings)
        read(qtbot, dlg)
        assert dlg.write_button.isEnabled()
        vpcd.remove(checked)
        swapped = vpcd.insert(other)
        write(qtbot, dlg)
        assert dlg.endorsed is None and dlg.outcome.text()
        assert other.commands.count("append_record") == 0
        assert rows(station) == []
        vpcd.remove(swapped)
    finally:
        vpcd.remove_all()


def test_card_pulled_during_the_write_is_settled_by_the_next_read(
    desk, qtbot, station, vpcd, open_dialog
):
    bridge, settings = desk
    card = PermitCard.build(3, 2, key=bytes.fromhex(KEY))
    # read: 7 APDUs; the write's own check: 8 more; the card goes before the append
    virtual = vpcd.insert(card, remove_after=15)
    try:
        dlg = open_dialog(qtbot, bridge, settings)
        read(qtbot, dlg)
        write(qtbot, dlg)
        assert dlg.endorsed is None and len(card.records) == 2
        qtbot.waitUntil(lambda: [r[2] for r in rows(station)] in (["uncertain"], []), timeout=5_000)
        vpcd.remove(virtual)
        virtual = vpcd.insert(card)
        read(qtbot, dlg)  # the card does not carry the year: the uncertain row goes
        assert rows(station) == []
        assert dlg.write_button.isEnabled()
    finally:
        vpcd.remove(virtual)


def test_not_a_permit_card(desk, qtbot, station, vpcd, open_dialog):
    bridge, settings = desk
    virtual = vpcd.insert(PermitCard.build(3, 0, options=CardOptions(not_permit=0x6A82)))
    try:
        dlg = open_dialog(qtbot, bridge, settings)
        read(qtbot, dlg)
        assert dlg.card is None and dlg.outcome.text() and not dlg.write_button.isEnabled()
        assert rows(station) == []
    finally:
        vpcd.remove(virtual)
