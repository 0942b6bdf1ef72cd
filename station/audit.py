"""The append-only, hash-chained audit log, each entry signed by its operator.

Every entry stores the SHA-256 of the previous entry and of its own content (seq, time,
operator, action, record uuid, detail), so an edited, deleted or inserted entry breaks the chain
at that point. Triggers refuse UPDATE and DELETE; the chain catches what goes around them (a raw
edit of the file with the key).

The chain alone does not stop someone who holds the database key — any operator — from
rewriting it and recomputing every hash. So each entry is also signed, over its hash, by the
key of the session that wrote it (``station.identity``): the operator's certified key, or the
station key for ``init``, ``restore`` and the recovery session. ``verify`` checks each signature
against the operator's certificate, the certificate against the station's keys, and that
technicians' acts were signed by a technician; a coordinator can then neither forge a
technician's ``user.add`` nor rewrite another operator's entries. And the head of the chain is
anchored at the central service with every sync: its signed receipts (``audit_anchors``) and,
online, the heads it kept make a rewrite of anchored history visible to someone other than the
station. Entries written before signing began carry no signature and are accepted only before
the first signed one.

Entries carry no personal data: operator names, actions, record uuids and small technical
details only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from station import db, identity, trust
from station.typedefs import Connection

GENESIS = "0" * 64
# Acts only a technician (or the station key itself) may sign.
TECHNICIAN_ACTIONS = frozenset(
    {"user.add", "user.disable", "user.reset_password", "sync.enrol", "keys.rotate"}
)


class UnsignedEntry(RuntimeError):
    """A programming error: an entry on a signing station from a connection without a signer."""


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


def signer_of(conn: Connection) -> identity.Signer | None:
    """The key that signs this connection's entries (set by the store for its session)."""
    signer = getattr(conn, "audit_signer", None)
    return signer if isinstance(signer, identity.Signer) else None


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
    signer = signer_of(conn)
    if signer is None and trust.station_public_key(conn) is not None:
        raise UnsignedEntry(f"{action}: this station signs its audit entries; no signer")
    conn.execute(
        "INSERT INTO audit (seq, ts, operator, action, record_uuid, detail, prev_hash, hash,"
        " signer, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            seq,
            ts,
            operator,
            action,
            record_uuid,
            detail_text,
            prev,
            h,
            signer.public_key if signer else None,
            identity.sign_entry(signer, h) if signer else None,
        ),
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
    signed: int = 0
    unsigned: int = 0  # from before signing began
    anchors: int = 0  # receipts of the central service that match the chain
    online: dict[str, Any] | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": self.ok,
            "count": self.count,
            "signed": self.signed,
            "unsigned_before_signing": self.unsigned,
            "anchors": self.anchors,
        }
        if self.online is not None:
            out["online"] = self.online
        if not self.ok:
            out["broken"] = {"seq": self.broken_seq, "reason": self.reason}
        return out


class _Keys:
    """The station keys and operator certificates that entries may be signed with."""

    def __init__(self, conn: Connection, station_code: str) -> None:
        self.problem: str | None = None
        keys = trust.station_keys(conn)
        self.station: dict[str, str] = {}  # key id -> public key
        previous: str | None = None
        for k in keys:
            pk = k["public_key"]
            if previous is not None and not identity.verify_endorsement(
                previous, pk, station_code, k["endorsement"]
            ):
                self.problem = "station_key"  # a station key no earlier key endorsed
            self.station[identity.key_id(pk)] = pk
            previous = pk
        current = trust.station_public_key(conn)
        if (current is not None or keys) and (not keys or keys[-1]["public_key"] != current):
            self.problem = "station_key"
        self.certs: dict[str, dict[str, Any]] = {}
        for pk, row in trust.certificates(conn).items():
            cert = row["certificate"]
            issuer = self.station.get(cert.get("issuer", "")) if isinstance(cert, dict) else None
            if (
                issuer is not None
                and cert.get("public_key") == pk
                and identity.verify_certificate(cert, issuer, station_code)
            ):
                self.certs[pk] = cert


def _check_signed(
    keys: _Keys, signer: str, operator: str | None, action: str, detail: str | None
) -> str | None:
    """Why the signer may not have written this entry, or None."""
    if signer in keys.station.values():
        return None  # the station key (init, restore, recovery) signs for any operator
    cert = keys.certs.get(signer)
    if cert is None:
        return "signer"
    queued = action == "login.failed" and _detail(detail).get("via") == "queue"
    if cert["name"] != operator and not queued:
        return "signer"
    if action in TECHNICIAN_ACTIONS and cert["role"] != "technician":
        return "role"
    return None


def _detail(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def verify(conn: Connection) -> VerifyResult:
    """Walk the chain; report the first entry that was edited, deleted, inserted, signed by
    a key that may not have written it, or that contradicts a receipt of the central service."""
    station_code = db.meta_get(conn, "station_code") or ""
    keys = _Keys(conn, station_code)
    prev = GENESIS
    expected_seq = 1
    count = signed = unsigned = 0
    cur = conn.execute(
        "SELECT seq, ts, operator, action, record_uuid, detail, prev_hash, hash, signer,"
        " signature FROM audit ORDER BY seq"
    )
    for seq, ts, operator, action, uuid, detail, prev_hash, h, signer, sig in cur:
        if seq != expected_seq:
            return VerifyResult(False, count, expected_seq, "missing", signed, unsigned)
        if prev_hash != prev:
            return VerifyResult(False, count, seq, "chain", signed, unsigned)
        if entry_hash(prev_hash, seq, ts, operator, action, uuid, detail) != h:
            return VerifyResult(False, count, seq, "edited", signed, unsigned)
        if sig is None and signer is None:
            # signing began (a signed entry before, or this entry names the station key that
            # signs from now on): an unsigned entry was not written by the station
            if signed or "station_key" in _detail(detail):
                return VerifyResult(False, count, seq, "unsigned", signed, unsigned)
            unsigned += 1
        else:
            if keys.problem is not None:
                return VerifyResult(False, count, seq, keys.problem, signed, unsigned)
            why = _check_signed(keys, str(signer), operator, action, detail)
            if why is None and not identity.verify_entry(str(signer), h, sig):
                why = "signature"
            if why is not None:
                return VerifyResult(False, count, seq, why, signed, unsigned)
            signed += 1
        prev = h
        expected_seq += 1
        count += 1
    if keys.station and not signed:  # a station with keys whose every signature is gone
        return VerifyResult(False, count, 1 if count else None, "unsigned", signed, unsigned)
    head = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    if head is not None:
        head_seq, head_hash = head[0].split(":", 1)
        if int(head_seq) > count or (int(head_seq) == count and head_hash != prev):
            return VerifyResult(False, count, count + 1, "truncated", signed, unsigned)
    return _check_anchors(conn, VerifyResult(True, count, signed=signed, unsigned=unsigned))


def _check_anchors(conn: Connection, result: VerifyResult) -> VerifyResult:
    """Every receipt of the central service verifies and matches the chain."""
    service_key = trust.service_public_key(conn)
    matched = 0
    for receipt in trust.anchors(conn):
        seq = receipt.get("seq") if isinstance(receipt, dict) else None
        if service_key is None or not identity.verify_receipt(receipt, service_key):
            return _broken(result, seq if isinstance(seq, int) else None, "receipt")
        assert isinstance(seq, int)
        if trust.entry_hash_at(conn, seq) != receipt["hash"]:
            return _broken(result, seq, "rewritten")
        matched += 1
    return VerifyResult(
        result.ok,
        result.count,
        result.broken_seq,
        result.reason,
        result.signed,
        result.unsigned,
        matched,
    )


def _broken(result: VerifyResult, seq: int | None, reason: str) -> VerifyResult:
    return VerifyResult(False, result.count, seq, reason, result.signed, result.unsigned)


def check_heads(conn: Connection, heads: list[dict[str, Any]]) -> tuple[int, str | None]:
    """Compare the chain with the heads the central service holds for this station: how many
    match, and the first that does not (``went_backwards``: the chain is shorter than a head
    the service saw; ``rewritten``: the entry at a head's seq has another hash)."""
    matched = 0
    last = trust.audit_head(conn)[0]
    for head in heads:
        seq, h = head.get("seq"), head.get("hash")
        if not isinstance(seq, int) or not isinstance(h, str):
            return matched, "malformed"
        if seq > last:
            return matched, f"went_backwards:{seq}"
        if trust.entry_hash_at(conn, seq) != h:
            return matched, f"rewritten:{seq}"
        matched += 1
    return matched, None


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
