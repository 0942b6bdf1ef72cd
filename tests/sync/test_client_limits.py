"""The client's side of the service's limits and of concurrency: a record the service refuses
as too large is set aside for a person while the rest and the feed go on; a 408 is retried
with smaller batches; the path is signed exactly as sent; three ``station sync`` processes at
once send every record once."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys

import pytest

from station import desk, outbox
from station.samples import synthetic_record
from sync.client import SyncClient
from sync.server.http import Limits
from tests import media
from tests.conftest import run_cli
from tests.sync.conftest import Central
from tests.sync.hostile import HostileService, as_json
from tests.sync.test_sync import enrolled, fill, no_sleep, states


@pytest.fixture
def small_central(tmp_path):
    c = Central(str(tmp_path / "small.db"), Limits(max_batch_bytes=300 * 1024))
    yield c
    c.stop()


def test_a_record_too_large_alone_is_set_aside_and_the_rest_go_on(station, small_central):
    central = small_central
    coord = enrolled(station, central)
    fill(coord, 4)
    rng = random.Random(77)
    big = coord.save_application(
        synthetic_record(rng, dt.date.today()), media.photo_jpeg(77, pad=500_000)
    )
    fill(coord, 3, seed=2)
    out = run_cli("--json", "sync", env=station.env(), timeout=120)
    assert out.returncode == 0, out.stderr
    counts = json.loads(out.stdout)
    assert counts["accepted"] == 7 and counts["rejected"] == 1 and counts["pending"] == 0
    assert counts["events"] >= 7  # the feed was pulled: "received" for the others
    assert states(coord) == {"accepted": 7, "rejected": 1}
    state = outbox.record_state(coord.conn, big["uuid"])
    assert (state["state"], state["code"], state["field"]) == (
        "rejected",
        "record_too_large",
        "photo",
    )
    status = json.loads(run_cli("--json", "sync", "--status", env=station.env()).stdout)
    assert status["rejected"] == 1 and status["needs_action"] == 1
    number = coord.get_application(big["uuid"])["number"]
    assert status["records"] == [
        {"number": number, "state": "rejected", "code": "record_too_large", "field": "photo"}
    ]
    human = run_cli("sync", "--status", env=dict(station.env(), STATION_LANG="en")).stdout
    assert f"{number}  set aside: the record is larger than the service accepts" in human
    listed = desk.sync_overview(coord)["needs_action_list"]
    assert [(r["uuid"], r["code"]) for r in listed] == [(big["uuid"], "record_too_large")]
    assert central.store.status()["applications"] == 7
    # the coordinator takes a new photo: the corrected record goes out
    record = coord.get_application(big["uuid"])
    coord.correct_application(big["uuid"], record, media.photo_jpeg(78))
    SyncClient(coord).run(sleep=no_sleep)
    assert states(coord) == {"accepted": 8}
    assert central.store.status()["applications"] == 8


def test_408_too_slow_is_retried_with_smaller_batches(station, central):
    coord = enrolled(station, central)
    fill(coord, 30)
    hostile = HostileService()
    try:
        with coord.transaction():
            outbox.put(coord.conn, "server", hostile.url)
        hostile.batches = lambda p, r: as_json({"error": {"code": "too_slow"}}, 408)
        out = run_cli("--json", "sync", "--once", env=station.env(), timeout=60)
        assert out.returncode == 6, out.stderr
        assert states(coord) == {"pending": 30}
        assert outbox.open_batches(coord.conn) == []  # nothing half-sent is kept
        assert int(outbox.get(coord.conn, "batch_records")) < 25
    finally:
        hostile.close()
    with coord.transaction():
        outbox.put(coord.conn, "server", central.url)
    SyncClient(coord).run(sleep=no_sleep)
    assert states(coord) == {"accepted": 30}
    assert central.store.status()["applications"] == 30


@pytest.mark.parametrize("tail", ["a b", "%61bc", "ä"])
def test_the_path_is_signed_as_sent(station, central, tail):
    coord = enrolled(station, central)
    client = SyncClient(coord)
    resp = client.request("GET", f"/v1/stations/{client.station_id}/batches/{tail}")
    assert resp.status_code == 404  # verified, then: no such batch (not 401)
    assert resp.json()["error"]["code"] == "unknown_batch"


N_CONCURRENT = 200  # enough batches that the three processes overlap


def test_three_syncs_at_once_send_every_record_once(station, central):
    coord = enrolled(station, central)
    fill(coord, N_CONCURRENT)
    env = station.env()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "station", "--json", "sync"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [e for _o, e in outs]
    counts = [json.loads(o) for o, _e in outs]
    assert sum(c["accepted"] for c in counts) == N_CONCURRENT
    assert sum(c["duplicate"] for c in counts) == 0
    twice = coord.conn.execute(
        "SELECT uuid FROM batch_items GROUP BY uuid HAVING count(*) > 1"
    ).fetchall()
    assert twice == []
    assert states(coord) == {"accepted": N_CONCURRENT}
    assert central.store.status()["applications"] == N_CONCURRENT


def test_a_busy_station_says_so(station, central):
    from sync.lock import SyncBusy, one_sync_at_a_time

    coord = enrolled(station, central)
    with one_sync_at_a_time(coord, 0), pytest.raises(SyncBusy) as busy:
        with one_sync_at_a_time(coord, 0.2):
            pass
    assert busy.value.exit_code == 6 and busy.value.code == "sync_busy"
    with one_sync_at_a_time(coord, 0):  # released
        pass


def test_the_desktop_service_waits_for_a_running_sync(station, central):
    import threading

    from sync.lock import SyncBusy, one_sync_at_a_time
    from sync.service import SyncService

    coord = enrolled(station, central)
    fill(coord, 2)
    seen: list[dict] = []
    got = threading.Event()

    def on_state(state):
        seen.append(state)
        if state.get("error") or state.get("last"):
            got.set()

    with one_sync_at_a_time(coord, 0):
        service = SyncService(coord, interval=600, on_state=on_state)
        service.start()
        try:
            assert got.wait(20)
        finally:
            service.stop()
    assert any(s.get("error") == SyncBusy().message for s in seen)
    assert not any(s.get("last") for s in seen)  # it did not sync meanwhile
    assert states(coord) == {"pending": 2}


def test_the_service_codes_in_words():
    from ui.models import service_message

    for code in ("record_too_large", "photo_too_large", "photo_not_jpeg"):
        words = service_message(code, None)
        assert words and words != code


def test_the_cli_names_the_service_codes_in_words():
    from station import i18n
    from sync.cli import REASONS, reason_text

    for code in ("record_too_large", "photo_too_large", "photo_not_jpeg"):
        words = reason_text({"number": "1", "state": "rejected", "code": code, "field": "photo"})
        assert words and code not in words and "(photo)" not in words
        assert REASONS[code] in i18n.catalog("zh_CN")
    odd = {"number": "1", "state": "rejected", "code": "odd", "field": "x"}
    assert reason_text(odd) == "odd (x)"
