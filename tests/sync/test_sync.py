"""Sync against the reference service on 127.0.0.1: exactly once, with photos, under faults."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import requests

from station import outbox
from station.errors import CentralError, UsageError
from station.samples import synthetic_record
from sync import wire
from sync.client import RetryLater, SyncClient, enrol
from tests import media
from tests.conftest import PASSWORD
from tests.faultproxy import FaultProxy


def enrolled(station, central, server=None):
    tech = station.login("tech")
    enrol(tech, server or central.url, central.enrol_code())
    return station.login("coord")


def fill(store, n, seed=1, photos=True):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        jpeg = media.photo_jpeg(seed << 32 | i) if photos else None
        out.append(store.save_application(synthetic_record(rng, dt.date.today()), jpeg))
    return out


def states(store):
    return dict(store.conn.execute("SELECT state, count(*) FROM outbox GROUP BY state"))


def no_sleep(_s):
    return None


def test_end_to_end_production_pickup_and_handover(station, central):
    coord = enrolled(station, central)
    saved = fill(coord, 30)
    counts = SyncClient(coord).run(sleep=no_sleep)
    assert counts["accepted"] == 30 and counts["pending"] == 0
    status = central.store.status()
    assert status["applications"] == 30 and status["photos"] == 30
    assert central.store.produce() == 30
    SyncClient(coord).sync_once()
    summary = outbox.summary(coord.conn)
    assert summary["ready_for_pickup"] == 30 and summary["accepted"] == 30
    client = SyncClient(coord)
    client.handover(saved[0]["uuid"], "coord", dt.datetime.now().astimezone().isoformat())
    client.sync_once()
    state = outbox.record_state(coord.conn, saved[0]["uuid"])
    assert state["service_state"] == "collected"
    assert [e["type"] for e in state["events"]] == [
        "received",
        "in_production",
        "card_produced",
        "ready_for_pickup",
        "collected",
    ]
    assert coord.get_application(saved[0]["uuid"], audit_view=False)["state"] == "collected"


def test_correction_after_upload_goes_out_again_and_conflicts_are_kept(station, central):
    coord = enrolled(station, central)
    saved = fill(coord, 3)
    SyncClient(coord).run(sleep=no_sleep)
    rec = coord.get_application(saved[0]["uuid"], audit_view=False)
    for key in ("version", "state"):
        rec.pop(key)
    rec["person"]["phone"] = "13900000009"
    coord.correct_application(saved[0]["uuid"], rec)
    assert states(coord)["pending"] == 1
    counts = SyncClient(coord).sync_once()
    assert counts["conflict"] == 1  # same uuid, new content: a person decides, never overwritten
    assert central.store.status()["conflicts"] == 1


def test_rejections_by_service_and_by_production(station, central):
    coord = enrolled(station, central)
    saved = fill(coord, 2)
    # Make one stored record invalid behind the store's back (as an older version might be).
    from station.record import content_hash
    from station.store import pack_record, unpack_record

    row = coord.conn.execute(
        "SELECT record FROM applications WHERE uuid = ?", (saved[0]["uuid"],)
    ).fetchone()
    rec = unpack_record(row[0])
    rec["person"]["phone"] = "123"
    coord.conn.execute(
        "UPDATE applications SET record = ? WHERE uuid = ?", (pack_record(rec), saved[0]["uuid"])
    )
    coord.conn.execute(
        "UPDATE outbox SET content_hash = ? WHERE uuid = ?", (content_hash(rec), saved[0]["uuid"])
    )
    counts = SyncClient(coord).sync_once()
    assert counts["rejected"] == 1 and counts["accepted"] == 1
    bad = outbox.record_state(coord.conn, saved[0]["uuid"])
    assert (bad["state"], bad["code"], bad["field"]) == ("rejected", "phone", "person.phone")
    central.store.produce(saved[1]["uuid"], reject="photo_quality", field="photo")
    SyncClient(coord).sync_once()
    assert coord.get_application(saved[1]["uuid"], audit_view=False)["state"] == "rejected"


def test_idempotency_key_replay_and_mismatch(station, central):
    coord = enrolled(station, central)
    fill(coord, 2)
    client = SyncClient(coord)
    batch = client._next_batch()
    path = f"/v1/stations/{client.station_id}/batches"
    headers = {"Content-Type": batch["content_type"], "Idempotency-Key": batch["batch_id"]}
    first = client.request("POST", path, batch["body"], headers)
    again = client.request("POST", path, batch["body"], headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replay") == "true"
    other = batch["body"].replace(b'"schema_version":1', b'"schema_version":1 ')
    third = client.request("POST", path, other, headers)
    assert third.status_code == 422
    assert central.store.status()["applications"] == 2


def test_refusals_unsigned_wrong_key_other_station_digest_replay(station, central, tmp_path):
    coord = enrolled(station, central)
    client = SyncClient(coord)
    sid = client.station_id
    path = f"/v1/stations/{sid}/changes"
    assert requests.get(central.url + path, timeout=5).status_code == 401
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = wire.sign_headers(Ed25519PrivateKey.generate(), sid, "GET", path, b"", time.time())
    assert requests.get(central.url + path, headers=forged, timeout=5).status_code == 401
    good = client.signed_headers("GET", path)  # the operator's key with its certificate
    assert requests.get(central.url + path, headers=good, timeout=5).status_code == 200
    assert requests.get(central.url + path, headers=good, timeout=5).status_code == 401  # replay
    other = client.signed_headers("GET", "/v1/stations/st-other/changes")
    r = requests.get(central.url + "/v1/stations/st-other/changes", headers=other, timeout=5)
    assert r.status_code == 403
    body = b'{"uuids": []}'
    h = client.signed_headers("POST", "/v1/applications:lookup", body)
    r = requests.post(
        central.url + "/v1/applications:lookup", data=b'{"uuids": [1]}', headers=h, timeout=5
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_digest"
    stale = client.signed_headers("GET", path)
    stale.update(wire.sign_headers(client.key, sid, "GET", path, b"", time.time() - 3600))
    r = requests.get(central.url + path, headers=stale, timeout=5)
    assert r.status_code == 401 and "Date" in r.headers


def test_clock_skew_detected_corrected_and_recorded(station, central):
    coord = enrolled(station, central)
    fill(coord, 1)
    client = SyncClient(coord)
    client.offset = -86400.0  # the station's clock is a day behind
    counts = client.sync_once()
    assert counts["accepted"] == 1
    assert abs(client.offset) < 5
    assert (
        coord.conn.execute("SELECT value FROM meta WHERE key = 'clock_offset_seconds'").fetchone()
        is not None
    )


def test_revoked_station_stops_and_marks_nothing_sent(station, central):
    coord = enrolled(station, central)
    fill(coord, 3)
    central.store.revoke(SyncClient(coord).station_id)
    with pytest.raises(CentralError) as exc:
        SyncClient(coord).sync_once()
    assert exc.value.code == "revoked"
    assert states(coord).get("accepted", 0) == 0
    assert central.store.status()["applications"] == 0


@pytest.mark.parametrize(
    "faults",
    [
        ["drop_before"],
        ["drop_after"],
        ["truncate"],
        ["status:500"],
        ["status:503"],
        ["status:429"],
        ["status:429:0"],
        ["reset_upload"],
        ["drop_after", "status:503", "truncate"],
        ["status:500", "status:503", "status:500", "status:502", "status:503"],  # a 5xx storm
    ],
)
def test_faults_converge_to_exactly_one_copy(station, central, faults):
    proxy = FaultProxy(central.port)
    try:
        coord = enrolled(station, central, server=proxy.url)
        fill(coord, 12)
        proxy.inject(*faults)
        SyncClient(coord, timeout=5).run(sleep=no_sleep, max_attempts=10)
        assert states(coord) == {"accepted": 12}
        status = central.store.status()
        assert status["applications"] == 12 and status["photos"] == 12
    finally:
        proxy.close()


def test_timeout_is_retried(station, central):
    proxy = FaultProxy(central.port)
    try:
        coord = enrolled(station, central, server=proxy.url)
        fill(coord, 2)
        proxy.inject("delay")
        client = SyncClient(coord, timeout=0.5)
        with pytest.raises(RetryLater):
            client.sync_once()
        client.timeout = 5
        client.run(sleep=no_sleep)
        assert states(coord) == {"accepted": 2}
        assert central.store.status()["applications"] == 2
    finally:
        proxy.close()


def test_hostile_responses_change_nothing(station, central):
    coord = enrolled(station, central)
    fill(coord, 2)
    client = SyncClient(coord)
    batch = client._next_batch()
    before = states(coord)
    for bad in (
        {"batch_id": "other", "results": []},
        {"batch_id": batch["batch_id"], "results": [{"uuid": "nope", "status": "accepted"}]},
        {"batch_id": batch["batch_id"], "results": "x"},
    ):
        with pytest.raises(outbox.BadResponse), coord.transaction():
            outbox.apply_results(coord.conn, batch["batch_id"], bad)
        assert states(coord) == before
    with pytest.raises(outbox.BadResponse), coord.transaction():
        outbox.apply_events(coord.conn, [], 10, 5)  # a cursor going backwards
    with pytest.raises(outbox.BadResponse), coord.transaction():
        outbox.apply_events(coord.conn, [{"seq": 3, "uuid": "u", "type": "hacked"}], 0, 3)
    assert outbox.get(coord.conn, "cursor") in (None, "0")


def test_two_stations_one_service(station, central, tmp_path):
    from tests.conftest import StationFixture

    other = StationFixture(tmp_path / "second", code="450103000098")
    try:
        a = enrolled(station, central)
        b = enrolled(other, central)
        fill(a, 5, seed=1)
        fill(b, 7, seed=2)
        SyncClient(a).run(sleep=no_sleep)
        SyncClient(b).run(sleep=no_sleep)
        central.store.produce()
        ea = SyncClient(a).sync_once()["events"]
        eb = SyncClient(b).sync_once()["events"]
        assert (ea, eb) == (15, 21)  # each station sees only its own applications' events
        assert central.store.status()["applications"] == 12
    finally:
        other.close()


def test_restore_asks_the_service_first(station, central, tmp_path):
    from station.backup import create_backup, restore_backup
    from station.store import Station

    coord = enrolled(station, central)
    fill(coord, 4)
    create_backup(station.login("tech"), tmp_path / "b.stbk")  # taken before the sync
    SyncClient(coord).run(sleep=no_sleep)
    restore_backup(tmp_path / "b.stbk", tmp_path / "new", station.recovery_code)
    restored = Station(tmp_path / "new").login("coord", PASSWORD)
    try:
        with pytest.raises(UsageError) as exc:  # one identity per station: enrol again first
            SyncClient(restored).sync_once()
        assert exc.value.code == "reenrol_required"
        with Station(tmp_path / "new").login("tech", PASSWORD) as tech:
            enrol(tech, central.url, central.enrol_code())
        counts = SyncClient(restored).sync_once()
        assert counts["sent"] == 0  # the service already had them: nothing sent twice
        assert states(restored) == {"accepted": 4}
    finally:
        restored.close()


CHILD = r"""
import sys
from station.store import Station
from sync.client import SyncClient
store = Station(sys.argv[1]).login("coord", sys.argv[2])
print("ready", flush=True)
try:
    SyncClient(store, timeout=5).run(sleep=lambda s: None, max_attempts=50)
except Exception as exc:
    print("error", type(exc).__name__, flush=True)
print("done", flush=True)
"""


@pytest.mark.parametrize("kills,n", [(8, 100), pytest.param(30, 300, marks=pytest.mark.slow)])
def test_kill_9_during_sync_then_clean_sync(station, central, kills, n):
    coord = enrolled(station, central)
    fill(coord, n)
    rng = random.Random(3)
    cursors = []
    for _ in range(kills):
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(station.data_dir), PASSWORD],
            stdout=subprocess.PIPE,
            text=True,
        )
        proc.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.4))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        central.store.produce()
        cursors.append(int(outbox.get(coord.conn, "cursor", "0") or 0))
    SyncClient(coord).run(sleep=no_sleep)
    SyncClient(coord).sync_once()
    assert states(coord) == {"accepted": n}
    status = central.store.status()
    assert status["applications"] == n and status["photos"] == n
    assert cursors == sorted(cursors)
    assert coord.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_cli_enrol_sync_central(station, central):
    from tests.conftest import run_cli

    code = json.loads(run_cli("--json", "central", "enrol-code", "--db", central.db).stdout)
    out = run_cli(
        "--json", "enrol", "--server", central.url, "--code", code["code"], env=station.env("tech")
    )
    assert out.returncode == 0, out.stderr
    again = run_cli(
        "enrol", "--server", central.url, "--code", code["code"], env=station.env("tech")
    )
    assert again.returncode == 6
    fill(station.login("coord"), 3)
    out = run_cli("--json", "sync", env=station.env())
    assert out.returncode == 0, out.stderr
    counts = json.loads(out.stdout)
    assert set(counts) == {
        "sent",
        "accepted",
        "duplicate",
        "conflict",
        "rejected",
        "retry",
        "pending",
        "events",
    }
    assert counts["accepted"] == 3
    status = json.loads(run_cli("--json", "central", "status", "--db", central.db).stdout)
    assert status["applications"] == 3
    down = run_cli("sync", env=dict(station.env()), timeout=120)
    assert down.returncode == 0


def test_unreachable_service_exit_6_and_nothing_lost(station, central):
    from tests.conftest import run_cli
    from tests.sync.conftest import free_port

    coord = enrolled(station, central)
    fill(coord, 2)
    with coord.transaction():
        outbox.put(coord.conn, "server", f"http://127.0.0.1:{free_port()}")
    out = run_cli("--json", "sync", "--once", env=station.env())
    assert out.returncode == 6
    assert states(coord) == {"in_flight": 2}  # the batch's bytes wait to be sent unchanged
    assert len(outbox.open_batches(coord.conn)) == 1
    with coord.transaction():
        outbox.put(coord.conn, "server", central.url)
    SyncClient(coord).run(sleep=no_sleep)
    assert states(coord) == {"accepted": 2}


def test_413_halves_the_batch_and_everything_still_goes_out(station, central):
    proxy = FaultProxy(central.port)
    try:
        coord = enrolled(station, central, server=proxy.url)
        fill(coord, 30)
        proxy.inject("status:413")
        client = SyncClient(coord)
        client.sync_once()
        assert outbox.get(coord.conn, "batch_records") is not None
        client.run(sleep=no_sleep)
        assert states(coord) == {"accepted": 30}
        assert central.store.status()["applications"] == 30
    finally:
        proxy.close()


def test_backoff_full_jitter_capped_and_honouring_retry_after():
    from sync.client import BACKOFF_CAP, backoff_delay

    rng = random.Random(1)
    delays = [backoff_delay(a, rng=rng) for a in range(1, 30)]
    assert all(0 <= d <= BACKOFF_CAP for d in delays)
    assert max(delays[:3]) <= 8
    assert backoff_delay(1, retry_after=42, rng=rng) >= 42


def test_two_stations_through_faults_match_the_service_exactly(station, central, tmp_path):
    from tests.conftest import StationFixture

    proxy = FaultProxy(central.port)
    other = StationFixture(tmp_path / "second", code="450103000098")
    try:
        a = enrolled(station, central, server=proxy.url)
        b = enrolled(other, central, server=proxy.url)
        fill(a, 15, seed=3)
        fill(b, 9, seed=4)
        proxy.inject("drop_after", "status:503", "truncate", "reset_upload", "status:429:0")
        SyncClient(a, timeout=5).run(sleep=no_sleep, max_attempts=10)
        SyncClient(b, timeout=5).run(sleep=no_sleep, max_attempts=10)
        assert states(a) == {"accepted": 15} and states(b) == {"accepted": 9}
        rows = (
            central.store.read()
            .execute("SELECT station_id, count(*) FROM applications GROUP BY station_id")
            .fetchall()
        )
        assert sorted(n for _s, n in rows) == [9, 15]
        assert central.store.status()["photos"] == 24
    finally:
        proxy.close()
        other.close()


def test_doctor_checks_the_central_service(station, central):
    from tests.conftest import run_cli

    def central_check():
        out = run_cli("--json", "doctor", env=station.env("tech"))
        return {c["name"]: c for c in json.loads(out.stdout)["checks"]}["central"]

    assert central_check()["status"] == "warn"  # not enrolled yet
    enrolled(station, central)
    assert central_check()["status"] == "ok"
    tech = station.login("tech")
    central.store.revoke(SyncClient(tech).station_id)
    check = central_check()
    assert check["status"] == "fail" and check["fix"]
