"""Tampering the central service detects (issue 15), and one identity per station (issue 14,
item 2): the real CLI, the real encrypted store and the reference service on 127.0.0.1."""

from __future__ import annotations

import json
import shutil

import pytest
import requests

from station import audit, i18n, identity, outbox, trust
from station.errors import CentralError
from sync.client import SyncClient, enrol
from tests.conftest import PASSWORD, run_cli
from tests.sync.test_sync import enrolled, fill, no_sleep, states
from tests.trust_tools import db_key_of, raw_conn, rewrite_chain_from


def cli(station, *args, user="coord"):
    return run_cli("--json", *args, env=station.env(user))


def sender_of(central, batch_id):
    row = (
        central.store.read()
        .execute("SELECT operator, role FROM senders WHERE batch_id = ?", (batch_id,))
        .fetchone()
    )
    return tuple(row) if row else None


# -- signed by the operator, anchored, receipted -----------------------------------------------------
def test_requests_are_signed_by_the_operator_and_the_head_is_receipted(station, central):
    coord = enrolled(station, central)
    fill(coord, 3)
    SyncClient(coord).run(sleep=no_sleep)
    batch = coord.conn.execute("SELECT batch_id FROM batches").fetchone()[0]
    assert sender_of(central, batch) == ("coord", "coordinator")
    receipts = trust.anchors(coord.conn)
    assert receipts and receipts[-1]["seq"] <= trust.audit_head(coord.conn)[0]
    result = audit.verify(coord.conn)
    assert result.ok and result.anchors == len(receipts)
    out = cli(station, "audit", "verify", user="super")
    assert out.returncode == 0, out.stderr
    online = json.loads(out.stdout)["online"]
    assert online["checked"] and online["matched"] == online["heads"] >= 1
    # a receipt edited in the database no longer verifies
    conn = raw_conn(station.data_dir, coord.db_key)
    conn.execute("UPDATE audit_anchors SET receipt = replace(receipt, '\"seq\": ', '\"seq\": 1')")
    conn.close()
    assert audit.verify(coord.conn).reason == "receipt"


def test_the_background_sync_of_the_desktop_signs_as_its_operator(station, central):
    from sync.service import SyncService

    coord = enrolled(station, central)
    fill(coord, 2)
    seen = []
    service = SyncService(coord, interval=3600, on_state=seen.append)
    service.start()
    try:
        import time

        deadline = time.monotonic() + 30
        while not any("last" in s for s in seen) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        service.stop()
    batch = coord.conn.execute("SELECT batch_id FROM batches").fetchone()[0]
    assert sender_of(central, batch) == ("coord", "coordinator")


# -- (b) at the service: a rewritten or shortened chain -----------------------------------------------
def test_a_rewritten_chain_is_flagged_and_stops_uploads(station, central):
    coord = enrolled(station, central)
    fill(coord, 2)
    SyncClient(coord).run(sleep=no_sleep)
    anchored = trust.anchors(coord.conn)[-1]["seq"]
    coord.close()
    # the coordinator deletes an entry before the anchored head and recomputes the chain,
    # stripping signatures as they go (they could not make valid ones)
    key = db_key_of(station.data_dir, "coord", PASSWORD)
    conn = raw_conn(station.data_dir, key)
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit WHERE seq = 3")
    rewrite_chain_from(conn, 3)
    conn.close()
    fill(station.login("coord"), 1)
    out = cli(station, "sync")
    assert out.returncode == 6, out.stderr
    err = json.loads(out.stdout)["error"]
    assert err["code"] == "chain_broken" and "rewritten" in err["message"]
    # the service lists it; uploads are refused there whatever the station does
    report = json.loads(
        run_cli("--json", "central", "chains", "--db", central.db, "--broken").stdout
    )
    assert [c["chain"] for c in report["stations"]] == ["rewritten"]
    assert report["stations"][0]["broken_at"] <= anchored
    status = json.loads(run_cli("--json", "central", "status", "--db", central.db).stdout)
    assert len(status["broken_chains"]) == 1
    coord = station.login("coord")
    trust.set_chain_flag(coord.conn, None)  # even with the local flag gone
    with pytest.raises(CentralError) as exc:
        SyncClient(coord).sync_once()
    assert exc.value.code == "chain_broken"
    assert central.store.status()["applications"] == 2
    # what the technician sees
    assert json.loads(cli(station, "sync", "--status").stdout)["blocked"] == "chain_broken"
    doctor = json.loads(cli(station, "doctor", user="tech").stdout)
    central_check = next(c for c in doctor["checks"] if c["name"] == "central")
    assert central_check["status"] == "fail" and "rewritten" in central_check["detail"]
    out = cli(station, "audit", "verify", "--online", user="tech")
    assert out.returncode == 1 and json.loads(out.stdout)["ok"] is False


def test_a_chain_put_back_to_an_older_copy_went_backwards(station, central, tmp_path):
    coord = enrolled(station, central)
    fill(coord, 1)
    SyncClient(coord).run(sleep=no_sleep)
    station.close()
    old = tmp_path / "old"
    shutil.copytree(station.data_dir, old)  # the files as they are now
    coord = station.login("coord")
    fill(coord, 3)
    SyncClient(coord).run(sleep=no_sleep)  # a longer chain anchored
    station.close()
    shutil.rmtree(station.data_dir)
    shutil.copytree(old, station.data_dir)  # put back: the chain is shorter than anchored
    out = cli(station, "sync")
    assert out.returncode == 6
    assert "went backwards" in json.loads(out.stdout)["error"]["message"]
    report = json.loads(run_cli("--json", "central", "chains", "--db", central.db).stdout)
    assert report["stations"][0]["chain"] == "went_backwards"


# -- (a) at the service: a forged operator, a revoked one -------------------------------------------
def test_a_certificate_the_station_did_not_issue_is_refused_by_the_service(station, central):
    coord = enrolled(station, central)
    client = SyncClient(coord)
    mine = identity.new_key()  # the coordinator makes themself a technician certificate
    cert = identity.issue_certificate(
        identity.new_key(), "450103000099", "mallory", "technician", identity.public_b64(mine)
    )
    client.key = mine
    client.certificate = identity.encode_certificate(cert)
    with pytest.raises(CentralError) as exc:
        client.sync_once()
    assert exc.value.code == "bad_certificate"
    # nor may they sign with their own key while showing the technician's certificate
    tech_cert = station.station.keyslots.certificate("tech")
    client.key = coord.keys.signer.key
    client.certificate = identity.encode_certificate(tech_cert)
    with pytest.raises(CentralError) as exc:
        client.sync_once()
    assert exc.value.code == "bad_signature"


def test_a_disabled_operators_key_is_revoked_at_the_service(station, central, monkeypatch):
    monkeypatch.setattr(i18n, "_language", "en")  # the English text, whatever set it before
    coord = enrolled(station, central)
    stale = SyncClient(coord)  # a copy of the coordinator's key and certificate
    tech = station.login("tech")
    tech.disable_operator("coord")
    SyncClient(tech).sync_once()  # the revocation goes with the next sync
    assert trust.unsent_revocations(tech.conn) == []
    with pytest.raises(CentralError) as exc:
        stale.pull_changes()
    assert exc.value.code == "operator_revoked"
    assert "revoked" in exc.value.message


# -- one identity per station (issue 14, item 2) ----------------------------------------------------------
def numbers_at_service(central):
    rows = central.store.read().execute("SELECT number, uuid FROM numbers").fetchall()
    return dict(rows)


def test_a_restored_copy_and_the_old_pc_never_share_a_number(station, central, tmp_path):
    from station.backup import create_backup
    from tests.conftest import StationFixture

    first = enrolled(station, central)
    fill(first, 3)
    SyncClient(first).run(sleep=no_sleep)
    backup = tmp_path / "b.stbk"
    create_backup(station.login("tech"), backup)
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    env = dict(station.env("tech"), STATION_RECOVERY_CODE=station.recovery_code)
    second_dir = tmp_path / "second"
    out = run_cli("--json", "--data-dir", str(second_dir), "restore", str(backup), env=env)
    assert out.returncode == 0, out.stderr
    for name in ("station.db", "keyslots.json"):
        assert oct((second_dir / name).stat().st_mode & 0o777) == "0o600"
    second = StationFixture.__new__(StationFixture)  # the restored folder, same passwords
    second.data_dir, second._open = second_dir, []
    from station.store import Station

    second.station = Station(second_dir)
    # both PCs save applications the same day: the same numbers, other applicants
    a = fill(first, 2, seed=7)
    b_store = second.login("coord")
    b = fill(b_store, 3, seed=8)
    assert {x["number"] for x in a} <= {x["number"] for x in b}
    # the restored one may not upload before it is enrolled again
    out = cli(second, "sync")
    assert (out.returncode, json.loads(out.stdout)["error"]["code"]) == (1, "reenrol_required")
    assert json.loads(cli(second, "sync", "--status").stdout)["blocked"] == "reenrol_required"
    # the old PC goes first: its numbers are taken
    SyncClient(first).run(sleep=no_sleep)
    # the re-enrolment: a new key, the old PC's retired
    code = central.enrol_code()
    out = run_cli(
        "--json", "enrol", "--server", central.url, "--code", code, env=second.env("tech")
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["rotated"] and len(result["superseded"]) == 1
    counts = SyncClient(b_store).run(sleep=no_sleep)
    assert counts["pending"] == 0 and counts.get("renumbered", 0) >= 2
    assert states(b_store) == {"accepted": 3 + 3}
    held = numbers_at_service(central)
    assert len(held) == len(set(held.values())) == 3 + 2 + 3  # one uuid per number
    mine = {r["uuid"]: r for r in (b_store.get_application(x["uuid"], audit_view=False) for x in b)}
    assert all(held[r["number"]] == u for u, r in mine.items())
    status = json.loads(cli(second, "sync", "--status").stdout)
    assert status["to_reprint"] >= 2
    # the old PC is refused from now on
    fill(first, 1, seed=9)
    out = cli(station, "sync")
    assert out.returncode == 6
    assert json.loads(out.stdout)["error"]["code"] == "superseded"
    assert central.store.status()["applications"] == 3 + 2 + 3
    # printing the receipt again clears the reminder
    from station.receipt import receipt_data

    for uuid in list(mine)[:1]:
        receipt_data(b_store, uuid)
    assert outbox.summary(b_store.conn)["to_reprint"] == status["to_reprint"] - 1
    second.close()


def test_a_known_key_answers_409_with_its_own_message(station, central, monkeypatch):
    monkeypatch.setattr(i18n, "_language", "en")  # the English text, whatever set it before
    tech = station.login("tech")
    enrol(tech, central.url, central.enrol_code())
    taken = identity.new_key()  # a key the service already holds for another enrolment
    body = {
        "code": central.enrol_code(),
        "public_key": identity.public_b64(taken),
        "station_code": "450103000097",
    }
    assert (
        requests.post(central.url + "/v1/stations:enrol", json=body, timeout=5).status_code == 201
    )
    monkeypatch.setattr(identity, "new_key", lambda: taken)
    with pytest.raises(CentralError) as exc:
        enrol(tech, central.url, central.enrol_code())
    assert exc.value.code == "already_enrolled"
    assert "already has this station's key" in exc.value.message


def test_an_enrolment_whose_answer_was_lost_is_recovered_with_a_new_key(station, central):
    tech = station.login("tech")
    body = {  # the station's first enrolment reached the service; its answer never came back
        "code": central.enrol_code(),
        "public_key": identity.public_b64(tech.keys.station_key),
        "station_code": "450103000099",
    }
    assert (
        requests.post(central.url + "/v1/stations:enrol", json=body, timeout=5).status_code == 201
    )
    result = enrol(tech, central.url, central.enrol_code())
    assert result["rotated"] and len(result["superseded"]) == 1
    fill(station.login("coord"), 1)
    assert SyncClient(station.login("coord")).sync_once()["accepted"] == 1


def test_an_enrolment_code_bound_to_another_station_code_is_refused(station, central):
    out = run_cli(
        "--json", "central", "enrol-code", "--db", central.db, "--station-code", "450103000001"
    )
    code = json.loads(out.stdout)["code"]
    with pytest.raises(CentralError) as exc:
        enrol(station.login("tech"), central.url, code)
    assert exc.value.code == "bad_enrol_code"


def test_a_coordinator_cannot_enrol(station, central):
    out = run_cli(
        "--json",
        "enrol",
        "--server",
        central.url,
        "--code",
        central.enrol_code(),
        env=station.env("coord"),
    )
    assert out.returncode == 3


# -- a station made before the vault ----------------------------------------------------------------
def test_a_station_from_before_the_vault_moves_onto_it_at_enrolment(tmp_path, central):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from station import db
    from station.store import Station
    from tests.trust_tools import legacy_station

    data = tmp_path / "old"
    key, old_recovery = legacy_station(
        data, "450103000077", PASSWORD, {"tech": "technician", "coord": "coordinator"}
    )
    # enrolled the old way: the sync key in the database, readable by every operator
    raw = Ed25519PrivateKey.generate()
    body = {
        "code": central.enrol_code(),
        "public_key": identity.public_b64(raw),
        "station_code": "450103000077",
    }
    sid = requests.post(central.url + "/v1/stations:enrol", json=body, timeout=5).json()
    conn = db.connect(data / "station.db", key)
    conn.execute("BEGIN")
    for k, v in (
        ("station_id", sid["station_id"]),
        ("server", central.url),
        ("private_key", identity.private_raw(raw).hex()),
    ):
        outbox.put(conn, k, v)
    conn.execute("COMMIT")
    conn.close()
    from station.profile.demo import install_demo

    with Station(data).login("tech", PASSWORD) as tech:  # the city's table, as on any station
        install_demo(tech)
    env = {
        **__import__("os").environ,
        "STATION_DATA_DIR": str(data),
        "STATION_PASSWORD": PASSWORD,
        "STATION_LANG": "en",
    }
    # it keeps working: login, intake, sync with the old key
    coord = Station(data).login("coord", PASSWORD)
    fill(coord, 2)
    assert SyncClient(coord).run(sleep=no_sleep)["accepted"] == 2
    coord.close()
    doctor = json.loads(run_cli("--json", "--user", "tech", "doctor", env=env).stdout)
    slots = next(c for c in doctor["checks"] if c["name"] == "key_slots")
    assert slots["status"] == "warn" and "re-enrol" in slots["detail"]
    # the technician enrols again: the vault, a new identity key, a new recovery code
    out = run_cli(
        "--json",
        "--user",
        "tech",
        "enrol",
        "--server",
        central.url,
        "--code",
        central.enrol_code(),
        env=env,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["recovery_code"] and result["to_reset"] == ["coord"]
    new_recovery = result["recovery_code"]
    tech = Station(data).login("tech", PASSWORD)
    assert tech.keys.station_key is not None
    assert outbox.get(tech.conn, "private_key") is None
    # the old key is retired at the service
    with pytest.raises(CentralError) as exc:
        client = SyncClient(tech)
        client.station_id, client.key, client.certificate = sid["station_id"], raw, None
        client.pull_changes()
    assert exc.value.code == "superseded"
    # the coordinator's slot predates the vault: refused until a technician resets it
    out = run_cli("--json", "--user", "coord", "app", "search", "x", env=env)
    assert (out.returncode, json.loads(out.stdout)["error"]["code"]) == (3, "bad_certificate")
    tech.reset_password("coord", PASSWORD)
    coord = Station(data).login("coord", PASSWORD)
    fill(coord, 1, seed=4)
    assert SyncClient(coord).run(sleep=no_sleep)["accepted"] == 1
    result = audit.verify(coord.conn)
    assert result.ok and result.unsigned >= 2 and result.signed > 0
    # the new recovery code opens the vault; the old one opens nothing
    rec = Station(data).open_with_recovery(new_recovery)
    try:
        assert rec.keys.station_key is not None
    finally:
        rec.close()
    from station.errors import AuthError

    with pytest.raises(AuthError):
        Station(data).open_with_recovery(old_recovery)
    coord.close()
    tech.close()


@pytest.mark.parametrize("fault", ["drop_after", "drop_before", "status:503", "truncate"])
def test_an_anchor_hit_by_a_fault_goes_with_the_next_round(station, central, fault):
    from tests.faultproxy import FaultProxy

    proxy = FaultProxy(central.port, spare=())  # the fault hits the anchor itself
    try:
        coord = enrolled(station, central, server=proxy.url)
        fill(coord, 2)
        proxy.inject(fault)
        SyncClient(coord, timeout=5).run(sleep=no_sleep)  # the uploads do not wait for it
        assert states(coord) == {"accepted": 2}
        SyncClient(coord, timeout=5).sync_once()
        assert trust.chain_flag(coord.conn) is None
        kept = central.store.chain(SyncClient(coord).station_id, 0, 1000)
        assert kept["state"] == "ok" and kept["heads"]
        assert trust.anchors(coord.conn) and audit.verify(coord.conn).ok
    finally:
        proxy.close()
