"""Retention purge: tombstones keep the counts, personal data and photos leave the file."""

from __future__ import annotations

import datetime as dt
import random

import sqlcipher3

from station.retention import due, purge
from station.samples import synthetic_record
from tests import media


def add_collected(store, uuid, when):
    """What the sync client records when the service reports a collected card."""
    store.conn.execute(
        "CREATE TABLE IF NOT EXISTS status_events (seq INTEGER PRIMARY KEY,"
        " uuid TEXT, type TEXT, at TEXT, detail TEXT)"
    )
    store.conn.execute(
        "INSERT INTO status_events (uuid, type, at) VALUES (?, 'collected', ?)",
        (uuid, when.isoformat(timespec="seconds")),
    )


def plaintext_dump(store, tmp_path) -> bytes:
    target = tmp_path / "plain.db"
    store.conn.execute(f"ATTACH DATABASE '{target}' AS plain KEY ''")
    store.conn.execute("SELECT sqlcipher_export('plain')")
    store.conn.execute("DETACH DATABASE plain")
    return target.read_bytes()


def test_purge_after_retention_keeps_counts_and_removes_personal_data(station, tmp_path):
    coord = station.login("coord")
    rng = random.Random(9)
    recs = [synthetic_record(rng, dt.date.today()) for _ in range(4)]
    saved = [coord.save_application(r, media.photo_jpeg(i)) for i, r in enumerate(recs)]
    tech = station.login("tech")
    tech.config_set("retention.days", "30")
    now = dt.datetime.now().astimezone()
    add_collected(tech, saved[0]["uuid"], now - dt.timedelta(days=40))  # due
    add_collected(tech, saved[1]["uuid"], now - dt.timedelta(days=5))  # not yet
    assert due(tech) == [saved[0]["uuid"]]
    before = tech.conn.execute("SELECT count(*) FROM applications").fetchone()[0]
    result = purge(tech, vacuum=True)
    assert result == {"purged": 1, "photos_removed": 1, "vacuumed": True}
    assert tech.conn.execute("SELECT count(*) FROM applications").fetchone()[0] == before
    day_count = coord.count_for_day(dt.date.today())
    assert day_count == 4
    tomb = coord.get_application(saved[0]["uuid"], audit_view=False)
    assert tomb["purged"] is True and "person" not in tomb
    assert tomb["residence"]["community"] == recs[0]["residence"]["community"]
    dump = plaintext_dump(coord, tmp_path)
    person = recs[0]["person"]
    for value in (person["name"], person["id_number"], person["phone"]):
        assert value.encode() not in dump
    assert recs[1]["person"]["id_number"].encode() in dump  # the others are untouched
    assert coord.search(person["id_number"]) == []
    assert coord.search(person["name"]) == [] or all(
        r["uuid"] != saved[0]["uuid"] for r in coord.search(person["name"])
    )
    actions = [
        r[0]
        for r in tech.conn.execute(
            "SELECT action FROM audit WHERE record_uuid = ?", (saved[0]["uuid"],)
        )
    ]
    assert "app.purge" in actions
    assert purge(tech)["purged"] == 0  # idempotent


def test_purge_removes_bytes_from_the_file(station, tmp_path):
    coord = station.login("coord")
    rng = random.Random(4)
    saved = [
        coord.save_application(synthetic_record(rng, dt.date.today()), media.photo_jpeg(i))
        for i in range(30)
    ]
    tech = station.login("tech")
    tech.config_set("retention.days", "0")
    now = dt.datetime.now().astimezone()
    for s in saved:
        add_collected(tech, s["uuid"], now - dt.timedelta(days=1))
    pages = tech.conn.execute("PRAGMA page_count").fetchone()[0]
    purge(tech, vacuum=True)
    assert tech.conn.execute("PRAGMA page_count").fetchone()[0] < pages
    assert tech.conn.execute("SELECT count(*) FROM photos").fetchone()[0] == 0


def test_no_sync_tables_means_nothing_due(station):
    tech = station.login("tech")
    try:
        tech.conn.execute("SELECT 1 FROM status_events")
        has = True
    except sqlcipher3.OperationalError:
        has = False
    if not has:
        assert due(tech) == []
