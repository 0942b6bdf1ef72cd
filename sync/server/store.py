"""The reference central service's storage: one SQLite file (or PostgreSQL for a district).

Every rule that must hold across worker processes lives in the database: unique
(station, batch id) for idempotency, unique application uuid for exactly-once, a monotonic
event sequence for the change feed, unique signatures for replay protection.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS stations (
    id TEXT PRIMARY KEY, code TEXT NOT NULL, public_key TEXT NOT NULL,
    enrolled_at TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS enrol_codes (
    code TEXT PRIMARY KEY, created_at TEXT NOT NULL, used_by TEXT);
CREATE TABLE IF NOT EXISTS applications (
    uuid TEXT PRIMARY KEY, station_id TEXT NOT NULL, content_hash TEXT NOT NULL,
    record TEXT NOT NULL, photo TEXT, state TEXT NOT NULL, captured_at TEXT,
    received_at TEXT NOT NULL, batch_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conflicts (
    uuid TEXT NOT NULL, station_id TEXT NOT NULL, content_hash TEXT NOT NULL,
    record TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS photos (sha256 TEXT PRIMARY KEY, jpeg {blob} NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    station_id TEXT NOT NULL, batch_id TEXT NOT NULL, body_sha256 TEXT NOT NULL,
    response TEXT NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (station_id, batch_id));
CREATE TABLE IF NOT EXISTS events (
    seq {serial}, station_id TEXT NOT NULL, uuid TEXT NOT NULL, type TEXT NOT NULL,
    at TEXT NOT NULL, detail TEXT);
CREATE INDEX IF NOT EXISTS events_station ON events (station_id, seq);
CREATE TABLE IF NOT EXISTS handovers (
    uuid TEXT PRIMARY KEY, station_id TEXT NOT NULL, at TEXT NOT NULL, operator TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signatures (sig TEXT PRIMARY KEY, at REAL NOT NULL);
"""

STATES = ("received", "rejected", "in_production", "card_produced", "ready_for_pickup", "collected")


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class CentralStore:
    """Connections per thread; ``with store.tx() as c:`` is one write transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = url.startswith(("postgresql://", "postgres://"))
        self._local = threading.local()
        with self.tx(lock=False) as c:
            serial = "BIGSERIAL PRIMARY KEY" if self.pg else "INTEGER PRIMARY KEY AUTOINCREMENT"
            blob = "BYTEA" if self.pg else "BLOB"
            for stmt in SCHEMA.format(serial=serial, blob=blob).split(";"):
                if stmt.strip():
                    c.execute(stmt)

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.pg:
                import psycopg

                conn = psycopg.connect(self.url, autocommit=True)
            else:
                conn = sqlite3.connect(
                    self.url, isolation_level=None, timeout=30, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA busy_timeout = 30000")
            self._local.conn = conn
        return conn

    def q(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.pg else sql

    @contextmanager
    def tx(self, lock: bool = True) -> Iterator[Cursor]:
        """One write transaction. Writers are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL:
        an exclusive lock on the events table), so feed sequence numbers become visible in
        order and a reader's cursor can never skip an event committed late."""
        conn = self._conn()
        cur = Cursor(self, conn)
        conn.execute("BEGIN" if self.pg else "BEGIN IMMEDIATE")
        if self.pg and lock:
            conn.execute("LOCK TABLE events IN EXCLUSIVE MODE")
        try:
            yield cur
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def read(self) -> Cursor:
        return Cursor(self, self._conn())

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- operations used by the CLI and the app -----------------------------------------------
    def new_enrol_code(self) -> str:
        code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
        with self.tx() as c:
            c.execute("INSERT INTO enrol_codes (code, created_at) VALUES (?, ?)", (code, now_iso()))
        return code

    def add_event(
        self, c: Cursor, station_id: str, uuid: str, kind: str, detail: dict[str, Any] | None = None
    ) -> None:
        c.execute(
            "INSERT INTO events (station_id, uuid, type, at, detail) VALUES (?, ?, ?, ?, ?)",
            (station_id, uuid, kind, now_iso(), json.dumps(detail) if detail else None),
        )

    def produce(
        self,
        uuid: str | None = None,
        reject: str | None = None,
        field: str | None = None,
        steps: int = 3,
    ) -> int:
        """Move received applications through production (or reject them)."""
        order = ["received", "in_production", "card_produced", "ready_for_pickup"]
        moved = 0
        with self.tx() as c:
            if uuid:
                rows = c.execute(
                    "SELECT uuid, station_id, state FROM applications WHERE uuid = ?", (uuid,)
                ).fetchall()
            else:
                rows = c.execute(
                    "SELECT uuid, station_id, state FROM applications WHERE state IN"
                    " ('received', 'in_production', 'card_produced')"
                    " ORDER BY received_at"
                ).fetchall()
            for u, station, state in rows:
                if reject:
                    if state in ("ready_for_pickup", "collected", "rejected"):
                        continue
                    c.execute("UPDATE applications SET state = 'rejected' WHERE uuid = ?", (u,))
                    self.add_event(
                        c, station, u, "rejected", {"code": reject, "field": field or ""}
                    )
                    moved += 1
                    continue
                if state not in order[:-1]:
                    continue
                i = order.index(state)
                for nxt in order[i + 1 : i + 1 + steps]:
                    self.add_event(c, station, u, nxt)
                    state = nxt
                c.execute("UPDATE applications SET state = ? WHERE uuid = ?", (state, u))
                moved += 1
        return moved

    def status(self) -> dict[str, Any]:
        c = self.read()
        out: dict[str, Any] = {
            "stations": c.execute("SELECT count(*) FROM stations").fetchone()[0],
            "applications": c.execute("SELECT count(*) FROM applications").fetchone()[0],
            "photos": c.execute("SELECT count(*) FROM photos").fetchone()[0],
            "events": c.execute("SELECT count(*) FROM events").fetchone()[0],
            "conflicts": c.execute("SELECT count(*) FROM conflicts").fetchone()[0],
        }
        by_state = dict(
            c.execute("SELECT state, count(*) FROM applications GROUP BY state").fetchall()
        )
        out["by_state"] = {s: by_state.get(s, 0) for s in STATES}
        return out

    def revoke(self, station_id: str) -> None:
        with self.tx() as c:
            c.execute("UPDATE stations SET revoked = 1 WHERE id = ?", (station_id,))


class Cursor:
    def __init__(self, store: CentralStore, conn: Any) -> None:
        self.store, self.conn = store, conn

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.execute(self.store.q(sql), params)
