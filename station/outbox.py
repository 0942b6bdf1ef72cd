"""The station side of sync, as plain SQL over the store's connection (no network here):
the outbox of records to send, the batches in flight, the status events of the change feed,
the card handovers waiting to be reported, and the sync state. The core, the desktop and the
reports read sync state from here without importing the ``sync`` client; the client
(``sync/client.py``) keeps the protocol and calls these functions inside its transactions.

Record states: ``pending → in_flight(batch) → accepted | duplicate | conflict | rejected``; a
correction puts a record back to ``pending`` with its new version, and a result that arrives for
an older version no longer changes it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from station import db, trust
from station.typedefs import Connection

FINAL = ("accepted", "duplicate", "conflict", "rejected")
SERVICE_STATES = (
    "received",
    "rejected",
    "in_production",
    "card_produced",
    "ready_for_pickup",
    "collected",
)


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def enqueue(conn: Connection, uuid: str, version: int, content_hash: str) -> None:
    """A new application or a new version: it goes out with the next batch."""
    conn.execute(
        "INSERT INTO outbox (uuid, version, content_hash, state, updated_at)"
        " VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (uuid) DO UPDATE SET"
        " version = excluded.version, content_hash = excluded.content_hash, state = 'pending',"
        " batch_id = NULL, result_code = NULL, result_field = NULL, result_message = NULL,"
        " service_state = CASE WHEN outbox.service_state = 'rejected' THEN NULL"
        " ELSE outbox.service_state END,"  # a corrected rejection is no longer in need of action
        " updated_at = excluded.updated_at",
        (uuid, version, content_hash, _now()),
    )


def get(conn: Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else default


def put(conn: Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key)"
        " DO UPDATE SET value = excluded.value",
        (key, value),
    )


def forget(conn: Connection, key: str) -> None:
    conn.execute("DELETE FROM sync_state WHERE key = ?", (key,))


# An application that waits for its photo (station/cards.py) is not sent: a version of it
# queued before is held in the outbox until the photo is added (its new version replaces it).
_HELD = (
    "EXISTS (SELECT 1 FROM applications a WHERE a.uuid = outbox.uuid AND a.state = 'photo_needed')"
)


def pending(conn: Connection, limit: int) -> list[tuple[str, int, str]]:
    return [
        (r[0], r[1], r[2])
        for r in conn.execute(
            "SELECT uuid, version, content_hash FROM outbox WHERE state = 'pending'"
            f" AND NOT {_HELD} ORDER BY updated_at, uuid LIMIT ?",
            (limit,),
        )
    ]


def open_batches(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT batch_id, body_sha256, content_type, body, exported_at FROM batches"
        " WHERE state = 'sending' ORDER BY created_at"
    ).fetchall()
    return [
        {
            "batch_id": r[0],
            "body_sha256": r[1],
            "content_type": r[2],
            "body": bytes(r[3]),
            "exported_at": r[4],
        }
        for r in rows
    ]


def open_batch_ids(conn: Connection) -> list[str]:
    """The batches sent (or exported) and not answered yet, oldest first."""
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT batch_id FROM batches WHERE state = 'sending' ORDER BY created_at"
        )
    ]


def stored_batch(conn: Connection, batch_id: str) -> dict[str, Any]:
    """One stored batch with its exact bytes (as ``open_batches`` gives them)."""
    r = conn.execute(
        "SELECT batch_id, body_sha256, content_type, body, exported_at FROM batches"
        " WHERE batch_id = ?",
        (batch_id,),
    ).fetchone()
    return {
        "batch_id": r[0],
        "body_sha256": r[1],
        "content_type": r[2],
        "body": bytes(r[3]),
        "exported_at": r[4],
    }


def mark_exported(conn: Connection, batch_id: str, at: str) -> None:
    """The batch was written to an export (``station sync --export``): the next online sync
    asks the service for its stored result before sending it again."""
    conn.execute("UPDATE batches SET exported_at = ? WHERE batch_id = ?", (at, batch_id))


# -- the central service's code tables (station profile) ----------------------------------------
def code_tables_problem(conn: Connection) -> dict[str, Any] | None:
    """The central service's last published table that this station refused (its version,
    the first problem's code, when), or None."""
    value = get(conn, "code_tables_refused")
    if not value:
        return None
    try:
        doc = json.loads(value)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def set_code_tables_problem(conn: Connection, problem: dict[str, Any] | None) -> None:
    put(conn, "code_tables_refused", json.dumps(problem, ensure_ascii=False) if problem else "")


def record_batch(
    conn: Connection,
    batch_id: str,
    body: bytes,
    body_sha256: str,
    content_type: str,
    items: list[tuple[str, int, str]],
) -> None:
    """Before sending: the exact bytes and what they carry; the records go in flight."""
    conn.execute(
        "INSERT INTO batches (batch_id, body_sha256, content_type, body, records, bytes,"
        " state, created_at) VALUES (?, ?, ?, ?, ?, ?, 'sending', ?)",
        (batch_id, body_sha256, content_type, body, len(items), len(body), _now()),
    )
    for uuid, version, chash in items:
        conn.execute(
            "INSERT INTO batch_items (batch_id, uuid, version, content_hash) VALUES (?, ?, ?, ?)",
            (batch_id, uuid, version, chash),
        )
        conn.execute(
            "UPDATE outbox SET state = 'in_flight', batch_id = ?, updated_at = ?"
            " WHERE uuid = ? AND version = ?",
            (batch_id, _now(), uuid, version),
        )


def batch_size(conn: Connection, batch_id: str) -> int:
    """How many records a stored batch carries."""
    return int(
        conn.execute("SELECT count(*) FROM batch_items WHERE batch_id = ?", (batch_id,)).fetchone()[
            0
        ]
    )


def abandon_batch(conn: Connection, batch_id: str, code: str, reject: bool = False) -> None:
    """The service did not take the batch at all: its records go back to pending (or, for a
    batch it can never accept, are marked for a person to look at)."""
    state = "rejected" if reject else "pending"
    conn.execute(
        "UPDATE outbox SET state = ?, result_code = ?, batch_id = NULL WHERE batch_id = ?"
        " AND state = 'in_flight'",
        (state, code if reject else None, batch_id),
    )
    conn.execute(
        "UPDATE batches SET state = 'done', body = NULL, response = ? WHERE batch_id = ?",
        (json.dumps({"abandoned": code}), batch_id),
    )


def set_aside(conn: Connection, batch_id: str, code: str) -> int:
    """The service refused a batch of one record as too large: the record is set aside as
    rejected (with ``code``, and the photo named when it has one, the usual culprit) for a
    person to fix; a correction sends it again. Returns how many records were set aside."""
    rows = conn.execute(
        "SELECT o.uuid, a.photo FROM outbox o JOIN applications a ON a.uuid = o.uuid"
        " WHERE o.batch_id = ? AND o.state = 'in_flight'",
        (batch_id,),
    ).fetchall()
    for uuid, photo in rows:
        conn.execute(
            "UPDATE outbox SET state = 'rejected', result_code = ?, result_field = ?,"
            " result_message = NULL, batch_id = NULL, updated_at = ? WHERE uuid = ?",
            (code, "photo" if photo else None, _now(), uuid),
        )
        conn.execute("UPDATE applications SET state = 'rejected' WHERE uuid = ?", (uuid,))
    conn.execute(
        "UPDATE batches SET state = 'done', body = NULL, response = ? WHERE batch_id = ?",
        (json.dumps({"set_aside": code}), batch_id),
    )
    return len(rows)


def set_clock_offset(conn: Connection, offset: float) -> None:
    """The service's clock minus ours, for signing (and for the doctor's clock check)."""
    put(conn, "clock_offset", f"{offset:.1f}")
    db.meta_put(conn, "clock_offset_seconds", f"{offset:.1f}")


# -- after a restore ------------------------------------------------------------------------------
def restored(conn: Connection) -> bool:
    """True until sync has asked the service for the truth after a restore."""
    return db.meta_get(conn, "restored_from") is not None


def unsettled(conn: Connection) -> list[str]:
    """The records whose fate at the service a restored station cannot know by itself."""
    return [
        r[0]
        for r in conn.execute("SELECT uuid FROM outbox WHERE state IN ('pending', 'in_flight')")
    ]


def settle_after_restore(
    conn: Connection, uuids: list[str], known: dict[str, dict[str, Any]]
) -> None:
    """What the service knows of ``uuids`` (its lookup answers, by uuid): a record it holds
    with the same content is accepted; anything else goes out again. Batches left from before
    the backup are closed and the restore mark goes."""
    for uuid in uuids:
        res = known.get(uuid)
        chash = conn.execute("SELECT content_hash FROM outbox WHERE uuid = ?", (uuid,)).fetchone()[
            0
        ]
        if res and res.get("state") in SERVICE_STATES and res.get("content_hash") == chash:
            conn.execute(
                "UPDATE outbox SET state = 'accepted', batch_id = NULL,"
                " service_state = ? WHERE uuid = ?",
                (res["state"], uuid),
            )
        else:
            conn.execute(
                "UPDATE outbox SET state = 'pending', batch_id = NULL WHERE uuid = ?", (uuid,)
            )
    conn.execute("UPDATE batches SET state = 'done', body = NULL WHERE state = 'sending'")
    db.meta_delete(conn, "restored_from")


# -- card handovers (recorded at the desk, reported with the next sync) ---------------------------
def handover_candidate(conn: Connection, ref: str) -> tuple[str, str | None] | None:
    """(uuid, service state) of the application ``ref`` (uuid or number), or None."""
    row = conn.execute(
        "SELECT a.uuid, o.service_state FROM applications a LEFT JOIN outbox o"
        " ON o.uuid = a.uuid WHERE a.uuid = ? OR a.number = ?",
        (ref, ref),
    ).fetchone()
    return None if row is None else (str(row[0]), row[1])


def handed_over(conn: Connection, uuid: str) -> bool:
    return conn.execute("SELECT 1 FROM handovers WHERE uuid = ?", (uuid,)).fetchone() is not None


def add_handover(conn: Connection, uuid: str, at: str, operator: str, id_checked: bool) -> None:
    conn.execute(
        "INSERT INTO handovers (uuid, at, operator, id_checked) VALUES (?, ?, ?, ?)",
        (uuid, at, operator, int(id_checked)),
    )


def unsent_handovers(conn: Connection) -> list[dict[str, str]]:
    return [
        {"uuid": u, "at": a, "operator": o}
        for u, a, o in conn.execute(
            "SELECT uuid, at, operator FROM handovers WHERE sent_at IS NULL ORDER BY at"
        )
    ]


def unsent_handover_count(conn: Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM handovers WHERE sent_at IS NULL").fetchone()[0])


def mark_handover(conn: Connection, uuid: str, error: str | None = None) -> None:
    """Reported to the service (``error`` None), or refused by it for ``error``."""
    if error is None:
        conn.execute(
            "UPDATE handovers SET sent_at = ?, error = NULL WHERE uuid = ?", (_now(), uuid)
        )
    else:
        conn.execute("UPDATE handovers SET error = ? WHERE uuid = ?", (error, uuid))


class BadResponse(ValueError):
    """A service answer that does not fit what was sent: nothing is applied."""


MAX_SEQ = 2**63 - 1  # what SQLite's INTEGER holds
TEXT_LIMITS = {"code": 64, "field": 200, "message": 2000, "at": 64}
MAX_DETAIL = 4096


def _is_seq(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_SEQ  # not bool, not past 2^63


def _text_ok(doc: dict[str, Any], key: str) -> bool:
    """``doc[key]`` absent, null or a string of a sane length (a service answer is stored)."""
    value = doc.get(key)
    return value is None or (isinstance(value, str) and len(value) <= TEXT_LIMITS[key])


def _detail(ev: dict[str, Any]) -> str | None:
    """An event's detail as stored: kept as the service sent it (the sync overview takes what
    it can use from it) when small, dropped when larger than MAX_DETAIL — the event itself
    still counts."""
    if not ev.get("detail"):
        return None
    text = json.dumps(ev["detail"])
    return text if len(text) <= MAX_DETAIL else None


def apply_results(conn: Connection, batch_id: str, response: dict[str, Any]) -> dict[str, int]:
    """Apply a batch's per-record results (inside the caller's transaction)."""
    items = {
        r[0]: (r[1], r[2])
        for r in conn.execute(
            "SELECT uuid, version, content_hash FROM batch_items WHERE batch_id = ?", (batch_id,)
        )
    }
    if not isinstance(response, dict):
        raise BadResponse("the response is not an object")
    results = response.get("results")
    if response.get("batch_id") != batch_id or not isinstance(results, list):
        raise BadResponse("the response is for another batch")
    seen: set[str] = set()
    for res in results:
        if (
            not isinstance(res, dict)
            or not isinstance(res.get("uuid"), str)
            or res["uuid"] not in items
            or res["uuid"] in seen
            or res.get("status") not in (*FINAL, "retry")
        ):
            raise BadResponse("a result for a record that was not sent, or twice")
        if not all(_text_ok(res, k) for k in ("code", "field", "message")):
            raise BadResponse("a result's code, field or message is not a short text")
        seen.add(res["uuid"])
    if seen != set(items):
        raise BadResponse("results missing for some records")
    counts = {s: 0 for s in (*FINAL, "retry")}
    for res in results:
        uuid, status = res["uuid"], res["status"]
        version, _chash = items[uuid]
        counts[status] += 1
        new_state = "pending" if status == "retry" else status
        conn.execute(
            "UPDATE outbox SET state = ?, result_code = ?, result_field = ?, result_message = ?,"
            " batch_id = CASE WHEN ? = 'pending' THEN NULL ELSE batch_id END, updated_at = ?,"
            " rejections = rejections + ? WHERE uuid = ? AND version = ? AND batch_id = ?",
            (
                new_state,
                res.get("code"),
                res.get("field"),
                res.get("message"),
                new_state,
                _now(),
                int(status == "rejected"),
                uuid,
                version,
                batch_id,
            ),
        )
        if status in ("accepted", "duplicate"):
            conn.execute(
                "UPDATE applications SET state = 'accepted' WHERE uuid = ? AND version = ?",
                (uuid, version),
            )
        elif status == "rejected":
            conn.execute("UPDATE applications SET state = 'rejected' WHERE uuid = ?", (uuid,))
        elif status == "conflict":
            conn.execute("UPDATE applications SET state = 'conflict' WHERE uuid = ?", (uuid,))
    conn.execute(
        "UPDATE batches SET state = 'done', body = NULL, response = ? WHERE batch_id = ?",
        (json.dumps(response), batch_id),
    )
    return counts


def number_taken(conn: Connection, batch_id: str) -> list[str]:
    """The records of ``batch_id`` the service refused because it holds their number under
    another application (they are renumbered and sent again)."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT uuid FROM outbox WHERE batch_id = ? AND state = 'rejected'"
            " AND result_code = 'number_taken'",
            (batch_id,),
        )
    ]


def apply_events(conn: Connection, events: Any, cursor: int, next_cursor: Any) -> int:
    """Apply change-feed events and move the cursor, in the caller's transaction. Applying an
    event twice changes nothing; a cursor that goes backwards or events out of order are
    refused."""
    if not isinstance(events, list) or not _is_seq(next_cursor) or next_cursor < cursor:
        raise BadResponse("the change feed went backwards")
    last = cursor
    applied = 0
    for ev in events:
        if (
            not isinstance(ev, dict)
            or not _is_seq(ev.get("seq"))
            or ev.get("type") not in SERVICE_STATES
            or not isinstance(ev.get("uuid"), str)
            or len(ev["uuid"]) > 64
            or not _text_ok(ev, "at")
        ):
            raise BadResponse("a malformed event")
        if ev["seq"] <= last:
            raise BadResponse("events out of order")
        last = ev["seq"]
    if events and next_cursor != last:
        raise BadResponse("the cursor does not match the events")
    for ev in events:
        cur = conn.execute(
            "INSERT OR IGNORE INTO status_events (seq, uuid, type, at, detail)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                ev["seq"],
                ev["uuid"],
                ev["type"],
                str(ev.get("at", "")),
                _detail(ev),
            ),
        )
        if cur.rowcount:
            applied += 1
            conn.execute(
                "UPDATE outbox SET service_state = ?, service_at = ?,"
                " rejections = rejections + ? WHERE uuid = ?",
                (ev["type"], str(ev.get("at", "")), int(ev["type"] == "rejected"), ev["uuid"]),
            )
            conn.execute(
                "UPDATE applications SET state = ? WHERE uuid = ?", (ev["type"], ev["uuid"])
            )
    put(conn, "cursor", str(max(next_cursor, cursor)))
    return applied


def summary(conn: Connection) -> dict[str, Any]:
    """The station's sync figures: the outbox by state (``pending`` without the versions held
    for a photo), ``photo_needed`` (applications waiting for their photo),
    ``rejected_in_production`` (the service refused a record after accepting it, and it has
    not been corrected yet), what needs a person, the last success and error, the cards
    ready."""
    counts = dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    out: dict[str, Any] = {s: counts.get(s, 0) for s in ("pending", "in_flight", *FINAL)}
    held = conn.execute(f"SELECT count(*) FROM outbox WHERE state = 'pending' AND {_HELD}")
    out["pending"] -= int(held.fetchone()[0])
    out["photo_needed"] = int(
        conn.execute("SELECT count(*) FROM applications WHERE state = 'photo_needed'").fetchone()[0]
    )
    out["rejected_in_production"] = production_rejections(conn)
    out["last_success"] = get(conn, "last_success")
    out["needs_action"] = out["rejected"] + out["conflict"] + out["rejected_in_production"]
    out["last_error"] = get(conn, "last_error")
    out["ready_for_pickup"] = conn.execute(
        "SELECT count(*) FROM outbox WHERE service_state = 'ready_for_pickup'"
    ).fetchone()[0]
    # renumbered because the service held their number: their receipts are printed again
    out["to_reprint"] = len(trust.to_reprint(conn))
    out["blocked"] = blocked(conn)
    refused = code_tables_problem(conn)
    out["code_tables_refused"] = (
        f"{refused.get('version', '?')} ({refused.get('code', '?')})" if refused else ""
    )
    out["exported"] = conn.execute(
        "SELECT count(*) FROM batches WHERE state = 'sending' AND exported_at IS NOT NULL"
    ).fetchone()[0]
    return out


def blocked(conn: Connection) -> str | None:
    """Why this station sends nothing until a technician acts, or None: ``reenrol_required``
    (restored from a backup), ``chain_broken`` (the central service found its audit chain
    gone backwards or rewritten)."""
    if trust.needs_reenrolment(conn):
        return "reenrol_required"
    if trust.chain_flag(conn):
        return "chain_broken"
    return None


def needing_action(conn: Connection) -> list[dict[str, Any]]:
    """The records the service refused or set aside, by application number (no personal
    data), with its code and field: what ``station sync --status`` lists."""
    return [
        {"number": r[0], "state": r[1], "code": r[2] or "", "field": r[3] or ""}
        for r in conn.execute(
            "SELECT a.number, o.state, o.result_code, o.result_field FROM outbox o"
            " JOIN applications a ON a.uuid = o.uuid WHERE o.state IN ('rejected', 'conflict')"
            " ORDER BY o.updated_at, a.number"
        )
    ]


def production_rejections(conn: Connection) -> int:
    """Records the service rejected in production (a ``rejected`` event after acceptance) and
    nobody has corrected yet (a correction puts them back to pending and clears the state)."""
    return int(
        conn.execute(
            "SELECT count(*) FROM outbox WHERE service_state = 'rejected'"
            " AND state NOT IN ('pending', 'in_flight', 'rejected', 'conflict')"
        ).fetchone()[0]
    )


def record_state(conn: Connection, uuid: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT state, version, result_code, result_field, result_message,"
        " service_state, service_at FROM outbox WHERE uuid = ?",
        (uuid,),
    ).fetchone()
    if row is None:
        return None
    events = [
        {"seq": r[0], "type": r[1], "at": r[2]}
        for r in conn.execute(
            "SELECT seq, type, at FROM status_events WHERE uuid = ? ORDER BY seq", (uuid,)
        )
    ]
    return {
        "state": row[0],
        "version": row[1],
        "code": row[2],
        "field": row[3],
        "message": row[4],
        "service_state": row[5],
        "service_at": row[6],
        "events": events,
    }
