"""What a curious operator can do outside the station's code: with their own password, unwrap
the database key from ``keyslots.json`` and open the SQLCipher file directly (the trust tests'
attacker), and a station made the way versions before the technician vault made them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import sqlcipher3

from station import audit, db, keys
from station.keys import SlotItems


def db_key_of(data_dir: Path, name: str, password: str) -> bytes:
    """The database key, unwrapped from ``name``'s slot with their password (the same
    scrypt and AES-GCM anyone can run on the file)."""
    doc = json.loads((data_dir / "keyslots.json").read_text())
    slot = next(s for s in doc["slots"] if s["name"] == name)
    key = keys._open(keys.derive(password, slot["kdf"]), slot)
    assert key is not None
    return key


def raw_conn(data_dir: Path, key: bytes) -> Any:
    """The database opened with the key alone: no station code runs, no signer."""
    conn = sqlcipher3.connect(str(data_dir / "station.db"), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def load_slots(data_dir: Path) -> dict[str, Any]:
    return json.loads((data_dir / "keyslots.json").read_text())


def save_slots(data_dir: Path, doc: dict[str, Any]) -> None:
    (data_dir / "keyslots.json").write_text(json.dumps(doc, indent=1))


def rewrite_chain_from(conn: Any, seq: int) -> None:
    """Recompute every hash from ``seq`` on (after rows were deleted or edited), renumbering
    the entries so the chain has no gap — what an attacker with the key does."""
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    rows = conn.execute(
        "SELECT seq, ts, operator, action, record_uuid, detail, signer, signature FROM audit"
        " WHERE seq >= ? ORDER BY seq",
        (seq,),
    ).fetchall()
    conn.execute("DELETE FROM audit WHERE seq >= ?", (seq,))
    prev_row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq - 1,)).fetchone()
    prev = prev_row[0] if prev_row else audit.GENESIS
    n = seq
    for _old, ts, operator, action, uuid, detail, signer, signature in rows:
        h = audit.entry_hash(prev, n, ts, operator, action, uuid, detail)
        conn.execute(
            "INSERT INTO audit (seq, ts, operator, action, record_uuid, detail, prev_hash, hash,"
            " signer, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (n, ts, operator, action, uuid, detail, prev, h, signer, signature),
        )
        prev = h
        n += 1
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)", (f"{n - 1}:{prev}",)
    )


# -- a station made before the technician vault (key-slot format 1, schema version 9) ----------
def legacy_station(
    data_dir: Path, code: str, password: str, operators: dict[str, str]
) -> tuple[bytes, str]:
    """Files as an older version wrote them: no vault, no certificates, unsigned audit
    entries. Returns the database key and the recovery code."""
    data_dir.mkdir(parents=True)
    key = keys.new_db_key()
    conn = db.connect(data_dir / "station.db", key, create=True)
    db.migrate(conn, target=9)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO meta (key, value) VALUES ('station_code', ?)", (code,))
    conn.execute(
        "INSERT INTO config (key, value, updated_at, updated_by) VALUES"
        " ('station.code', ?, '2026-01-01', 'tech'), ('station.city', '4501', '2026-01-01', 'tech')",
        (code,),
    )
    prev = audit.GENESIS
    entries = [(name, "user.add", json.dumps({"name": name})) for name in operators]
    for seq, (operator, action, detail) in enumerate(entries, start=1):
        ts = "2026-01-01T09:00:00.000+08:00"
        h = audit.entry_hash(prev, seq, ts, operator, action, None, detail)
        conn.execute(
            "INSERT INTO audit (seq, ts, operator, action, record_uuid, detail, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
            (seq, ts, operator, action, detail, prev, h),
        )
        prev = h
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_head', ?)", (f"{len(entries)}:{prev}",)
    )
    for name, role in operators.items():
        conn.execute(
            "INSERT INTO operators (name, role, created_at) VALUES (?, ?, '2026-01-01')",
            (name, role),
        )
    conn.execute("COMMIT")
    conn.close()
    os.chmod(data_dir / "station.db", 0o600)
    recovery = keys.new_recovery_code()
    doc = {
        "format": 1,
        "station_code": code,
        "slots": [
            keys.new_slot(password, keys.operator_ident(name, role), SlotItems(key))
            for name, role in operators.items()
        ]
        + [
            keys.new_slot(
                keys.normalize_recovery_code(recovery), keys.RECOVERY_IDENT, SlotItems(key)
            )
        ],
        "pending_audit": [],
    }
    (data_dir / "keyslots.json").write_text(json.dumps(doc))
    return key, recovery
