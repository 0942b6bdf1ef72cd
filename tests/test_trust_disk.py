"""Logins that cannot be recorded, a login killed mid-attempt, and a damaged database page
(issue 15): the lockout holds, and each ends in a clear message, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys

import pytest

from station.errors import AuthError
from tests.conftest import PASSWORD, StationFixture, run_cli
from tests.trust_tools import load_slots


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def fill(folder):
    """Fill the file system until it refuses another byte."""
    with (folder / "filler").open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass


def login(station, password):
    env = dict(station.env("coord"), STATION_PASSWORD=password)
    return run_cli("--json", "app", "search", "x", env=env)


def test_a_login_that_cannot_be_recorded_is_refused_and_the_lockout_holds(small_disk):
    station = StationFixture(small_disk / "data")
    try:
        fill(small_disk)
        before = (station.data_dir / "keyslots.json").read_bytes()
        for password in ["wrong-pass-1"] * 8 + [PASSWORD]:  # no free guesses on a full disk
            out = login(station, password)
            assert out.returncode == 1, out.stderr
            err = json.loads(out.stdout)["error"]
            assert err["code"] == "login_unrecorded"
            assert "disk" in err["message"] and "Traceback" not in out.stderr
        assert (station.data_dir / "keyslots.json").read_bytes() == before
        (small_disk / "filler").unlink()
        codes = [
            json.loads(login(station, "wrong-pass-1").stdout)["error"]["code"] for _ in range(5)
        ]
        assert codes == ["bad_credentials"] * 4 + ["locked_out"]
        assert json.loads(login(station, PASSWORD).stdout)["error"]["code"] == "locked_out"
    finally:
        station.close()


CHILD = r"""
import sys, time
from station import keys
real = keys.derive
def slow(secret, kdf):
    print("trying", flush=True)
    time.sleep(60)
    return real(secret, kdf)
keys.derive = slow
from station.store import Station
Station(sys.argv[1]).login("coord", "wrong-pass-1")
"""


def test_a_login_killed_while_the_password_is_tried_still_counts(station):
    for n in range(1, 6):
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(station.data_dir)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout.readline().strip() == "trying"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        slot = next(s for s in load_slots(station.data_dir)["slots"] if s["name"] == "coord")
        assert slot["failures"] == n  # on record before the password was tried
    with pytest.raises(AuthError) as exc:  # five attempts, none finished: locked all the same
        station.station.login("coord", PASSWORD)
    assert exc.value.code == "locked_out"


def flip(path, page, size=4096):
    with path.open("r+b") as fh:
        fh.seek(page * size + 100)
        data = fh.read(32)
        fh.seek(page * size + 100)
        fh.write(bytes(b ^ 0xFF for b in data))


def test_a_flipped_database_page_gives_the_doctors_message(station):
    import random

    from station.samples import synthetic_record

    coord = station.login("coord")
    rng = random.Random(5)
    coord.save_many([synthetic_record(rng, dt.date.today()) for _ in range(300)])
    root = coord.conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'operators'"
    ).fetchone()[0]
    pages = coord.conn.execute("PRAGMA page_count").fetchone()[0]
    station.close()
    db = station.data_dir / "station.db"
    for page in (root - 1, pages // 2, pages - 3):  # the operators' page: login reads it
        flip(db, page)
    runs = [
        ("coord", ("app", "search", "测试")),
        ("coord", ("app", "list")),
        ("tech", ("audit", "verify")),
        ("tech", ("doctor",)),
    ]
    for user, argv in runs:
        out = run_cli("--json", *argv, env=station.env(user))
        assert "Traceback" not in out.stderr, (argv, out.stderr)
        assert out.returncode == 1, (argv, out.stdout)
        text = out.stdout + out.stderr
        assert "damaged" in text or "integrity check failed" in text, (argv, text)


@pytest.mark.slow
def test_bench_login_time(station, capsys):
    """Login time with the trust checks (the attempt recorded before the password is tried,
    the certificate verified, the vault opened for a technician) against one bare scrypt
    derivation, which dominates. Printed for the report; run with --run-slow."""
    import statistics
    import time

    from station import keys

    def median(run, n=9):
        times = []
        for _ in range(n):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    kdf = keys.new_kdf()
    scrypt = median(lambda: keys.derive(PASSWORD, kdf))
    figures = {"scrypt_s": round(scrypt, 3)}
    for name in ("coord", "tech"):
        figures[f"{name}_login_s"] = round(
            median(lambda name=name: station.station.login(name, PASSWORD).close()), 3
        )
    with capsys.disabled():
        print("\nlogin benchmark:", json.dumps(figures))
    assert figures["coord_login_s"] < 2 * scrypt and figures["tech_login_s"] < 2 * scrypt
