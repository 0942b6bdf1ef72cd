"""The append-only, hash-chained audit log.

Every entry stores the SHA-256 of the previous entry and of its own content (seq, time,
operator, action, record uuid, detail), so an edited, deleted or inserted entry breaks the chain
at that point. Triggers refuse UPDATE and DELETE; the chain catches what goes around them (a raw
edit of the file with the key). Entries carry no personal data: operator names, actions, record
uuids and small technical details only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from station.typedefs import Connection

GENESIS = "0" * 64


def entry_hash(
    prev_hash: str,
    seq: int,
    ts: str,
    operator: str | None,
    action: str,
    record_uuid: str | None,
    detail: str | None,
) -> str:
    body = json.dumps(
        [prev_hash, seq, ts, operator, action, record_uuid, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def append(
    conn: Connection,
    operator: str | None,
    action: str,
    record_uuid: str | None = None,
    detail: dict[str, Any] | None = None,
    ts: str | None = None,
) -> int:
    """Append one entry; call inside the caller's transaction so it commits with the change."""
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
    ts = ts or dt.datetime.now().astimezone().isoformat(timespec="milliseconds")
    detail_text = json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None
    h = entry_hash(prev, seq, ts, operator, action, record_uuid, detail_text)
    conn.execute(
        "INSERT INTO audit (seq, ts, operator, action, record_uuid, detail, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, ts, operator, action, record_uuid, detail_text, prev, h),
    )
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)", (f"{seq}:{h}",)
    )
    return int(seq)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    broken_seq: int | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok, "count": self.count}
        if not self.ok:
            out["broken"] = {"seq": self.broken_seq, "reason": self.reason}
        return out


def verify(conn: Connection) -> VerifyResult:
    """Walk the chain; report the first entry that was edited, deleted or inserted."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    cur = conn.execute(
        "SELECT seq, ts, operator, action, record_uuid, detail, prev_hash, hash"
        " FROM audit ORDER BY seq"
    )
    for seq, ts, operator, action, uuid, detail, prev_hash, h in cur:
        if seq != expected_seq:
            return VerifyResult(False, count, expected_seq, "missing")
        if prev_hash != prev:
            return VerifyResult(False, count, seq, "chain")
        if entry_hash(prev_hash, seq, ts, operator, action, uuid, detail) != h:
            return VerifyResult(False, count, seq, "edited")
        prev = h
        expected_seq += 1
        count += 1
    head = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    if head is not None:
        head_seq, head_hash = head[0].split(":", 1)
        if int(head_seq) > count or (int(head_seq) == count and head_hash != prev):
            return VerifyResult(False, count, count + 1, "truncated")
    return VerifyResult(True, count)


def history(conn: Connection, record_uuid: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT seq, ts, operator, action, detail FROM audit WHERE record_uuid = ? ORDER BY seq",
        (record_uuid,),
    ).fetchall()
    return [
        {
            "seq": r[0],
            "ts": r[1],
            "operator": r[2],
            "action": r[3],
            "detail": json.loads(r[4]) if r[4] else None,
        }
        for r in rows
    ]
