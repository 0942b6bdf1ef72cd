"""Person keys, and the data a migration's SQL cannot compute.

A person key is a keyed hash of the applicant's ID number: HMAC-SHA256 with the station's
random secret (``meta.person_key_secret``, made by migration 0012), 32 hex digits. The reports
count distinct persons by it (coverage, staffing, the married women of the family-planning
indicators), and it survives the retention purge, which removes the ID number itself: a purged
registration is still the same person as a later one, and the key cannot be turned back into
the number without the secret, which never leaves the encrypted database.

Migration 0012 leaves ``meta.backfill_0012`` behind; the first store opened afterwards fills the
person keys and the referrals of the applications already there (one transaction), then removes
it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import TYPE_CHECKING

from station import db
from station.store.records import unpack_record

if TYPE_CHECKING:
    from station.store.core import Store

log = logging.getLogger(__name__)

BACKFILL = "backfill_0012"


def person_key(secret: bytes, id_number: str | None) -> str | None:
    """The person key of an ID number (upper-cased first); None without a number."""
    if not id_number:
        return None
    digest = hmac.new(secret, id_number.strip().upper().encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def secret(store: Store) -> bytes:
    value = db.meta_get(store.conn, "person_key_secret")
    if not value:  # pragma: no cover - migration 0012 makes it
        raise RuntimeError("the database has no person-key secret")
    return bytes.fromhex(value)


def backfill(store: Store) -> None:
    """After migration 0012: person keys and referrals of the rows already there (once)."""
    if db.meta_get(store.conn, BACKFILL) is None:
        return
    key = secret(store)
    keyed = referred = 0
    with store.transaction():
        rows = store.conn.execute(
            "SELECT id, uuid, id_number, captured_at, record FROM applications"
        ).fetchall()
        for row_id, uuid, id_number, captured, blob in rows:
            record = unpack_record(blob)
            if id_number:
                marital = (record.get("person") or {}).get("marital")
                store.conn.execute(
                    "UPDATE applications SET person_key = ?, marital = ? WHERE id = ?",
                    (person_key(key, id_number), marital, row_id),
                )
                keyed += 1
            services = record.get("services") or []
            if services:
                store.referrals.sync(uuid, services, str(captured)[:10])
                referred += 1
        db.meta_delete(store.conn, BACKFILL)
    if rows:
        log.info("person keys for %d and referrals for %d applications filled", keyed, referred)


__all__ = ["BACKFILL", "backfill", "person_key", "secret"]
