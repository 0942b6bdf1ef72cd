"""The reference central service's storage: one SQLite file (or PostgreSQL for a district).

Every rule that must hold across worker processes lives in the database: unique
(station, batch id) for idempotency, unique application uuid for exactly-once, a monotonic
event sequence for the change feed, unique signatures for replay protection.

All SQL of the service is here, behind named methods: ``CentralStore`` for whole operations
(enrolment, production, status) and ``Tx`` for the steps a request handler takes inside one
transaction (``with store.tx() as tx: tx.find_batch(…)``).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sync.server.trust import NUMBER, TRUST_SCHEMA, TrustStore, now_iso

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
CREATE TABLE IF NOT EXISTS code_tables (
    city TEXT PRIMARY KEY, version TEXT NOT NULL, document TEXT NOT NULL, sha256 TEXT NOT NULL,
    published_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS service_keys (
    name TEXT PRIMARY KEY, private_key TEXT NOT NULL, created_at TEXT NOT NULL);
"""

# A station's own resources are those of every key its station code was enrolled with (a
# restored PC enrolled anew sees what its predecessor sent; the predecessor is retired).
SAME_STATION = (
    "station_id IN (SELECT id FROM stations WHERE code = (SELECT code FROM stations WHERE id = ?))"
)

STATES = ("received", "rejected", "in_production", "card_produced", "ready_for_pickup", "collected")
PRODUCTION = ("received", "in_production", "card_produced", "ready_for_pickup")


@dataclass(frozen=True)
class StationKey:
    """What authentication needs to know about an enrolled station."""

    public_key: str
    revoked: bool
    code: str = ""


@dataclass(frozen=True)
class StoredBatch:
    body_sha256: str
    response: dict[str, Any]


class CentralStore(TrustStore):
    """Connections per thread; ``with store.tx() as tx:`` is one write transaction. The trust
    operations (enrolment, chain heads, revoked keys, numbers) are ``TrustStore``'s."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = url.startswith(("postgresql://", "postgres://"))
        self._local = threading.local()
        with self.tx(lock=False) as tx:
            serial = "BIGSERIAL PRIMARY KEY" if self.pg else "INTEGER PRIMARY KEY AUTOINCREMENT"
            blob = "BYTEA" if self.pg else "BLOB"
            for stmt in (SCHEMA.format(serial=serial, blob=blob) + TRUST_SCHEMA).split(";"):
                if stmt.strip():
                    tx.execute(stmt)

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
    def tx(self, lock: bool = True) -> Iterator[Tx]:
        """One write transaction. Writers are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL:
        an exclusive lock on the events table), so feed sequence numbers become visible in
        order and a reader's cursor can never skip an event committed late."""
        conn = self._conn()
        cur = Tx(self, conn)
        conn.execute("BEGIN" if self.pg else "BEGIN IMMEDIATE")
        if self.pg and lock:
            conn.execute("LOCK TABLE events IN EXCLUSIVE MODE")
        try:
            yield cur
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def read(self) -> Tx:
        """Reads outside a write transaction (each statement sees committed data)."""
        return Tx(self, self._conn())

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- stations ----------------------------------------------------------------------------
    def new_enrol_code(self) -> str:
        code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
        with self.tx() as tx:
            tx.execute(
                "INSERT INTO enrol_codes (code, created_at) VALUES (?, ?)", (code, now_iso())
            )
        return code

    def station_key(self, station_id: str) -> StationKey | None:
        row = (
            self.read()
            .execute("SELECT public_key, revoked, code FROM stations WHERE id = ?", (station_id,))
            .fetchone()
        )
        return None if row is None else StationKey(str(row[0]), bool(row[1]), str(row[2]))

    def use_signature(self, sig: str, now: float, keep: float) -> bool:
        """Record a signature as used; False when it already was (a replay). Signatures older
        than ``keep`` seconds are forgotten (their Date is refused anyway)."""
        with self.tx(lock=False) as tx:  # the unique key decides; no need to hold the feed
            tx.execute("DELETE FROM signatures WHERE at < ?", (now - keep,))
            cur = tx.execute(
                "INSERT INTO signatures (sig, at) VALUES (?, ?) ON CONFLICT DO NOTHING", (sig, now)
            )
            return bool(cur.rowcount == 1)

    def station_code(self, station_id: str) -> str | None:
        """The 12-digit code an enrolled station gave (its first 4 digits are its city)."""
        row = (
            self.read().execute("SELECT code FROM stations WHERE id = ?", (station_id,)).fetchone()
        )
        return None if row is None else str(row[0])

    # -- code tables (the cities' streets and communities) --------------------------------------
    def publish_code_tables(
        self, city: str, version: str, document: str, sha256: str, newer: Any
    ) -> str | None:
        """Publish ``document`` as ``city``'s table, unless ``newer(version, current)`` says it
        is not newer than the one published: then the current version is returned."""
        with self.tx() as tx:
            row = tx.execute("SELECT version FROM code_tables WHERE city = ?", (city,)).fetchone()
            if row is not None and not newer(version, str(row[0])):
                return str(row[0])
            tx.execute("DELETE FROM code_tables WHERE city = ?", (city,))
            tx.execute(
                "INSERT INTO code_tables (city, version, document, sha256, published_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (city, version, document, sha256, now_iso()),
            )
        return None

    def code_tables(self, city: str) -> tuple[str, str, str] | None:
        """(version, document, sha256) of the table published for ``city``."""
        row = (
            self.read()
            .execute("SELECT version, document, sha256 FROM code_tables WHERE city = ?", (city,))
            .fetchone()
        )
        return None if row is None else (str(row[0]), str(row[1]), str(row[2]))

    def code_tables_versions(self) -> dict[str, str]:
        rows = self.read().execute("SELECT city, version FROM code_tables").fetchall()
        return {str(r[0]): str(r[1]) for r in rows}

    # -- the service's own keys ----------------------------------------------------------------
    def service_key(self, name: str, make: Any) -> str:
        """The service's key ``name`` (hex of the raw private key), made by ``make()`` the
        first time; concurrent workers agree on the first one stored."""
        row = (
            self.read()
            .execute("SELECT private_key FROM service_keys WHERE name = ?", (name,))
            .fetchone()
        )
        if row is not None:
            return str(row[0])
        with self.tx(lock=False) as tx:
            tx.execute(
                "INSERT INTO service_keys (name, private_key, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (name, make(), now_iso()),
            )
            row = tx.execute(
                "SELECT private_key FROM service_keys WHERE name = ?", (name,)
            ).fetchone()
        return str(row[0])

    def revoke(self, station_id: str) -> None:
        with self.tx() as tx:
            tx.execute("UPDATE stations SET revoked = 1 WHERE id = ?", (station_id,))

    # -- reads for the station's own resources ------------------------------------------------
    def batch_response(self, station_id: str, batch_id: str) -> dict[str, Any] | None:
        """A batch's stored result, sent (or imported) under any key of this station code: a
        station enrolled anew since it exported still finds the answer."""
        row = (
            self.read()
            .execute(
                "SELECT response FROM batches WHERE batch_id = ? AND " + SAME_STATION,
                (batch_id, station_id),
            )
            .fetchone()
        )
        return None if row is None else dict(json.loads(row[0]))

    def lookup(self, station_id: str, uuids: list[str]) -> list[dict[str, Any]]:
        """States of this station's applications; another station's uuid reads as unknown."""
        c = self.read()
        out = []
        for u in uuids:
            row = c.execute(
                "SELECT state, content_hash FROM applications WHERE uuid = ? AND " + SAME_STATION,
                (u, station_id),
            ).fetchone()
            out.append(
                {
                    "uuid": u,
                    "state": row[0] if row else "unknown",
                    "content_hash": row[1] if row else None,
                }
            )
        return out

    def changes(self, station_id: str, since: int, limit: int) -> list[dict[str, Any]]:
        rows = (
            self.read()
            .execute(
                "SELECT seq, uuid, type, at, detail FROM events WHERE "
                + SAME_STATION
                + " AND seq > ?"
                " ORDER BY seq LIMIT ?",
                (station_id, since, limit),
            )
            .fetchall()
        )
        return [
            {
                "seq": r[0],
                "uuid": r[1],
                "type": r[2],
                "at": r[3],
                "detail": json.loads(r[4]) if r[4] else None,
            }
            for r in rows
        ]

    def hand_over(self, station_id: str, uuid: str, at: str, operator: str) -> str:
        """``"recorded"``, ``"already"`` (collected before), ``"unknown"`` (no such
        application of this station) or ``"not_ready"``."""
        with self.tx() as tx:
            state = tx.application_state(station_id, uuid)
            if state is None:
                return "unknown"
            if state == "collected":
                return "already"
            if state != "ready_for_pickup":
                return "not_ready"
            tx.execute(
                "INSERT INTO handovers (uuid, station_id, at, operator) VALUES (?, ?, ?, ?)",
                (uuid, station_id, at, operator),
            )
            tx.set_state(uuid, "collected")
            tx.add_event(station_id, uuid, "collected", {"at": at})
        return "recorded"

    # -- operations used by the CLI -----------------------------------------------------------
    def produce(
        self,
        uuid: str | None = None,
        reject: str | None = None,
        field: str | None = None,
        steps: int = 3,
    ) -> int:
        """Move received applications through production (or reject them)."""
        moved = 0
        with self.tx() as tx:
            if uuid:
                rows = tx.execute(
                    "SELECT uuid, station_id, state FROM applications WHERE uuid = ?", (uuid,)
                ).fetchall()
            else:
                rows = tx.execute(
                    "SELECT uuid, station_id, state FROM applications WHERE state IN"
                    " ('received', 'in_production', 'card_produced')"
                    " ORDER BY received_at"
                ).fetchall()
            for u, station, state in rows:
                if reject:
                    if state in ("ready_for_pickup", "collected", "rejected"):
                        continue
                    tx.set_state(u, "rejected")
                    tx.add_event(station, u, "rejected", {"code": reject, "field": field or ""})
                    moved += 1
                    continue
                if state not in PRODUCTION[:-1]:
                    continue
                i = PRODUCTION.index(state)
                for nxt in PRODUCTION[i + 1 : i + 1 + steps]:
                    tx.add_event(station, u, nxt)
                    state = nxt
                tx.set_state(u, state)
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
        out["broken_chains"] = list(self.iter_broken())
        return out


class Tx:
    """The statements of one transaction (or of plain reads), by name."""

    def __init__(self, store: CentralStore, conn: Any) -> None:
        self.store, self.conn = store, conn

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.execute(self.store.q(sql), params)

    # -- batches -----------------------------------------------------------------------------
    def find_batch(self, station_id: str, batch_id: str) -> StoredBatch | None:
        row = self.execute(
            "SELECT body_sha256, response FROM batches WHERE station_id = ? AND batch_id = ?",
            (station_id, batch_id),
        ).fetchone()
        return None if row is None else StoredBatch(str(row[0]), json.loads(row[1]))

    def save_batch(
        self, station_id: str, batch_id: str, body_sha256: str, response: dict[str, Any]
    ) -> None:
        self.execute(
            "INSERT INTO batches (station_id, batch_id, body_sha256, response, received_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (station_id, batch_id, body_sha256, json.dumps(response), response["received_at"]),
        )

    # -- applications ------------------------------------------------------------------------
    def application_hash(self, uuid: str) -> str | None:
        """The stored content hash of an application of any station (uuids are global: the
        same application sent again after a re-enrolment is still one application)."""
        row = self.execute(
            "SELECT content_hash FROM applications WHERE uuid = ?", (uuid,)
        ).fetchone()
        return None if row is None else str(row[0])

    def application_record(self, uuid: str) -> dict[str, Any] | None:
        """The record the service holds under ``uuid`` (any station), as it was accepted."""
        row = self.execute("SELECT record FROM applications WHERE uuid = ?", (uuid,)).fetchone()
        if row is None:
            return None
        record = json.loads(row[0])
        return record if isinstance(record, dict) else None

    def application_state(self, station_id: str, uuid: str) -> str | None:
        row = self.execute(
            "SELECT state FROM applications WHERE uuid = ? AND " + SAME_STATION,
            (uuid, station_id),
        ).fetchone()
        return None if row is None else str(row[0])

    def add_conflict(
        self, station_id: str, uuid: str, chash: str, record: dict[str, Any], received: str
    ) -> None:
        self.execute(
            "INSERT INTO conflicts (uuid, station_id, content_hash, record, received_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (uuid, station_id, chash, json.dumps(record), received),
        )

    def add_photo(self, sha256: str, jpeg: bytes) -> None:
        if not self.execute("SELECT 1 FROM photos WHERE sha256 = ?", (sha256,)).fetchone():
            self.execute("INSERT INTO photos (sha256, jpeg) VALUES (?, ?)", (sha256, jpeg))

    def add_application(
        self,
        station_id: str,
        uuid: str,
        chash: str,
        record: dict[str, Any],
        received: str,
        batch_id: str,
    ) -> None:
        self.execute(
            "INSERT INTO applications (uuid, station_id, content_hash, record, photo, state,"
            " captured_at, received_at, batch_id) VALUES (?, ?, ?, ?, ?, 'received', ?, ?, ?)",
            (
                uuid,
                station_id,
                chash,
                json.dumps(record, ensure_ascii=False),
                record.get("photo"),
                record.get("captured_at"),
                received,
                batch_id,
            ),
        )
        self.add_event(station_id, uuid, "received")

    def station_code(self, station_id: str) -> str:
        row = self.execute("SELECT code FROM stations WHERE id = ?", (station_id,)).fetchone()
        return "" if row is None else str(row[0])

    def number_holder(self, number: str) -> str | None:
        """The uuid the service holds under application number ``number``."""
        row = self.execute("SELECT uuid FROM numbers WHERE number = ?", (number,)).fetchone()
        return None if row is None else str(row[0])

    def add_number(self, number: str, uuid: str, station_code: str) -> None:
        if NUMBER.match(number):
            self.execute(
                "INSERT INTO numbers (number, uuid, station_code) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (number, uuid, station_code),
            )

    def add_sender(self, station_id: str, batch_id: str, operator: str, role: str) -> None:
        """Which operator (or ``station``: the station key) sent a batch."""
        self.execute(
            "INSERT INTO senders (station_id, batch_id, operator, role) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (station_id, batch_id, operator, role),
        )

    def set_state(self, uuid: str, state: str) -> None:
        self.execute("UPDATE applications SET state = ? WHERE uuid = ?", (state, uuid))

    def add_event(
        self, station_id: str, uuid: str, kind: str, detail: dict[str, Any] | None = None
    ) -> None:
        self.execute(
            "INSERT INTO events (station_id, uuid, type, at, detail) VALUES (?, ?, ?, ?, ?)",
            (station_id, uuid, kind, now_iso(), json.dumps(detail) if detail else None),
        )
