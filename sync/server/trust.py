"""The service's side of trust, as named store methods (``CentralStore`` inherits them): its own
signing key, enrolment with one identity per station code, operators' revoked keys, the
audit-chain heads each station anchors here, and the application numbers it holds.

One identity per station code: enrolling a new key for a station code retires every earlier
key of that code (their requests are refused 403 ``superseded`` from then on), and the answer
tells the station the highest number it has seen per day for that code, so that a station
restored from a backup continues above the numbers its predecessor already used.

The audit chain: the service keeps every head (seq, hash) a station sent. A head with a lower
seq than one seen (``went_backwards``), or another hash at a seq it holds (``rewritten``), flags
the station; a flagged station's uploads are refused until it is enrolled again (a person at
the bureau looks at the report first: ``station central chains``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station import identity

if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import AbstractContextManager

    from sync.server.store import Tx

TRUST_SCHEMA = """
CREATE TABLE IF NOT EXISTS enrol_code_stations (code TEXT PRIMARY KEY, station_code TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS retired (
    station_id TEXT PRIMARY KEY, by_station_id TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS numbers (
    number TEXT PRIMARY KEY, uuid TEXT NOT NULL, station_code TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS numbers_station ON numbers (station_code);
CREATE TABLE IF NOT EXISTS audit_heads (
    station_id TEXT NOT NULL, seq BIGINT NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL,
    operator TEXT, PRIMARY KEY (station_id, seq));
CREATE TABLE IF NOT EXISTS chain_flags (
    station_id TEXT PRIMARY KEY, state TEXT NOT NULL, seq BIGINT NOT NULL, at TEXT NOT NULL,
    operator TEXT);
CREATE TABLE IF NOT EXISTS revoked_keys (
    public_key TEXT PRIMARY KEY, station_code TEXT NOT NULL, name TEXT NOT NULL,
    statement TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS senders (
    station_id TEXT NOT NULL, batch_id TEXT NOT NULL, operator TEXT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (station_id, batch_id));
"""


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# <station code (12)><day (8)><sequence (4+)>: the numbers the service keeps unique
NUMBER = re.compile(r"^([0-9]{12})([0-9]{8})([0-9]{4,6})$")


@dataclass(frozen=True)
class Enrolment:
    outcome: str  # "enrolled", "again", "bad_code", "already_enrolled"
    superseded: list[str]
    sequences: dict[str, int]


class ChainBroken(Exception):
    def __init__(self, flag: dict[str, Any]) -> None:
        super().__init__(flag["state"])
        self.flag = flag


RECEIPT_KEY = "audit-receipts"  # Ed25519: signs the receipts of audit heads


class TrustStore:
    """Mixed into ``CentralStore``."""

    # provided by CentralStore
    def tx(self, lock: bool = True) -> AbstractContextManager[Tx]:  # pragma: no cover
        raise NotImplementedError

    def read(self) -> Tx:  # pragma: no cover
        raise NotImplementedError

    def service_key(self, name: str, make: Any) -> str:  # pragma: no cover
        raise NotImplementedError

    _receipt_key: Ed25519PrivateKey | None = None

    # -- the service's own key ---------------------------------------------------------------
    def receipt_key(self) -> Ed25519PrivateKey:
        """The key the service signs receipts with (made once, kept in its database)."""
        if self._receipt_key is None:
            raw = self.service_key(
                RECEIPT_KEY, lambda: identity.private_raw(identity.new_key()).hex()
            )
            self._receipt_key = identity.from_raw(bytes.fromhex(raw))
        return self._receipt_key

    def service_public_key(self) -> str:
        return identity.public_b64(self.receipt_key())

    # -- enrolment ---------------------------------------------------------------------------
    def bind_code(self, code: str, station_code: str) -> None:
        with self.tx(lock=False) as tx:
            tx.execute(
                "INSERT INTO enrol_code_stations (code, station_code) VALUES (?, ?)",
                (code, station_code),
            )

    def enrol(self, code: str, station_id: str, public_key: str, station_code: str) -> Enrolment:
        """Enrol a key; retire the earlier keys of its station code."""
        with self.tx() as tx:
            row = tx.execute("SELECT used_by FROM enrol_codes WHERE code = ?", (code,)).fetchone()
            if row is None:
                return Enrolment("bad_code", [], {})
            bound = tx.execute(
                "SELECT station_code FROM enrol_code_stations WHERE code = ?", (code,)
            ).fetchone()
            if bound is not None and bound[0] != station_code:
                return Enrolment("bad_code", [], {})
            if row[0]:
                if row[0] != station_id:
                    return Enrolment("bad_code", [], {})
                outcome = "again"
            else:
                if tx.execute("SELECT 1 FROM stations WHERE id = ?", (station_id,)).fetchone():
                    return Enrolment("already_enrolled", [], {})
                tx.execute(
                    "INSERT INTO stations (id, code, public_key, enrolled_at) VALUES (?, ?, ?, ?)",
                    (station_id, station_code, public_key, now_iso()),
                )
                tx.execute("UPDATE enrol_codes SET used_by = ? WHERE code = ?", (station_id, code))
                outcome = "enrolled"
            older = [
                r[0]
                for r in tx.execute(
                    "SELECT id FROM stations WHERE code = ? AND id != ? AND revoked = 0",
                    (station_code, station_id),
                ).fetchall()
            ]
            for old in older:
                tx.execute("UPDATE stations SET revoked = 1 WHERE id = ?", (old,))
                tx.execute(
                    "INSERT INTO retired (station_id, by_station_id, at) VALUES (?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (old, station_id, now_iso()),
                )
            superseded = [
                r[0]
                for r in tx.execute(
                    "SELECT station_id FROM retired WHERE by_station_id = ?", (station_id,)
                ).fetchall()
            ]
            return Enrolment(outcome, superseded, self._sequences(tx, station_code))

    @staticmethod
    def _sequences(tx: Tx, station_code: str) -> dict[str, int]:
        """The highest sequence number seen per day for ``station_code``."""
        out: dict[str, int] = {}
        for (number,) in tx.execute(
            "SELECT number FROM numbers WHERE station_code = ?", (station_code,)
        ).fetchall():
            m = NUMBER.match(number)
            if m:
                out[m.group(2)] = max(out.get(m.group(2), 0), int(m.group(3)))
        return out

    def superseded(self, station_id: str) -> bool:
        row = (
            self.read()
            .execute("SELECT 1 FROM retired WHERE station_id = ?", (station_id,))
            .fetchone()
        )
        return row is not None

    # -- operators' keys ------------------------------------------------------------------------
    def key_revoked(self, public_key: str) -> bool:
        row = (
            self.read()
            .execute("SELECT 1 FROM revoked_keys WHERE public_key = ?", (public_key,))
            .fetchone()
        )
        return row is not None

    def revoke_key(self, station_code: str, statement: dict[str, str]) -> bool:
        """Record a revocation; False when it was already known."""
        with self.tx(lock=False) as tx:
            cur = tx.execute(
                "INSERT INTO revoked_keys (public_key, station_code, name, statement, at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    statement["public_key"],
                    station_code,
                    statement["name"],
                    json.dumps(statement, sort_keys=True),
                    now_iso(),
                ),
            )
            return bool(cur.rowcount == 1)

    # -- audit-chain heads --------------------------------------------------------------------------
    def anchor(
        self,
        station_id: str,
        station_code: str,
        head: tuple[int, str],
        check: tuple[int, str] | None,
        operator: str | None,
    ) -> dict[str, Any]:
        """Keep ``head``; return the signed receipt, or raise ``ChainBroken`` (the flag is kept)."""
        seq, h = head
        with self.tx(lock=False) as tx:
            flag = self._flag(tx, station_id)
            if flag is None:
                flag = self._compare(tx, station_id, head, check)
                if flag is not None:
                    tx.execute(
                        "INSERT INTO chain_flags (station_id, state, seq, at, operator)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (station_id, flag["state"], flag["seq"], now_iso(), operator),
                    )
            if flag is None:
                tx.execute(
                    "INSERT INTO audit_heads (station_id, seq, hash, at, operator)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (station_id, seq, h, now_iso(), operator),
                )
        if flag is not None:
            raise ChainBroken(flag)
        body = {
            "station_id": station_id,
            "station_code": station_code,
            "seq": seq,
            "hash": h,
            "received_at": now_iso(),
        }
        return identity.sign_receipt(self.receipt_key(), body)

    @staticmethod
    def _flag(tx: Tx, station_id: str) -> dict[str, Any] | None:
        row = tx.execute(
            "SELECT state, seq, at FROM chain_flags WHERE station_id = ?", (station_id,)
        ).fetchone()
        return None if row is None else {"state": row[0], "seq": int(row[1]), "at": row[2]}

    @staticmethod
    def _compare(
        tx: Tx, station_id: str, head: tuple[int, str], check: tuple[int, str] | None
    ) -> dict[str, Any] | None:
        last = tx.execute(
            "SELECT seq, hash FROM audit_heads WHERE station_id = ? ORDER BY seq DESC LIMIT 1",
            (station_id,),
        ).fetchone()
        if last is not None and head[0] < int(last[0]):
            return {"state": "went_backwards", "seq": int(last[0])}
        for seq, h in [head] + ([check] if check else []):
            row = tx.execute(
                "SELECT hash FROM audit_heads WHERE station_id = ? AND seq = ?",
                (station_id, seq),
            ).fetchone()
            if row is not None and row[0] != h:
                return {"state": "rewritten", "seq": seq}
        return None

    def chain(self, station_id: str, since: int, limit: int) -> dict[str, Any]:
        """The heads kept for ``station_id`` after ``since``, and its flag."""
        c = self.read()
        rows = c.execute(
            "SELECT seq, hash, at FROM audit_heads WHERE station_id = ? AND seq > ?"
            " ORDER BY seq LIMIT ?",
            (station_id, since, limit),
        ).fetchall()
        heads = [{"seq": int(r[0]), "hash": r[1], "at": r[2]} for r in rows]
        flag = self._flag(c, station_id)
        return {
            "state": flag["state"] if flag else "ok",
            "flag": flag,
            "heads": heads,
            "next": heads[-1]["seq"] if heads else since,
        }

    def chain_broken(self, station_id: str) -> bool:
        return self._flag(self.read(), station_id) is not None

    def chains(self) -> list[dict[str, Any]]:
        """Every station with its enrolment state, last anchored head and chain state."""
        c = self.read()
        out = []
        for sid, code, enrolled, revoked in c.execute(
            "SELECT id, code, enrolled_at, revoked FROM stations ORDER BY code, enrolled_at"
        ).fetchall():
            last = c.execute(
                "SELECT seq, at FROM audit_heads WHERE station_id = ? ORDER BY seq DESC LIMIT 1",
                (sid,),
            ).fetchone()
            flag = self._flag(c, sid)
            state = "revoked" if revoked else "enrolled"
            if revoked and self.superseded(sid):
                state = "superseded"
            out.append(
                {
                    "station_id": sid,
                    "station_code": code,
                    "enrolled_at": enrolled,
                    "state": state,
                    "chain": flag["state"] if flag else "ok",
                    "broken_at": flag["seq"] if flag else None,
                    "head": int(last[0]) if last else None,
                    "anchored_at": last[1] if last else None,
                }
            )
        return out

    def iter_broken(self) -> Iterator[dict[str, Any]]:
        return (c for c in self.chains() if c["chain"] != "ok")
