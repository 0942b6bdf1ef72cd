"""Retention purge: once the central service reports a card ``collected`` and
``retention.days`` have passed, the station keeps only a tombstone of the application.

The tombstone keeps what reports count (kind, day, operator, district, community, services,
age band, eligibility grounds) and drops every personal field, the photo and the search text;
the purge is audited and followed by ``VACUUM`` when enough was removed, so that the space —
and the deleted pages' contents — really leave the file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from station import audit as auditlog
from station import db
from station.store import Store, pack_record, unpack_record
from station.validation import eligibility

VACUUM_AFTER = 200  # purged applications since the last VACUUM


def tombstone(record: dict[str, Any], today: dt.date) -> dict[str, Any]:
    person = record.get("person") or {}
    residence = record.get("residence") or {}
    info = eligibility(record, today)
    age = info.get("age")
    return {
        "purged": True,
        "kind": record.get("kind"),
        "uuid": record.get("uuid"),
        "number": record.get("number"),
        "captured_at": record.get("captured_at"),
        "operator": record.get("operator"),
        "residence": {
            "division_code": residence.get("division_code"),
            "community": residence.get("community"),
            "reason": residence.get("reason"),
        },
        "sex": person.get("sex"),
        "age_band": None if age is None else f"{age // 10 * 10}-{age // 10 * 10 + 9}",
        "services": record.get("services") or [],
        "grounds": info.get("grounds", []),
    }


def due(store: Store, now: dt.datetime | None = None) -> list[str]:
    """UUIDs whose card was collected more than ``retention.days`` ago and not yet purged."""
    has_events = store.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'status_events'"
    ).fetchone()
    if not has_events:
        return []
    days = int(store.config_get("retention.days") or "90")
    now = now or dt.datetime.now().astimezone()
    cutoff = (now - dt.timedelta(days=days)).isoformat(timespec="seconds")
    rows = store.conn.execute(
        "SELECT a.uuid FROM applications a WHERE a.purged = 0 AND EXISTS ("
        " SELECT 1 FROM status_events e WHERE e.uuid = a.uuid AND e.type = 'collected'"
        " AND e.at <= ?)",
        (cutoff,),
    ).fetchall()
    return [r[0] for r in rows]


def _meta_int(store: Store, key: str) -> int:
    return int(db.meta_get(store.conn, key) or 0)


def purge(
    store: Store, now: dt.datetime | None = None, vacuum: bool | None = None
) -> dict[str, Any]:
    """Purge every due application; returns counts. Technician or supervisor.

    ``vacuum``: True always, False never, None once ``VACUUM_AFTER`` purges have accumulated."""
    if not (store.can("backup") or store.can("review")):
        store.require("backup")
    today = (now or dt.datetime.now()).date()
    uuids = due(store, now)
    photos = 0
    with store.transaction():
        for uuid in uuids:
            row = store.conn.execute(
                "SELECT id, record, photo FROM applications WHERE uuid = ?", (uuid,)
            ).fetchone()
            rec = unpack_record(row[1])
            store.conn.execute("DELETE FROM applications_fts WHERE rowid = ?", (row[0],))
            store.conn.execute(
                "UPDATE applications SET id_number = NULL, name = NULL, phone = NULL,"
                " birth_date = NULL, photo = NULL, record = ?, purged = 1 WHERE id = ?",
                (pack_record(tombstone(rec, today)), row[0]),
            )
            store.conn.execute("DELETE FROM application_versions WHERE uuid = ?", (uuid,))
            if row[2]:
                still_used = store.conn.execute(
                    "SELECT 1 FROM applications WHERE photo = ?", (row[2],)
                ).fetchone()
                if not still_used:
                    store.conn.execute("DELETE FROM photos WHERE sha256 = ?", (row[2],))
                    photos += 1
            auditlog.append(store.conn, store.operator, "app.purge", uuid)
        pending = _meta_int(store, "purged_since_vacuum") + len(uuids)
        db.meta_put(store.conn, "purged_since_vacuum", str(pending))
    vacuumed = False
    if vacuum or (vacuum is None and pending >= VACUUM_AFTER):
        store.conn.execute("VACUUM")
        db.meta_put(store.conn, "purged_since_vacuum", "0")
        vacuumed = True
    return {"purged": len(uuids), "photos_removed": photos, "vacuumed": vacuumed}
