"""The rules of ``keyslots.json``: what a well-formed key-slot file holds, and what may wait in
its queue of failed logins.

Anyone who can write the data folder can write this file, so nothing in it is trusted before it
is checked: a field of the wrong type or size, key-derivation parameters that would take
gigabytes of memory or hours of work, a salt, nonce or wrapped key of the wrong length, a
lockout time that is not a time, a certificate or a queued entry that is not one — each makes
the whole file "damaged" (``check_document`` raises ``ValueError``, which ``KeySlots.load``
turns into a clear ``StorageError``; nothing is changed).

The queue (``pending_audit``): failed logins cannot be written to the still-locked audit log,
so they wait here until the next login copies them into it. Nothing authenticates them — a
failed login has no secret to sign with, and any secret the station could use here would sit
in this very file — so the queue is *constrained* instead: only ``login.failed`` entries, with
a reason from a fixed set, an operator name of the valid shape (or none), a timestamp, at most
``MAX_PENDING`` entries of at most ``MAX_ENTRY_BYTES`` each. ``take_pending`` returns those
that fit and the number refused; the caller copies the first (marked as coming from the
unauthenticated queue) and audits the count of the second.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from typing import Any

from station.identity import certificate_shape, is_public_b64

FORMATS = (1, 2)  # 1: before the technician vault (a station made by an older version)
ROLES = ("coordinator", "supervisor", "technician")
# scrypt's cost: memory is 128·n·r bytes, work n·r·p. The station writes n=2^15, r=8, p=1
# (32 MiB); a file may ask for up to 2^17 · 16 (256 MiB) and p ≤ 4, nothing more.
SCRYPT_N_RANGE = (2**14, 2**17)
SCRYPT_R_RANGE = (1, 16)
SCRYPT_P_RANGE = (1, 4)
MAX_SLOTS = 200
MAX_FAILURES_FIELD = 1000
MAX_PENDING = 100
MAX_ENTRY_BYTES = 300
REASONS = ("bad_password", "locked", "unknown_or_disabled", "certificate")
_NAME = re.compile(r"^[\w.-]{1,32}$")
_STATION_CODE = re.compile(r"^[0-9]{12}$")


def _b64_len(value: Any, *lengths: int) -> bool:
    if not isinstance(value, str) or len(value) > 200:
        return False
    try:
        return len(base64.b64decode(value.encode(), validate=True)) in lengths
    except (binascii.Error, ValueError):
        return False


def _int(value: Any, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def _time(value: Any) -> bool:
    """An ISO time with its offset (``2026-03-01T10:00:00+08:00``)."""
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        return dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def check_kdf(kdf: Any) -> None:
    if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
        raise ValueError("kdf")
    n = kdf.get("n")
    if not isinstance(n, int) or not _int(n, *SCRYPT_N_RANGE) or n & (n - 1):
        raise ValueError("kdf.n")
    if not _int(kdf.get("r"), *SCRYPT_R_RANGE) or not _int(kdf.get("p"), *SCRYPT_P_RANGE):
        raise ValueError("kdf.r/p")
    if not _b64_len(kdf.get("salt"), *range(16, 65)):
        raise ValueError("kdf.salt")


def _box(box: Any, *lengths: int) -> bool:
    """``{nonce, wrapped}``: a 12-byte nonce and a ciphertext (plaintext + 16-byte tag)."""
    return (
        isinstance(box, dict)
        and _b64_len(box.get("nonce"), 12)
        and _b64_len(box.get("wrapped"), *(n + 16 for n in lengths))
    )


def check_slot(slot: Any) -> None:
    if not isinstance(slot, dict):
        raise ValueError("slot")
    kind = slot.get("kind")
    if kind not in ("operator", "recovery"):
        raise ValueError("slot.kind")
    name = slot.get("name")
    if kind == "operator":
        if not isinstance(name, str) or not _NAME.match(name) or slot.get("id") != "op:" + name:
            raise ValueError("slot.name")
        if slot.get("role") not in ROLES:
            raise ValueError("slot.role")
    elif slot.get("id") != "recovery" or name != "recovery" or slot.get("role") is not None:
        raise ValueError("slot.recovery")
    check_kdf(slot.get("kdf"))
    if not _box({"nonce": slot.get("nonce"), "wrapped": slot.get("wrapped")}, 32):
        raise ValueError("slot.wrapped")
    if not _int(slot.get("failures", 0), 0, MAX_FAILURES_FIELD):
        raise ValueError("slot.failures")
    locked = slot.get("locked_until")
    if locked is not None and not _time(locked):
        raise ValueError("slot.locked_until")
    if "vault" in slot and not _box(slot["vault"], 32):
        raise ValueError("slot.vault")
    if "signing" in slot and not _box(slot["signing"], 32):
        raise ValueError("slot.signing")
    if "certificate" in slot and not certificate_shape(slot["certificate"]):
        raise ValueError("slot.certificate")


def check_document(doc: Any) -> None:
    """Raise ``ValueError`` (naming the field) unless ``doc`` is a well-formed key-slot file."""
    if not isinstance(doc, dict) or doc.get("format") not in FORMATS:
        raise ValueError("format")
    if not isinstance(doc.get("station_code"), str) or not _STATION_CODE.match(doc["station_code"]):
        raise ValueError("station_code")
    slots = doc.get("slots")
    if not isinstance(slots, list) or len(slots) > MAX_SLOTS:
        raise ValueError("slots")
    ids = set()
    for slot in slots:
        check_slot(slot)
        if slot["id"] in ids:
            raise ValueError("slot.id")
        ids.add(slot["id"])
    pub = doc.get("station_public_key")
    if pub is not None and not is_public_b64(pub):
        raise ValueError("station_public_key")
    if "identity" in doc and not _box(doc["identity"], 32):
        raise ValueError("identity")
    pending = doc.get("pending_audit", [])
    if not isinstance(pending, list) or len(pending) > 10 * MAX_PENDING:
        raise ValueError("pending_audit")
    if not _int(doc.get("pending_overflow", 0), 0, 2**31):
        raise ValueError("pending_overflow")


# -- the queue of failed logins ---------------------------------------------------------------------
def valid_name(name: Any) -> bool:
    return isinstance(name, str) and bool(_NAME.match(name))


def pending_entry(name: str, reason: str, now: dt.datetime) -> dict[str, Any]:
    """A failed login as the station queues it: a name that is not of the valid shape (typed
    junk, or what an attacker hopes to smuggle into the log) is kept as none."""
    return {
        "ts": now.isoformat(timespec="seconds"),
        "operator": name if valid_name(name) else None,
        "action": "login.failed",
        "detail": {"reason": reason},
    }


def queue(doc: dict[str, Any], entry: dict[str, Any]) -> None:
    """Queue ``entry``; past ``MAX_PENDING`` only a count is kept."""
    pending = doc.setdefault("pending_audit", [])
    if len(pending) < MAX_PENDING:
        pending.append(entry)
    else:
        doc["pending_overflow"] = int(doc.get("pending_overflow", 0)) + 1


def entry_fits(entry: Any) -> bool:
    if not isinstance(entry, dict) or set(entry) != {"ts", "operator", "action", "detail"}:
        return False
    if len(json.dumps(entry, ensure_ascii=False).encode()) > MAX_ENTRY_BYTES:
        return False
    return (
        entry["action"] == "login.failed"
        and (entry["operator"] is None or valid_name(entry["operator"]))
        and _time(entry["ts"])
        and entry["detail"] in [{"reason": r} for r in REASONS]
    )


def take_pending(doc: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The queued entries that fit the rules (at most ``MAX_PENDING``), and how many were
    refused (malformed, over the cap, or counted as overflow when queued)."""
    raw = doc.get("pending_audit", [])
    good = [e for e in raw if entry_fits(e)][:MAX_PENDING]
    refused = len(raw) - len(good) + int(doc.get("pending_overflow", 0))
    return good, refused


__all__ = [
    "MAX_PENDING",
    "REASONS",
    "check_document",
    "check_kdf",
    "entry_fits",
    "pending_entry",
    "queue",
    "take_pending",
    "valid_name",
]
