"""The station's trust records in the database, as plain SQL over a connection (like
``station.outbox``): its identity keys, its operators' certificates, revocations waiting for
the central service, the service's receipts for audit-chain heads, the applications renumbered
because the service held their number, and the enrolment facts kept in ``meta``.

The authoritative copies of the secrets are in the key-slot file (``station.keys``); what is
here is public (public keys, certificates, signed statements), so that ``audit verify`` can
check every signature without unwrapping anything.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from station import db
from station.typedefs import Connection


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


# -- the station's identity keys --------------------------------------------------------------------
def station_public_key(conn: Connection) -> str | None:
    return db.meta_get(conn, "station_public_key")


def station_keys(conn: Connection) -> list[dict[str, Any]]:
    """Every identity key the station has had, oldest first."""
    return [
        {"public_key": r[0], "created_at": r[1], "endorsement": r[2], "retired_at": r[3]}
        for r in conn.execute(
            "SELECT public_key, created_at, endorsement, retired_at FROM station_keys ORDER BY n"
        )
    ]


def add_station_key(conn: Connection, public_key: str, endorsement: str | None) -> None:
    """The new current identity key (the older ones are kept, retired, for the certificates
    and audit entries they signed). Inside the caller's transaction."""
    at = _now()
    conn.execute("UPDATE station_keys SET retired_at = ? WHERE retired_at IS NULL", (at,))
    conn.execute(
        "INSERT INTO station_keys (public_key, created_at, endorsement) VALUES (?, ?, ?)",
        (public_key, at, endorsement),
    )
    db.meta_put(conn, "station_public_key", public_key)


# -- operator certificates --------------------------------------------------------------------------
def put_certificate(conn: Connection, cert: dict[str, str]) -> None:
    conn.execute(
        "INSERT INTO operator_certs (public_key, name, role, certificate, issued_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (public_key) DO UPDATE SET"
        " certificate = excluded.certificate, issued_at = excluded.issued_at",
        (
            cert["public_key"],
            cert["name"],
            cert["role"],
            json.dumps(cert, sort_keys=True),
            cert["issued_at"],
        ),
    )


def certificates(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every certificate by its public key (a damaged row reads as no certificate)."""
    out: dict[str, dict[str, Any]] = {}
    for pk, text, revoked in conn.execute(
        "SELECT public_key, certificate, revoked_at FROM operator_certs"
    ):
        try:
            cert = json.loads(text)
        except ValueError:
            continue
        if isinstance(cert, dict):
            out[str(pk)] = {"certificate": cert, "revoked_at": revoked}
    return out


def active_certificates(conn: Connection, name: str | None = None) -> list[dict[str, Any]]:
    """The certificates not revoked (of ``name``, or all)."""
    sql = "SELECT certificate FROM operator_certs WHERE revoked_at IS NULL"
    params: tuple[Any, ...] = ()
    if name is not None:
        sql += " AND name = ?"
        params = (name,)
    return [json.loads(r[0]) for r in conn.execute(sql + " ORDER BY issued_at", params)]


# -- revocations --------------------------------------------------------------------------------------
def add_revocation(conn: Connection, statement: dict[str, str]) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO revocations (public_key, statement, created_at) VALUES (?, ?, ?)",
        (statement["public_key"], json.dumps(statement, sort_keys=True), _now()),
    )
    conn.execute(
        "UPDATE operator_certs SET revoked_at = ? WHERE public_key = ? AND revoked_at IS NULL",
        (statement["revoked_at"], statement["public_key"]),
    )


def unsent_revocations(conn: Connection) -> list[dict[str, Any]]:
    return [
        json.loads(r[0])
        for r in conn.execute(
            "SELECT statement FROM revocations WHERE sent_at IS NULL ORDER BY created_at"
        )
    ]


def mark_revocation_sent(conn: Connection, public_key: str) -> None:
    conn.execute("UPDATE revocations SET sent_at = ? WHERE public_key = ?", (_now(), public_key))


def revocations(conn: Connection) -> list[dict[str, Any]]:
    return [json.loads(r[0]) for r in conn.execute("SELECT statement FROM revocations")]


def replace_revocation(conn: Connection, statement: dict[str, str]) -> None:
    """The same revocation signed again (by a new station key): it goes out again."""
    conn.execute(
        "UPDATE revocations SET statement = ?, sent_at = NULL WHERE public_key = ?",
        (json.dumps(statement, sort_keys=True), statement["public_key"]),
    )


# -- receipts of anchored chain heads ------------------------------------------------------------------
def add_anchor(conn: Connection, receipt: dict[str, Any]) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO audit_anchors (seq, hash, station_id, received_at, receipt)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            receipt["seq"],
            receipt["hash"],
            receipt["station_id"],
            receipt["received_at"],
            json.dumps(receipt, sort_keys=True),
        ),
    )


def anchors(conn: Connection) -> list[dict[str, Any]]:
    out = []
    for (text,) in conn.execute("SELECT receipt FROM audit_anchors ORDER BY station_id, seq"):
        try:
            out.append(json.loads(text))
        except ValueError:
            out.append({"damaged": True})
    return out


def last_anchor(conn: Connection, station_id: str) -> tuple[int, str] | None:
    row = conn.execute(
        "SELECT seq, hash FROM audit_anchors WHERE station_id = ? ORDER BY seq DESC LIMIT 1",
        (station_id,),
    ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def entry_hash_at(conn: Connection, seq: int) -> str | None:
    row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else str(row[0])


def audit_head(conn: Connection) -> tuple[int, str]:
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, "0" * 64) if row is None else (int(row[0]), str(row[1]))


# -- renumbered applications ------------------------------------------------------------------------
def add_renumbered(conn: Connection, uuid: str, old: str, new: str) -> None:
    conn.execute(
        "INSERT INTO renumbered (uuid, old_number, new_number, at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (uuid) DO UPDATE SET new_number = excluded.new_number,"
        " at = excluded.at, reprinted_at = NULL",
        (uuid, old, new, _now()),
    )


def to_reprint(conn: Connection) -> list[dict[str, str]]:
    """Applications renumbered whose receipt was not printed again since."""
    return [
        {"uuid": r[0], "old_number": r[1], "new_number": r[2], "at": r[3]}
        for r in conn.execute(
            "SELECT uuid, old_number, new_number, at FROM renumbered"
            " WHERE reprinted_at IS NULL ORDER BY at"
        )
    ]


def mark_reprinted(conn: Connection, uuid: str) -> None:
    conn.execute(
        "UPDATE renumbered SET reprinted_at = ? WHERE uuid = ? AND reprinted_at IS NULL",
        (_now(), uuid),
    )


# -- enrolment facts (meta) -------------------------------------------------------------------------
def needs_reenrolment(conn: Connection) -> str | None:
    """Why this station may not upload until a technician enrols it again, or None."""
    return db.meta_get(conn, "reenrol_required")


def require_reenrolment(conn: Connection, why: str) -> None:
    db.meta_put(conn, "reenrol_required", why)


def service_public_key(conn: Connection) -> str | None:
    return db.meta_get(conn, "service_public_key")


def chain_flag(conn: Connection) -> dict[str, Any] | None:
    """What the central service last said is wrong with this station's audit chain."""
    text = db.meta_get(conn, "chain_flag")
    if not text:
        return None
    try:
        flag = json.loads(text)
    except ValueError:
        return {"state": "unknown"}
    return flag if isinstance(flag, dict) else {"state": "unknown"}


def set_chain_flag(conn: Connection, flag: dict[str, Any] | None) -> None:
    if flag is None:
        db.meta_delete(conn, "chain_flag")
    else:
        db.meta_put(conn, "chain_flag", json.dumps(flag, sort_keys=True))
