"""Backup and restore: consistent, encrypted, all-or-nothing."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import tarfile
import time

import pytest

from station.backup import create_backup, restore_backup, rotate
from station.errors import AuthError, StorageError, UsageError
from station.samples import synthetic_record
from station.store import Station
from tests.conftest import PASSWORD, run_cli


def fill(store, n, seed=1):
    rng = random.Random(seed)
    return [store.save_application(synthetic_record(rng, dt.date.today())) for _ in range(n)]


def test_restore_compares_every_record(station, tmp_path):
    coord = station.login("coord")
    saved = fill(coord, 25)
    tech = station.login("tech")
    out = create_backup(tech, tmp_path / "b.stbk")
    assert out["counts"]["applications"] == 25
    restore_backup(tmp_path / "b.stbk", tmp_path / "new", station.recovery_code)
    restored = Station(tmp_path / "new").login("coord", PASSWORD)
    try:
        for s in saved:
            assert restored.get_application(s["uuid"], audit_view=False) == coord.get_application(
                s["uuid"], audit_view=False
            )
    finally:
        restored.close()
    sup = Station(tmp_path / "new").login("super", PASSWORD)
    assert sup.verify_audit().ok
    sup.close()


def test_backup_holds_no_clear_personal_data(station, tmp_path):
    coord = station.login("coord")
    rng = random.Random(3)
    rec = synthetic_record(rng, dt.date.today())
    coord.save_application(rec)
    create_backup(station.login("tech"), tmp_path / "b.stbk")
    data = (tmp_path / "b.stbk").read_bytes()
    assert rec["person"]["id_number"].encode() not in data
    assert rec["person"]["name"].encode() not in data


def test_wrong_recovery_code_changes_nothing(station, tmp_path):
    create_backup(station.login("tech"), tmp_path / "b.stbk")
    target = tmp_path / "new"
    with pytest.raises(AuthError):
        restore_backup(tmp_path / "b.stbk", target, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")
    assert not target.exists() or list(target.iterdir()) == []


def test_damaged_backup_and_non_empty_folder(station, tmp_path):
    create_backup(station.login("tech"), tmp_path / "b.stbk")
    with pytest.raises(UsageError):
        restore_backup(tmp_path / "b.stbk", station.data_dir, station.recovery_code)
    raw = bytearray((tmp_path / "b.stbk").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (tmp_path / "bad.stbk").write_bytes(bytes(raw))
    with pytest.raises(StorageError):
        restore_backup(tmp_path / "bad.stbk", tmp_path / "x", station.recovery_code)
    assert list((tmp_path / "x").iterdir()) == []
    (tmp_path / "junk.stbk").write_bytes(b"not a tar at all")
    with pytest.raises(StorageError):
        restore_backup(tmp_path / "junk.stbk", tmp_path / "y", station.recovery_code)


def test_backup_while_a_save_loop_runs_is_consistent(station, tmp_path):
    child = (
        "import datetime, random, sys\n"
        "from station.store import Station\n"
        "from station.samples import synthetic_record\n"
        "s = Station(sys.argv[1]).login('coord', sys.argv[2])\n"
        "rng = random.Random(5)\n"
        "print('ready', flush=True)\n"
        "while True:\n"
        "    s.save_application(synthetic_record(rng, datetime.date.today()))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", child, str(station.data_dir), PASSWORD],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        tech = station.login("tech")
        create_backup(tech, tmp_path / "b.stbk")
    finally:
        proc.kill()
        proc.wait()
    restore_backup(tmp_path / "b.stbk", tmp_path / "new", station.recovery_code)
    s = Station(tmp_path / "new").login("super", PASSWORD)
    try:
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n = s.conn.execute("SELECT count(*) FROM applications").fetchone()[0]
        fts = s.conn.execute("SELECT count(*) FROM applications_fts").fetchone()[0]
        creates = s.conn.execute(
            "SELECT count(*) FROM audit WHERE action = 'app.create'"
        ).fetchone()[0]
        assert n == fts == creates
        assert s.verify_audit().ok
    finally:
        s.close()


def test_rotation_keeps_newest(station, tmp_path):
    tech = station.login("tech")
    folder = tmp_path / "usb"
    folder.mkdir()
    for i in range(4):
        (folder / f"station-{tech.station_code}-2026010{i}-000000.stbk").write_bytes(b"x")
    removed = rotate(folder, tech.station_code, 2)
    assert len(removed) == 2
    assert sorted(p.name for p in folder.iterdir())[-1].startswith(
        f"station-{tech.station_code}-20260103"
    )


def test_cli_backup_and_restore(station, tmp_path):
    out = run_cli("--json", "backup", "--out", str(tmp_path / "b.stbk"), env=station.env("tech"))
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["station_code"] == "450103000099"
    with tarfile.open(tmp_path / "b.stbk") as tar:
        assert sorted(tar.getnames()) == ["keyslots.json", "manifest.json", "station.db"]
    assert (
        run_cli("backup", "--out", str(tmp_path / "c.stbk"), env=station.env("coord")).returncode
        == 3
    )
    env = dict(
        station.env(), STATION_DATA_DIR=str(tmp_path / "restored"), STATION_RECOVERY_CODE="wrong"
    )
    assert run_cli("restore", str(tmp_path / "b.stbk"), env=env).returncode == 3
    env["STATION_RECOVERY_CODE"] = station.recovery_code
    res = run_cli("restore", str(tmp_path / "b.stbk"), env=env)
    assert res.returncode == 0, res.stderr


def test_scheduled_backup_once_a_day(station, tmp_path):
    import datetime as dt

    from station.backup import scheduled_backup

    coord = station.login("coord")
    assert scheduled_backup(coord) is None  # no folder configured
    tech = station.login("tech")
    tech.config_set("backup.folder", str(tmp_path / "usb"))
    with pytest.raises(StorageError):
        scheduled_backup(coord)  # the stick is not plugged in
    (tmp_path / "usb").mkdir()
    first = scheduled_backup(coord)
    assert first is not None and coord.role == "coordinator"
    assert scheduled_backup(coord) is None  # done today
    later = dt.datetime.now().astimezone() + dt.timedelta(days=1, minutes=1)
    assert scheduled_backup(coord, now=later) is not None
    assert len(list((tmp_path / "usb").glob("*.stbk"))) >= 1
