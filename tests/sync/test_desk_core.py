"""The desk's core against the reference central service on loopback: pickup queue and
handovers (offline first), the sync overview's records needing action, the supervisor's day
review flags and the audited end-of-day confirmation."""

from __future__ import annotations

import datetime as dt

import pytest

from station import desk, outbox
from station.errors import AuthError, UsageError
from station.samples import sample_record
from sync.client import RetryLater, SyncClient
from tests import media
from tests.sync.test_sync import enrolled, fill, no_sleep


def ready(station, central, n=3):
    coord = enrolled(station, central)
    saved = fill(coord, n)
    SyncClient(coord).run(sleep=no_sleep)
    central.store.produce()
    SyncClient(coord).sync_once()
    return coord, saved


def test_pickup_queue_handover_offline_then_sent(station, central):
    coord, saved = ready(station, central)
    queue = desk.pickup_queue(coord)
    assert {q["uuid"] for q in queue} == {s["uuid"] for s in saved}
    assert all(q["waited_days"] == 0 and "*" in q["id_masked"] for q in queue)
    idn = coord.get_application(saved[0]["uuid"], audit_view=False)["person"]["id_number"]
    assert desk.find_in_queue(coord, idn) == saved[0]["uuid"]
    desk.record_handover(coord, saved[0]["number"], id_checked=True)
    assert saved[0]["uuid"] not in {q["uuid"] for q in desk.pickup_queue(coord)}
    with pytest.raises(UsageError) as err:
        desk.record_handover(coord, saved[0]["uuid"], id_checked=True)
    assert err.value.code == "already_collected"
    # the network is down: the handover stays recorded and unsent
    offline = SyncClient(coord)
    offline.server = "http://127.0.0.1:9"
    with pytest.raises(RetryLater):
        offline.send_handovers()
    assert [h["uuid"] for h in desk.unsent_handovers(coord)] == [saved[0]["uuid"]]
    counts = SyncClient(coord).sync_once()
    assert counts["handovers"] == 1 and desk.unsent_handovers(coord) == []
    state = outbox.record_state(coord.conn, saved[0]["uuid"])
    assert state["service_state"] == "collected"
    actions = [r[0] for r in coord.conn.execute("SELECT action FROM audit")]
    assert actions.count("pickup.handover") == 1


def test_handover_of_a_card_not_ready_changes_nothing(station, central):
    coord = enrolled(station, central)
    saved = fill(coord, 1)
    before = coord.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    with pytest.raises(UsageError) as err:
        desk.record_handover(coord, saved[0]["uuid"], id_checked=False)
    assert err.value.code == "not_ready"
    assert desk.unsent_handovers(coord) == []
    assert coord.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == before


def test_sync_overview_lists_rejections_with_the_field_until_corrected(station, central):
    coord = enrolled(station, central)
    saved = fill(coord, 2)
    SyncClient(coord).run(sleep=no_sleep)
    central.store.produce(saved[1]["uuid"], reject="photo_quality", field="photo")
    SyncClient(coord).sync_once()
    view = desk.sync_overview(coord)
    assert [(r["uuid"], r["field"]) for r in view["needs_action_list"]] == [
        (saved[1]["uuid"], "photo")
    ]
    rec = coord.get_application(saved[1]["uuid"], audit_view=False)
    rec["person"]["phone"] = "13900001234"
    for key in ("uuid", "number", "captured_at", "operator", "version", "state", "photo"):
        rec.pop(key, None)
    coord.correct_application(saved[1]["uuid"], rec, media.photo_jpeg(b"corrected"))
    assert desk.sync_overview(coord)["needs_action_list"] == []


def test_day_review_flags_and_confirmation(station, central):
    coord, saved = ready(station, central, n=2)
    twin = sample_record()
    first = coord.save_application(twin)
    second = coord.save_application(twin)  # the same applicant twice: a duplicate flag
    desk.note_photo_override(coord, first["uuid"], ["face_small"])
    rec = coord.get_application(saved[0]["uuid"], audit_view=False)
    for key in ("uuid", "number", "captured_at", "operator", "version", "state", "photo"):
        rec.pop(key, None)
    rec["person"]["phone"] = "13900005678"
    coord.correct_application(saved[0]["uuid"], rec)  # after the service received it
    with pytest.raises(AuthError):
        desk.day_review(coord, dt.date.today())
    sup = station.login("super")
    review = desk.day_review(sup, dt.date.today())
    flags = {(f["number"], f["flag"]) for f in review["flags"]}
    assert (first["number"], "duplicate_id") in flags and (
        second["number"],
        "duplicate_id",
    ) in flags
    assert (first["number"], "photo_override") in flags
    assert (saved[0]["number"], "corrected_after_upload") in flags
    assert review["by_operator"] == {"coord": 4} and review["confirmed"] is None
    done = desk.confirm_day(sup, dt.date.today())
    assert done["total"] == 4
    assert desk.day_review(sup, dt.date.today())["confirmed"]["operator"] == "super"
    with pytest.raises(UsageError):
        desk.confirm_day(sup, dt.date.today())
    assert (
        sup.conn.execute("SELECT count(*) FROM audit WHERE action = 'day.confirm'").fetchone()[0]
        == 1
    )
    assert sup.verify_audit().ok


@pytest.mark.parametrize(
    "detail",
    [
        [1, 2],
        "not an object",
        {"code": 7, "field": ["x"]},
        {"field": "residence.address", "extra": {"deep": 1}},
    ],
)
def test_sync_overview_survives_odd_rejection_details(station, central, detail):
    """Whatever detail a service puts on a rejection, the overview lists the record with the
    text fields it can use and drops the rest; nothing stored changes."""
    coord = enrolled(station, central)
    saved = fill(coord, 1)
    SyncClient(coord).run(sleep=no_sleep)
    cursor = int(outbox.get(coord.conn, "cursor", "0") or 0)
    with coord.transaction():
        outbox.apply_events(
            coord.conn,
            [
                {
                    "seq": cursor + 100,
                    "uuid": saved[0]["uuid"],
                    "type": "rejected",
                    "at": "2026-01-01T00:00:00Z",
                    "detail": detail,
                }
            ],
            cursor,
            cursor + 100,
        )
    before = coord.conn.execute("SELECT count(*), max(content_hash) FROM applications").fetchone()
    rows = desk.sync_overview(coord)["needs_action_list"]
    assert [r["uuid"] for r in rows] == [saved[0]["uuid"]]
    assert rows[0]["field"] == (
        detail.get("field", "")
        if isinstance(detail, dict) and isinstance(detail.get("field"), str)
        else ""
    )
    assert all(isinstance(rows[0][k], str) for k in ("field", "message"))
    assert (
        coord.conn.execute("SELECT count(*), max(content_hash) FROM applications").fetchone()
        == before
    )
