"""The sync client's state changes are one transaction per step: enrolment (identity, server
setting, audit entry) and the end of a round (last success and its audit entry)."""

from __future__ import annotations

import pytest

from station import outbox
from sync.client import SyncClient, enrol
from tests.test_transactions import accept, refuse


def test_enrolment_whose_server_setting_is_refused_leaves_the_station_unenrolled(station, central):
    tech = station.login("tech")
    refuse(tech, "config", "NEW.key = 'sync.server'")
    with pytest.raises(Exception, match="refused by the test"):
        enrol(tech, central.url, central.enrol_code())
    assert outbox.get(tech.conn, "station_id") is None
    assert outbox.get(tech.conn, "private_key") is None
    assert tech.config_get("sync.server") in (None, "")
    accept(tech, "config")
    enrol(tech, central.url, central.enrol_code())
    assert outbox.get(tech.conn, "station_id") and tech.config_get("sync.server") == central.url


def test_a_round_that_cannot_be_audited_is_not_recorded_as_a_success(station, central):
    tech = station.login("tech")
    enrol(tech, central.url, central.enrol_code())
    coord = station.login("coord")
    refuse(coord, "audit", "NEW.action = 'sync.run'")
    with pytest.raises(Exception, match="refused by the test"):
        SyncClient(coord).sync_once()
    assert not outbox.get(coord.conn, "last_success")
    accept(coord, "audit")
    SyncClient(coord).sync_once()
    assert outbox.get(coord.conn, "last_success")
