"""The reference service as a district would run it: several worker processes on one database
(idempotency and feed order hold), and PostgreSQL where a server can be started."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
import requests

from sync.client import SyncClient
from sync.server.store import CentralStore
from tests.conftest import StationFixture
from tests.sync.conftest import free_port
from tests.sync.test_sync import enrolled, fill, no_sleep

pytestmark = pytest.mark.integration  # uvicorn worker processes, PostgreSQL


def start_server(db: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync.server",
            "--db",
            db,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/v1/config", timeout=1)
            return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the service did not start")


class Remote:
    def __init__(self, db: str, url: str) -> None:
        self.db, self.url = db, url
        self.store = CentralStore(db)

    def enrol_code(self) -> str:
        return self.store.new_enrol_code()


def test_two_workers_two_stations_concurrently(tmp_path):
    db = str(tmp_path / "central.db")
    CentralStore(db)
    proc, url = start_server(db, workers=2)
    stations = [StationFixture(tmp_path / f"s{i}", code=f"45010300009{i}") for i in range(2)]
    try:
        remote = Remote(db, url)
        stores = [enrolled(st, remote) for st in stations]
        for i, store in enumerate(stores):
            fill(store, 20, seed=i + 1)
        clones = [store.clone() for store in stores]
        errors = []

        def go(store):
            try:
                SyncClient(store).run(sleep=no_sleep)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=go, args=(s,)) for s in clones]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        remote.store.produce()
        for store in clones:
            SyncClient(store).sync_once()
        assert remote.store.status()["applications"] == 40
        seqs = [r[0] for r in remote.store.read().execute("SELECT seq FROM events ORDER BY seq")]
        assert seqs == sorted(set(seqs))
        for store in clones:
            cursor = int(
                store.conn.execute("SELECT value FROM sync_state WHERE key = 'cursor'").fetchone()[
                    0
                ]
            )
            assert cursor > 0
            store.close()
    finally:
        proc.terminate()
        proc.wait(10)
        for st in stations:
            st.close()


def _pg_bindir() -> str | None:
    import glob

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


@pytest.mark.skipif(_pg_bindir() is None, reason="no PostgreSQL server binaries here")
def test_service_on_postgresql(tmp_path):
    """The same service on PostgreSQL: enrol, upload, feed — where a server can be started."""
    psycopg = pytest.importorskip("psycopg")
    import pwd

    bindir = _pg_bindir()
    assert bindir is not None
    import tempfile
    from pathlib import Path

    prefix: list[str] = []
    holder = Path(tempfile.mkdtemp(prefix="station-pg-"))  # outside pytest's 0700 folders
    data = holder / "pg"
    data.mkdir()
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        user = pwd.getpwnam("postgres")
        os.chmod(holder, 0o755)
        os.chown(data, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*prefix, os.path.join(bindir, "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"],
        check=True,
        capture_output=True,
    )
    port = free_port()
    pg = subprocess.Popen(
        [
            *prefix,
            os.path.join(bindir, "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(data),
            "-h",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    station = StationFixture(tmp_path / "station")
    server = None
    try:
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        for _ in range(100):
            try:
                psycopg.connect(url).close()
                break
            except psycopg.OperationalError:
                time.sleep(0.2)
        server, http = start_server(url, workers=2)
        remote = Remote(url, http)
        coord = enrolled(station, remote)
        fill(coord, 10)
        SyncClient(coord).run(sleep=no_sleep)
        remote.store.produce()
        assert SyncClient(coord).sync_once()["events"] == 30  # three production steps each
        status = remote.store.status()
        assert status["applications"] == 10 and status["photos"] == 10
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        station.close()
        pg.terminate()
        pg.wait(10)
        shutil.rmtree(holder, ignore_errors=True)
