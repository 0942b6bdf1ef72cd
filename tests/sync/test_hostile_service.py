"""The station against a hostile central service (tests/sync/hostile.py on 127.0.0.1): wrong
types, integers past 2^63, deep nesting, huge or endless bodies, compressed bombs, other content
types, odd statuses. ``station sync`` exits 6 (retry later) without a traceback or a hang,
nothing in the outbox or the feed state is corrupted, and the same records then go to the real
reference service exactly once."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import pytest

from station import outbox
from sync.client import SyncClient, enrol
from tests.conftest import run_cli
from tests.sync.hostile import HostileService, as_json, sent_batch
from tests.sync.test_sync import enrolled, fill, no_sleep, states


def results(req, **fields):
    batch_id, uuids = sent_batch(req)
    return {
        "batch_id": batch_id,
        "received_at": "2026-01-01T00:00:00Z",
        "results": [dict({"uuid": u, "status": "rejected"}, **fields) for u in uuids],
    }


def endless() -> Iterator[bytes]:
    block = b" " * 65536
    while True:
        yield block


def gzip_bomb() -> bytes:
    return gzip.compress(b" " * (200 * 1024 * 1024), compresslevel=9)


BATCH_ANSWERS = {
    "code_is_an_object": lambda p, r: as_json(results(r, code={"a": 1})),
    "code_is_a_number": lambda p, r: as_json(results(r, code=7)),
    "message_is_a_list": lambda p, r: as_json(results(r, code="x", message=["m"])),
    "field_is_2_to_the_70": lambda p, r: as_json(results(r, code="x", field=2**70)),
    "uuid_is_a_number": lambda p, r: as_json(
        {"batch_id": sent_batch(r)[0], "results": [{"uuid": 5, "status": "accepted"}]}
    ),
    "a_list_not_an_object": lambda p, r: as_json([results(r)]),
    "nested_100000_deep": lambda p, r: as_json(None, raw=b"[" * 100_000 + b"]" * 100_000),
    "a_5000_digit_number": lambda p, r: as_json(None, raw=b'{"batch_id": ' + b"9" * 5000 + b"}"),
    "html": lambda p, r: (200, {"Content-Type": "text/html"}, b"<html>maintenance</html>"),
    "json_labelled_text": lambda p, r: (
        200,
        {"Content-Type": "text/plain"},
        json.dumps(results(r, status="accepted")).encode(),
    ),
    "endless_body": lambda p, r: (200, {"Content-Type": "application/json"}, endless()),
    "gzip_bomb": lambda p, r: (
        200,
        {"Content-Type": "application/json", "Content-Encoding": "gzip"},
        gzip_bomb(),
    ),
    "401_with_a_huge_code": lambda p, r: as_json({"error": {"code": "x" * 100_000}}, 401),
    "403_with_a_nested_code": lambda p, r: as_json({"error": {"code": [[["refused"]]]}}, 403),
    "404": lambda p, r: as_json({"error": {"code": "not_found"}}, 404),
    "redirect_elsewhere": lambda p, r: (302, {"Location": "http://203.0.113.1/steal"}, b""),
    "503_retry_after_infinity": lambda p, r: (503, {"Retry-After": "inf"}, b""),
    "503_retry_after_a_century": lambda p, r: (503, {"Retry-After": "3153600000"}, b""),
}


@pytest.fixture
def hostile():
    service = HostileService()
    yield service
    service.close()


def point_at(store, url: str) -> None:
    with store.transaction():
        outbox.put(store.conn, "server", url)


@pytest.mark.parametrize("answer", list(BATCH_ANSWERS))
def test_hostile_batch_answers(station, central, hostile, answer):
    coord = enrolled(station, central)
    fill(coord, 3)
    point_at(coord, hostile.url)
    hostile.batches = BATCH_ANSWERS[answer]
    out = run_cli("--json", "sync", "--once", env=station.env(), timeout=90)
    assert out.returncode == 6, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    assert json.loads(out.stdout)["error"]["code"] in ("unreachable", "refused")
    assert len(out.stderr) < 2000  # a hostile code or body is not echoed
    assert set(states(coord)) <= {"pending", "in_flight"}
    if answer.startswith(("401", "403")):
        assert outbox.get(coord.conn, "last_error") in ("401 ", "403 ")
    point_at(coord, central.url)
    SyncClient(coord).run(sleep=no_sleep)
    assert states(coord) == {"accepted": 3}
    assert central.store.status()["applications"] == 3


def test_a_service_that_always_says_retry_does_not_hold_the_round(station, central, hostile):
    coord = enrolled(station, central)
    fill(coord, 3)
    point_at(coord, hostile.url)
    hostile.batches = lambda p, r: as_json(results(r, status="retry"))
    out = run_cli("--json", "sync", env=station.env(), timeout=90)  # with its retries
    assert out.returncode == 0, out.stderr
    counts = json.loads(out.stdout)
    assert counts["sent"] == 0 and counts["retry"] >= 3 and counts["pending"] == 3
    assert hostile.calls.count(f"POST /v1/stations/{coord_id(coord)}/batches") == 1


def coord_id(store) -> str:
    return str(outbox.get(store.conn, "station_id"))


FEED_ANSWERS = {
    "seq_2_to_the_70": lambda s: {"events": [event(2**70)], "next": 2**70},
    "seq_is_true": lambda s: {"events": [event(True)], "next": s + 1},
    "next_is_text": lambda s: {"events": [event(s + 1)], "next": str(s + 1)},
    "next_behind": lambda s: {"events": [], "next": -1},
    "events_an_object": lambda s: {"events": {"a": 1}, "next": s},
    "uuid_an_object": lambda s: {"events": [dict(event(s + 1), uuid={"u": 1})], "next": s + 1},
    "type_unknown": lambda s: {"events": [dict(event(s + 1), type="hacked")], "next": s + 1},
    "at_a_list": lambda s: {"events": [dict(event(s + 1), at=[1])], "next": s + 1},
}  # fmt: skip


def event(seq):
    return {"seq": seq, "uuid": "u-1", "type": "in_production", "at": "2026-01-01T00:00:00Z"}


def nest(depth):
    doc: dict = {}
    for _ in range(depth):
        doc = {"d": doc}
    return doc


@pytest.mark.parametrize("answer", list(FEED_ANSWERS))
def test_hostile_feed_answers_move_nothing(station, central, hostile, answer):
    coord = enrolled(station, central)
    fill(coord, 2)
    SyncClient(coord).run(sleep=no_sleep)
    cursor = outbox.get(coord.conn, "cursor")
    events = coord.conn.execute("SELECT count(*) FROM status_events").fetchone()[0]
    point_at(coord, hostile.url)

    def feed(path, req):
        return as_json(FEED_ANSWERS[answer](int(req["query"]["since"])))

    hostile.changes = feed
    out = run_cli("--json", "sync", "--once", env=station.env(), timeout=90)
    assert out.returncode == 6, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    assert outbox.get(coord.conn, "cursor") == cursor
    assert coord.conn.execute("SELECT count(*) FROM status_events").fetchone()[0] == events
    assert states(coord) == {"accepted": 2}
    point_at(coord, central.url)
    SyncClient(coord).run(sleep=no_sleep)


@pytest.mark.parametrize("detail", [{"x": "y" * 10**5}, "nest"])
def test_odd_event_details_are_bounded_and_the_feed_goes_on(station, central, hostile, detail):
    """An event's detail is the service's business: a huge one is dropped, a deeply nested
    small one kept (the sync overview takes what it can use); the event counts either way."""
    coord = enrolled(station, central)
    fill(coord, 1)
    SyncClient(coord).run(sleep=no_sleep)
    detail = nest(60) if detail == "nest" else detail
    point_at(coord, hostile.url)
    hostile.changes = lambda path, req: as_json(feed_once(int(req["query"]["since"]), detail))
    out = run_cli("--json", "sync", "--once", env=station.env(), timeout=90)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["events"] == 1
    stored = coord.conn.execute("SELECT detail FROM status_events WHERE uuid = 'u-1'").fetchone()[0]
    assert stored is None or len(stored) <= outbox.MAX_DETAIL


def feed_once(since, detail):
    if since >= 10**6:
        return {"events": [], "next": since}
    return {"events": [dict(event(10**6), detail=detail)], "next": 10**6}


LOOKUP_ANSWERS = {
    "a_list": lambda uuids: [],
    "results_an_object": lambda uuids: {"results": {"a": 1}},
    "odd_results": lambda uuids: {"results": [5, {"uuid": 7}, {"uuid": [uuids[0]]}]},
    "state_an_object": lambda uuids: {
        "results": [{"uuid": u, "state": {"s": 1}, "content_hash": "x"} for u in uuids]
    },
}


@pytest.mark.parametrize("answer", list(LOOKUP_ANSWERS))
def test_hostile_lookup_after_a_restore(station, central, hostile, tmp_path, answer):
    """The recovery lookup after a restore: a malformed answer is a retry (exit 6) or, for
    results it cannot use, the records go out again (the service answers duplicate)."""
    from station.backup import create_backup, restore_backup
    from station.store import Station
    from tests.conftest import PASSWORD

    coord = enrolled(station, central)
    fill(coord, 2)
    create_backup(station.login("tech"), tmp_path / "b.stbk")
    SyncClient(coord).run(sleep=no_sleep)
    new = tmp_path / "new"
    restore_backup(tmp_path / "b.stbk", new, station.recovery_code)
    tech = Station(new).login("tech", PASSWORD)
    try:  # a restored copy sends nothing before its re-enrolment (one identity per station)
        enrol(tech, central.url, central.enrol_code())
    finally:
        tech.close()
    restored = Station(new).login("coord", PASSWORD)
    try:
        point_at(restored, hostile.url)

        def lookup(path, req):
            if not path.endswith(":lookup"):
                return as_json({"error": {"code": "x"}}, 500)
            return as_json(LOOKUP_ANSWERS[answer](json.loads(req["body"])["uuids"]))

        hostile.batches = lookup
        out = run_cli(
            "--json", "sync", "--once", env=dict(station.env(), STATION_DATA_DIR=str(new))
        )
        assert out.returncode == 6, (out.stdout, out.stderr)
        assert "Traceback" not in out.stderr
        assert set(states(restored)) <= {"pending", "in_flight", "accepted"}
        point_at(restored, central.url)
        SyncClient(restored).run(sleep=no_sleep)
        assert set(states(restored)) <= {"accepted", "duplicate"}  # sent again: duplicates
        assert sum(states(restored).values()) == 2
        assert central.store.status()["applications"] == 2
    finally:
        restored.close()
