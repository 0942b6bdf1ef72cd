"""One user action, one transaction: an intake and its photo-override flag, a chunk of an
import and its row hashes, a page of settings, a login and its audit entries land together or
not at all — proven by making the second write fail (the database refuses it through a
temporary trigger) and by kill -9 of a real importing process."""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from station import audit
from station.errors import AuthError, ValidationError
from station.importer import TEMPLATE
from station.samples import sample_record, synthetic_record
from tests.conftest import PASSWORD, run_cli


def count(store, table="applications"):
    return store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def refuse(store, table, when="1"):
    """The database refuses the next inserts into ``table`` (a trigger of this connection)."""
    store.conn.execute(
        f"CREATE TEMP TRIGGER refuse_{table} BEFORE INSERT ON {table} WHEN {when}"
        " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )


def accept(store, table):
    store.conn.execute(f"DROP TRIGGER temp.refuse_{table}")


def jpeg(seed: int) -> bytes:
    """A real camera-sized JPEG (photos are checked as JPEGs when they are stored)."""
    import cv2

    from tests import media

    ok, data = cv2.imencode(".jpg", media.add_noise(media.good(), seed=seed))
    assert ok
    return bytes(data)


# -- the intake and its photo-override flag ------------------------------------------------------
def test_refused_override_flag_stores_no_application_and_the_retry_stores_one(station):
    coord = station.login("coord")
    before = (count(coord), count(coord, "audit"), count(coord, "outbox"))
    refuse(coord, "photo_overrides")
    with pytest.raises(Exception, match="refused by the test"):
        coord.save_application(sample_record(), jpeg(1), photo_override=["face_small"])
    assert (count(coord), count(coord, "audit"), count(coord, "outbox")) == before
    assert count(coord, "photos") == 0
    accept(coord, "photo_overrides")
    saved = coord.save_application(sample_record(), jpeg(1), photo_override=["face_small"])
    assert count(coord) == 1 and count(coord, "photo_overrides") == 1
    assert int(saved["number"][-4:]) == 1  # the refused save used up no number
    reasons = coord.conn.execute("SELECT reasons FROM photo_overrides").fetchone()[0]
    assert "face_small" in reasons
    assert audit.verify(coord.conn).ok


def test_refused_override_flag_keeps_the_old_version_of_a_correction(station):
    coord = station.login("coord")
    saved = coord.save_application(sample_record())
    changed = sample_record()
    changed["residence"]["address"] = "友爱路2号"
    refuse(coord, "photo_overrides")
    with pytest.raises(Exception, match="refused by the test"):
        coord.correct_application(saved["uuid"], changed, jpeg(2), photo_override=["dark"])
    rec = coord.get_application(saved["uuid"], audit_view=False)
    assert rec["version"] == 1 and rec["residence"]["address"] != "友爱路2号"
    assert count(coord, "application_versions") == 0
    accept(coord, "photo_overrides")
    again = coord.correct_application(saved["uuid"], changed, jpeg(2), photo_override=["dark"])
    assert again["version"] == 2 and count(coord, "photo_overrides") == 1


def test_intake_whose_flag_is_refused_saves_exactly_one_application_on_retry(qapp, qtbot, station):
    """The desktop path: Save fails as a whole, the button comes back, Ctrl+S again creates
    one application (it used to commit the record, fail on the flag, and create a second)."""
    from station.photo import capture
    from tests import media
    from ui.adapter import StationBridge
    from ui.app import make_app
    from ui.intake import IntakeDialog

    make_app()
    store = station.station.login("coord", PASSWORD)
    bridge = StationBridge(store)
    try:
        dlg = IntakeDialog(bridge, store.settings_map())
        qtbot.addWidget(dlg)
        dlg.load_record(sample_record())
        shot = capture(media.darkened())
        assert shot.override
        dlg._photo_taken(shot, dlg)
        bridge.worker.run_sync(lambda s: refuse(s, "photo_overrides"))
        dlg.save()
        qtbot.waitUntil(lambda: dlg.save_button.isEnabled(), timeout=15_000)
        assert dlg.saved is None
        assert bridge.worker.run_sync(count) == 0
        bridge.worker.run_sync(lambda s: accept(s, "photo_overrides"))
        dlg.save()
        qtbot.waitUntil(lambda: dlg.saved is not None, timeout=15_000)
        assert bridge.worker.run_sync(count) == 1
        assert bridge.worker.run_sync(lambda s: count(s, "photo_overrides")) == 1
        dlg.save()  # a saved intake is not saved again
        assert bridge.worker.run_sync(count) == 1
    finally:
        bridge.stop()


# -- settings, endorsements, login ---------------------------------------------------------------
def test_a_page_of_settings_is_saved_whole_or_not_at_all(station):
    tech = station.login("tech")
    with pytest.raises(ValidationError):
        tech.config_set_many({"station.name": "示例站", "ui.idle_lock_minutes": "9999"})
    assert tech.config_get("station.name") != "示例站"
    refuse(tech, "audit", "NEW.action = 'config.set' AND NEW.detail LIKE '%camera.driver%'")
    with pytest.raises(Exception, match="refused by the test"):
        tech.config_set_many({"station.name": "示例站", "camera.driver": "sim"})
    assert tech.config_get("station.name") != "示例站"
    accept(tech, "audit")
    tech.config_set_many({"station.name": "示例站", "camera.driver": "sim"})
    assert tech.config_get("station.name") == "示例站" and tech.config_get("camera.driver") == "sim"


def test_recording_an_endorsement_is_one_transaction(station):
    coord = station.login("coord")
    card = {"person": {"id_number": "360426199101010071"}, "permit": {"number": "P-1"}}
    refuse(coord, "audit", "NEW.action = 'card.endorse'")
    with pytest.raises(Exception, match="refused by the test"):
        coord.record_endorsement(card, 2026, dt.date(2026, 5, 1))
    assert count(coord, "endorsements") == 0  # no 'writing' row left behind
    accept(coord, "audit")
    coord.record_endorsement(card, 2026, dt.date(2026, 5, 1))
    assert coord.endorsements_of("360426199101010071")[0]["year"] == 2026


def test_a_login_refused_as_disabled_is_audited_and_pending_failures_survive(station):
    tech = station.login("tech")
    with pytest.raises(AuthError):
        station.station.login("coord", "wrong-password-1")  # recorded in the key file
    # the database says disabled while the key file still has the slot (a restored key file)
    with tech.transaction():
        tech.conn.execute("UPDATE operators SET active = 0 WHERE name = 'coord'")
    with pytest.raises(AuthError) as exc:
        station.station.login("coord", PASSWORD)
    assert exc.value.code == "operator_disabled"
    rows = tech.conn.execute(
        "SELECT operator, action, detail FROM audit WHERE action LIKE 'login%' ORDER BY seq"
    ).fetchall()
    assert ("coord", "login.failed", '{"reason": "bad_password", "via": "queue"}') in rows
    assert ("coord", "login.failed", '{"reason": "disabled"}') in rows
    # an audit log that cannot be written: the login fails and its failures go back to the
    # key file, to be recorded by the next login
    with pytest.raises(AuthError):
        station.station.login("super", "wrong-password-1")
    tech.conn.execute(
        "CREATE TRIGGER refuse_login BEFORE INSERT ON audit WHEN NEW.action = 'login'"
        " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    with pytest.raises(Exception, match="refused by the test"):
        station.station.login("super", PASSWORD)
    assert len(station.station.keyslots.load()["pending_audit"]) == 1
    tech.conn.execute("DROP TRIGGER refuse_login")
    sup = station.login("super")
    assert not station.station.keyslots.load()["pending_audit"]
    failed = sup.conn.execute(
        "SELECT count(*) FROM audit WHERE operator = 'super' AND action = 'login.failed'"
    ).fetchone()[0]
    assert failed == 1
    assert audit.verify(sup.conn).ok


def test_init_whose_key_file_cannot_be_written_leaves_an_empty_folder(tmp_path, monkeypatch):
    import errno

    from station.keys import KeySlots
    from station.store import Station

    def disk_full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    folder = tmp_path / "data"
    with monkeypatch.context() as m:
        m.setattr(KeySlots, "create", disk_full)
        with pytest.raises(OSError):
            Station(folder).init("450103000099", "tech", PASSWORD)
    assert list(folder.iterdir()) == []  # no database without its key file
    Station(folder).init("450103000099", "tech", PASSWORD)  # so init can run again
    Station(folder).login("tech", PASSWORD).close()


# -- the import ----------------------------------------------------------------------------------
def flat_rows(n: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        rec = synthetic_record(rng, dt.date.today())
        row = []
        for path, _zh in TEMPLATE:
            cur = rec
            for part in path.split("."):
                cur = cur.get(part) if isinstance(cur, dict) else None
            if path == "services":
                cur = ",".join(rec["services"])
            row.append("" if cur is None else str(cur))
        out.append(row)
    return out


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([zh for _p, zh in TEMPLATE])
        writer.writerows(rows)
    return path


def test_a_chunk_and_its_row_hashes_are_saved_together(station, tmp_path, monkeypatch):
    from station import importer

    monkeypatch.setattr(importer, "CHUNK", 10)
    path = write_csv(tmp_path / "drive.csv", flat_rows(30, seed=5))
    coord = station.login("coord")
    refuse(coord, "imported_rows", "(SELECT count(*) FROM imported_rows) >= 10")
    with pytest.raises(Exception, match="refused by the test"):
        importer.import_file(coord, path)
    assert count(coord) == 10 and count(coord, "imported_rows") == 10  # the first chunk only
    accept(coord, "imported_rows")
    result = importer.import_file(coord, path)
    assert (result.saved, result.skipped) == (20, 10)
    assert count(coord) == 30 and count(coord, "imported_rows") == 30


def test_a_row_twice_in_one_chunk_is_saved_once(station, tmp_path):
    from station.importer import import_file

    rows = flat_rows(3, seed=6)
    path = write_csv(tmp_path / "twice.csv", [*rows, rows[1]])
    result = import_file(station.login("coord"), path)
    assert (result.saved, result.skipped) == (3, 1)


CHILD = r"""
import sys
from pathlib import Path
from station import importer
from station.store import Station
importer.CHUNK = int(sys.argv[4])
store = Station(sys.argv[1]).login("coord", sys.argv[2])
print("ready", flush=True)
importer.import_file(store, Path(sys.argv[3]))
print("done", flush=True)
"""


def test_kill_9_while_importing_then_importing_again_saves_each_row_once(station, tmp_path):
    """Issue 15: a kill between the records' commit and the row hashes' commit gave 2,500
    applications from a 2,000-row file. Small chunks put many commits in each run; after
    every kill the records and their row hashes match, and importing the file again (the
    real CLI) ends with exactly one application per row."""
    n = 2_000
    path = write_csv(tmp_path / "drive.csv", flat_rows(n, seed=15))
    rng = random.Random(15)
    coord = station.login("super")
    kills = 0
    for _attempt in range(8):
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(station.data_dir), PASSWORD, str(path), "7"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 1.0))
        os.kill(proc.pid, signal.SIGKILL)
        out, _err = proc.communicate()
        kills += "done" not in out
        stored, hashed = count(coord), count(coord, "imported_rows")
        assert stored == hashed, f"{stored} applications but {hashed} imported rows"
    assert kills >= 4  # most runs were really cut short
    out = run_cli("--json", "import", str(path), env=station.env())
    assert out.returncode == 0, out.stderr
    assert count(coord) == n and count(coord, "imported_rows") == n
    ids = [r[0] for r in coord.conn.execute("SELECT id_number FROM applications")]
    assert len(set(ids)) == n
    assert coord.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert audit.verify(coord.conn).ok
