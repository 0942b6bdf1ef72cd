"""Numbered migrations: each in one transaction, and every earlier version upgrades."""

from __future__ import annotations

import os

import pytest

from station import db


def test_migrations_are_numbered_without_gaps():
    numbers = [n for n, _name, _sql in db.migrations()]
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("start", range(0, db.latest_version()))
def test_upgrade_from_every_earlier_version(tmp_path, start):
    key = os.urandom(32)
    path = tmp_path / "s.db"
    conn = db.connect(path, key, create=True)
    db.migrate(conn, target=start)
    if start >= 1:
        conn.execute("INSERT INTO meta (key, value) VALUES ('station_code', '450103000001')")
    assert db.migrate(conn) == db.latest_version()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.latest_version()
    if start >= 1:
        assert conn.execute("SELECT value FROM meta WHERE key = 'station_code'").fetchone()
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_failed_migration_rolls_back(tmp_path, monkeypatch):
    key = os.urandom(32)
    conn = db.connect(tmp_path / "s.db", key, create=True)
    real = db.migrations()
    broken = [
        *real,
        (
            len(real) + 1,
            f"{len(real) + 1:04d}_broken.sql",
            "CREATE TABLE ok_table (x);\nTHIS IS NOT SQL;",
        ),
    ]
    monkeypatch.setattr(db, "migrations", lambda: broken)
    with pytest.raises(Exception):  # noqa: B017 - any SQL error
        db.migrate(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(real)
    assert (
        conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ok_table'").fetchone()[0]
        == 0
    )


def test_newer_database_is_refused(tmp_path):
    from station.errors import StorageError

    key = os.urandom(32)
    conn = db.connect(tmp_path / "s.db", key, create=True)
    db.migrate(conn)
    conn.execute(f"PRAGMA user_version = {db.latest_version() + 5}")
    with pytest.raises(StorageError):
        db.migrate(conn)
