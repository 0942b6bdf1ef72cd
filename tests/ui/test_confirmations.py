"""Clicking the button asks, as the shortcut does: the card handover and the day's
confirmation were connected straight to ``hand_over(confirm=True)`` and ``confirm(ask=True)``,
and a button's ``clicked(checked=False)`` arrived as ``confirm=False`` / ``ask=False``, so a
click recorded the handover or confirmed the day without the question."""

from __future__ import annotations

import pytest

from station.samples import sample_record
from tests import media
from tests.conftest import PASSWORD
from ui.qt import QMessageBox


@pytest.fixture
def questions(monkeypatch):
    """The coordinator answers No to every question; the questions asked are kept."""
    asked: list[str] = []

    def question(_parent, _title, text, *_args, **_kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


@pytest.fixture
def bridges(app, station):
    from ui.adapter import StationBridge

    made = []

    def make(user):
        made.append(StationBridge(station.station.login(user, PASSWORD)))
        return made[-1]

    yield make
    for bridge in made:
        bridge.stop()


def test_the_handover_button_asks_first(bridges, station, qtbot, questions):
    from station import desk
    from ui.pickup import PickupDialog

    coord = station.login("coord")
    saved = coord.save_application(sample_record(), media.photo_jpeg(1))  # else it waits
    with coord.transaction():  # the service has reported the card ready (as sync would)
        coord.conn.execute(
            "UPDATE outbox SET state = 'accepted', service_state = 'ready_for_pickup',"
            " service_at = '2026-11-20T10:00:00+08:00' WHERE uuid = ?",
            (saved["uuid"],),
        )
    dlg = PickupDialog(bridges("coord"), coord.settings_map())
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=10_000)
    dlg.table.selectRow(0)
    dlg.hand_button.click()
    assert len(questions) == 1 and saved["number"] in questions[0]
    dlg.bridge.worker.run_sync(lambda _s: None)
    assert desk.pickup_queue(coord) != []  # answered No: nothing handed over


def test_the_confirm_button_asks_first(bridges, station, qtbot, questions):
    import datetime as dt

    from station import desk
    from ui.review import ReviewDialog

    station.login("coord").save_application(sample_record())
    dlg = ReviewDialog(bridges("super"))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.data is not None, timeout=10_000)
    dlg.confirm_button.click()
    assert len(questions) == 1
    dlg.bridge.worker.run_sync(lambda _s: None)
    assert desk.day_review(station.login("super"), dt.date.today())["confirmed"] is None
