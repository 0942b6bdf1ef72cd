"""The encrypted store: saving, numbering, searching, corrections, roles, audit."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from station.errors import AuthError, NotFoundError, StorageError, ValidationError
from station.samples import sample_record, synthetic_record


def count(store, table="applications"):
    return store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_save_and_show(station):
    store = station.login("coord")
    rec = sample_record()
    out = store.save_application(rec)
    assert out["number"].startswith("450103000099" + dt.date.today().strftime("%Y%m%d"))
    shown = store.get_application(out["number"])
    assert shown["uuid"] == out["uuid"]
    assert shown["person"]["id_number"] == rec["person"]["id_number"]
    assert shown["operator"] == "coord"
    assert shown["version"] == 1
    actions = [
        r[0]
        for r in store.conn.execute(
            "SELECT action FROM audit WHERE record_uuid = ?", (out["uuid"],)
        )
    ]
    assert actions == ["app.create", "app.view"]


def test_numbers_are_sequential_and_unique(station):
    store = station.login("coord")
    rng = random.Random(1)
    numbers = [
        store.save_application(synthetic_record(rng, dt.date.today()))["number"] for _ in range(5)
    ]
    assert len(set(numbers)) == 5
    assert [int(n[-4:]) for n in numbers] == [1, 2, 3, 4, 5]


def test_number_never_reused_after_failed_save(station):
    store = station.login("coord")
    first = store.save_application(sample_record())["number"]
    bad = sample_record()
    bad["person"]["id_number"] = "110105194912310021"  # wrong check digit
    with pytest.raises(ValidationError):
        store.save_application(bad)
    second = store.save_application(sample_record())["number"]
    assert int(second[-4:]) == int(first[-4:]) + 1


def test_invalid_record_stores_nothing(station):
    store = station.login("coord")
    store.save_application(sample_record())
    before = (count(store), count(store, "audit"), count(store, "photos"))
    bad = sample_record()
    bad["unexpected"] = 1
    bad["person"]["phone"] = "123"
    with pytest.raises(ValidationError) as exc:
        store.save_application(bad, photo=b"\xff\xd8fakejpeg")
    fields = {e.field for e in exc.value.errors}
    assert {"unexpected", "person.phone"} <= fields
    assert (count(store), count(store, "audit"), count(store, "photos")) == before


def test_search_by_id_phone_name_address_and_number(station):
    store = station.login("coord")
    rng = random.Random(7)
    saved = []
    for _ in range(30):
        rec = synthetic_record(rng, dt.date.today())
        saved.append((rec, store.save_application(rec)))
    rec, out = saved[12]
    person = rec["person"]
    assert [r["uuid"] for r in store.search(person["id_number"])] == [out["uuid"]]
    assert out["uuid"] in [r["uuid"] for r in store.search(person["phone"])]
    assert out["uuid"] in [r["uuid"] for r in store.search(person["name"])]
    assert out["uuid"] in [r["uuid"] for r in store.search(person["name"][1:])]
    address = rec["residence"]["address"]
    assert out["uuid"] in [r["uuid"] for r in store.search(address[2:6])]
    assert out["uuid"] in [r["uuid"] for r in store.search(out["number"])]
    assert out["uuid"] in [r["uuid"] for r in store.search(person["id_number"][:10])]
    hit = store.search(person["id_number"])[0]
    assert hit["id_masked"] == person["id_number"][:4] + "*" * 10 + person["id_number"][-4:]
    assert "id_number" not in hit and "phone" not in hit
    assert store.search("") == []
    assert store.search('"*) OR (') == [] or isinstance(store.search('"*) OR ('), list)


def test_correction_makes_a_new_version(station):
    store = station.login("coord")
    rec = sample_record()
    out = store.save_application(rec)
    changed = sample_record()
    changed["person"]["phone"] = "13900000001"
    res = store.correct_application(out["uuid"], changed)
    assert res == {"uuid": out["uuid"], "number": out["number"], "version": 2, "changed": True}
    assert store.get_application(out["uuid"])["person"]["phone"] == "13900000001"
    versions = store.versions(out["uuid"])
    assert [v["version"] for v in versions] == [1]
    assert versions[0]["record"]["person"]["phone"] == rec["person"]["phone"]
    assert store.search("13900000001")[0]["uuid"] == out["uuid"]
    same = store.correct_application(out["uuid"], changed)
    assert same["changed"] is False


def test_only_supervisor_corrects_others(station):
    coord = station.login("coord")
    out = coord.save_application(sample_record())
    station.station.keyslots  # noqa: B018
    tech = station.login("tech")
    tech.add_operator("coord2", "coordinator", "test-pass-1")
    coord2 = station.login("coord2")
    with pytest.raises(AuthError):
        coord2.correct_application(out["uuid"], sample_record())
    sup = station.login("super")
    assert sup.correct_application(out["uuid"], sample_record())["changed"] is False


def test_roles_enforced_in_core(station):
    tech = station.login("tech")
    with pytest.raises(AuthError):
        tech.search("张")
    with pytest.raises(AuthError):
        tech.save_application(sample_record())
    coord = station.login("coord")
    with pytest.raises(AuthError):
        coord.add_operator("x", "coordinator", "long-enough")
    with pytest.raises(AuthError):
        coord.config_set("retention.days", "30")
    with pytest.raises(AuthError):
        coord.verify_audit()


def test_unknown_reference(station):
    store = station.login("coord")
    with pytest.raises(NotFoundError):
        store.get_application("450103000099202601010001")


def test_database_not_ours_and_truncated(station, tmp_path):
    from station.store import Station

    db = station.data_dir / "station.db"
    original = db.read_bytes()
    db.write_bytes(original[: len(original) // 3])
    truncated = db.read_bytes()
    with pytest.raises(StorageError):
        store = station.station.login("coord", "test-pass-1")
        store.search("张")
        store.close()
    assert db.read_bytes() == truncated
    # a database that is not this station's: another station's file under our key slots
    other = Station(tmp_path / "other")
    other.init("450103000098", "tech", "test-pass-1")
    db.write_bytes((tmp_path / "other" / "station.db").read_bytes())
    foreign = db.read_bytes()
    with pytest.raises(StorageError):
        station.station.login("coord", "test-pass-1")
    assert db.read_bytes() == foreign
    db.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4096)
    with pytest.raises(StorageError):
        station.station.login("coord", "test-pass-1")


def test_audit_chain_detects_edit_delete_insert(station):
    from station import audit

    store = station.login("coord")
    for _ in range(3):
        store.save_application(sample_record())
    assert audit.verify(store.conn).ok
    n = audit.verify(store.conn).count
    conn = store.conn
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    original = conn.execute("SELECT operator FROM audit WHERE seq = 4").fetchone()[0]
    conn.execute("UPDATE audit SET operator = 'someone' WHERE seq = 4")
    res = audit.verify(conn)
    assert (res.ok, res.broken_seq, res.reason) == (False, 4, "edited")
    conn.execute("UPDATE audit SET operator = ? WHERE seq = 4", (original,))
    assert audit.verify(conn).ok
    row = conn.execute("SELECT * FROM audit WHERE seq = 6").fetchone()
    conn.execute("DELETE FROM audit WHERE seq = 6")
    res = audit.verify(conn)
    assert (res.ok, res.broken_seq) == (False, 6)
    conn.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    assert audit.verify(conn).ok
    forged = list(row)
    forged[0] = n + 1
    conn.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", forged)
    res = audit.verify(conn)
    assert (res.ok, res.broken_seq, res.reason) == (False, n + 1, "chain")
    conn.execute("DELETE FROM audit WHERE seq = ?", (n + 1,))
    conn.execute("DELETE FROM audit WHERE seq = ?", (n,))
    assert audit.verify(conn).reason in ("truncated", "edited")


def test_audit_is_append_only(station):
    import sqlcipher3

    store = station.login("coord")
    with pytest.raises(sqlcipher3.DatabaseError):
        store.conn.execute("DELETE FROM audit")
    with pytest.raises(sqlcipher3.DatabaseError):
        store.conn.execute("UPDATE audit SET action = 'x'")


def test_settings_validated_and_secret_masked(station):
    tech = station.login("tech")
    with pytest.raises(ValidationError):
        tech.config_set("permit.endorse_key", "xyz")
    with pytest.raises(ValidationError):
        tech.config_set("station.code", "123456789012")
    tech.config_set("permit.endorse_key", "00112233445566778899aabbccddeeff")
    assert tech.config_show("permit.endorse_key") == "*" * 32
    detail = tech.conn.execute(
        "SELECT detail FROM audit WHERE action = 'config.set' ORDER BY seq DESC LIMIT 1"
    ).fetchone()[0]
    assert "0011" not in detail


def test_worker_runs_operations_off_the_calling_thread(station):
    import threading

    from station.worker import DbWorker, Op

    store = station.login("coord")
    station._open.remove(store)
    worker = DbWorker(store)
    seen = {}
    done = threading.Event()

    def work(s):
        seen["thread"] = threading.current_thread().name
        return s.save_application(sample_record())

    Op(worker, work).success(lambda r: (seen.update(r), done.set())).run_in_background()
    assert done.wait(10)
    failed = threading.Event()
    Op(worker, lambda s: s.get_application("nope")).failure(
        lambda e: (seen.update(err=e), failed.set())
    ).run_in_background()
    assert failed.wait(10)
    assert isinstance(seen["err"], NotFoundError)
    assert seen["thread"] == "db-worker"
    worker.stop()
    assert not worker.alive


def test_possible_duplicates_by_id_or_name_and_birth_date(station):
    store = station.login("coord")
    rec = sample_record()
    first = store.save_application(rec)
    again = sample_record()
    dups = store.possible_duplicates(again)
    assert [(d["uuid"], d["match"]) for d in dups] == [(first["uuid"], "id_number")]
    typo = sample_record()
    typo["person"]["id_number"] = "11010519491231002X"  # another number, same name and birth
    dups = store.possible_duplicates(typo)
    assert [(d["uuid"], d["match"]) for d in dups] == [(first["uuid"], "name_birth_date")]
    other = sample_record()
    other["person"].update(name="测试乙")
    other["person"]["id_number"] = "11010519491231002X"
    assert store.possible_duplicates(other) == []
    assert store.possible_duplicates(rec, exclude=first["uuid"]) == []
