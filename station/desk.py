"""The rest of the day at the desk, in the core: card pickup (the queue of cards ready at this
station and the handover, recorded locally first and sent with the next sync), the sync overview
(what is waiting, what needs action), and the supervisor's review of a day (figures by operator
and community, records flagged by rules, an audited end-of-day confirmation).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

from station import outbox
from station.errors import NotFoundError, UsageError
from station.i18n import _
from station.record import mask_id
from station.store import Store
from station.typedefs import ApplicationRecord, PickupItem


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _waited_days(since: str | None, today: dt.date) -> int | None:
    if not since:
        return None
    try:
        return (today - dt.date.fromisoformat(since[:10])).days
    except ValueError:
        return None


# -- card pickup ------------------------------------------------------------------------------
def pickup_queue(store: Store, today: dt.date | None = None) -> list[PickupItem]:
    """Cards the service reports ready at this station and not yet handed over, oldest first,
    with how many days each has waited."""
    store.require("app.search")
    today = today or dt.date.today()
    rows = store.conn.execute(
        "SELECT a.uuid, a.number, a.name, a.id_number, a.phone, o.service_at FROM outbox o"
        " JOIN applications a ON a.uuid = o.uuid LEFT JOIN handovers h ON h.uuid = o.uuid"
        " WHERE o.service_state = 'ready_for_pickup' AND h.uuid IS NULL AND a.purged = 0"
        " ORDER BY o.service_at, a.number"
    ).fetchall()
    return [
        {
            "uuid": u,
            "number": n,
            "name": name,
            "id_masked": mask_id(idn),
            "phone_tail": (phone or "")[-4:],
            "ready_at": at,
            "waited_days": _waited_days(at, today),
        }
        for u, n, name, idn, phone, at in rows
    ]


def find_in_queue(store: Store, id_number: str) -> str | None:
    """The uuid of the card waiting for this ID number (after an ID card read)."""
    store.require("app.search")
    row = store.conn.execute(
        "SELECT a.uuid FROM outbox o JOIN applications a ON a.uuid = o.uuid"
        " LEFT JOIN handovers h ON h.uuid = o.uuid WHERE o.service_state = 'ready_for_pickup'"
        " AND h.uuid IS NULL AND a.id_number = ? ORDER BY o.service_at LIMIT 1",
        (id_number.strip().upper(),),
    ).fetchone()
    return str(row[0]) if row else None


def record_handover(store: Store, ref: str, id_checked: bool) -> dict[str, Any]:
    """Record that the card was handed over (audited); it goes to the service with the next
    sync. Only a card the service reported ready, and only once."""
    store.require("pickup.handover")
    with store.transaction():
        found = outbox.handover_candidate(store.conn, ref)
        if found is None:
            raise NotFoundError("no_application", _("No application with this reference"))
        uuid, state = found
        if outbox.handed_over(store.conn, uuid) or state == "collected":
            raise UsageError("already_collected", _("This card has already been handed over"))
        if state != "ready_for_pickup":
            raise UsageError(
                "not_ready", _("The service has not reported this card ready for pickup")
            )
        at = _now()
        outbox.add_handover(store.conn, uuid, at, store.operator, id_checked)
        store.audit("pickup.handover", uuid, {"id_checked": bool(id_checked)})
    return {"uuid": uuid, "at": at}


def unsent_handovers(store: Store) -> list[dict[str, str]]:
    return outbox.unsent_handovers(store.conn)


def mark_handover(store: Store, uuid: str, error: str | None = None) -> None:
    with store.transaction():
        outbox.mark_handover(store.conn, uuid, error)


# -- photo overrides (a review flag) ------------------------------------------------------------
def note_photo_override(store: Store, uuid: str, reasons: list[str]) -> None:
    store.apps.note_photo_override(uuid, reasons)


# -- the home panel ---------------------------------------------------------------------------
def home_figures(store: Store, today: dt.date | None = None) -> dict[str, int]:
    """What waits for a person, for the home panel: applications waiting for their photo,
    records the service rejected in production and nobody has corrected yet, and the permits
    whose yearly endorsement falls due in the next 30 days."""
    store.require("app.search")
    from station.reports.endorsements_due import endorsements_due

    return {
        "photo_needed": store.apps.photo_needed_count(),
        "rejected_in_production": outbox.production_rejections(store.conn),
        "endorsements_due": len(endorsements_due(store, today)),
    }


# -- sync overview ----------------------------------------------------------------------------
def sync_overview(store: Store) -> dict[str, Any]:
    """Station-wide sync figures and the records that need a person: rejected (by the upload
    check or by production, with the field the service named) and conflicts."""
    store.require("app.search")
    summary = outbox.summary(store.conn)
    summary["handovers_unsent"] = outbox.unsent_handover_count(store.conn)
    action = []
    for uuid, number, name, state, code, field, message, sstate in store.conn.execute(
        "SELECT o.uuid, a.number, a.name, o.state, o.result_code, o.result_field,"
        " o.result_message, o.service_state FROM outbox o JOIN applications a"
        " ON a.uuid = o.uuid WHERE o.state IN ('rejected', 'conflict')"
        " OR (o.service_state = 'rejected' AND o.state NOT IN ('pending', 'in_flight'))"
        " ORDER BY o.updated_at"
    ):
        if sstate == "rejected" and state not in ("rejected", "conflict"):
            info = _event_detail(store, uuid, "rejected")
            state, code, field = "rejected", info.get("code"), info.get("field")
            message = message or info.get("message")
        action.append(
            {
                "uuid": uuid,
                "number": number,
                "name": name,
                "state": state,
                "code": code,
                "field": field or "",
                "message": message or code or "",
            }
        )
    summary["needs_action_list"] = action
    summary["needs_action"] = len(action)
    return summary


def _event_detail(store: Store, uuid: str, kind: str) -> dict[str, str]:
    """The newest event's detail as text fields; whatever else the service sent is ignored."""
    row = store.conn.execute(
        "SELECT detail FROM status_events WHERE uuid = ? AND type = ? ORDER BY seq DESC LIMIT 1",
        (uuid, kind),
    ).fetchone()
    try:
        info = json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        info = {}
    if not isinstance(info, dict):
        return {}
    return {k: v for k, v in info.items() if isinstance(k, str) and isinstance(v, str)}


def _when(stamp: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.astimezone()


# -- the supervisor's review --------------------------------------------------------------------
def day_review(store: Store, day: dt.date) -> dict[str, Any]:
    """The day by operator and community, and the records flagged by rules: a possible
    duplicate applicant (same ID number, or same name and birth date), a photo taken although
    a check failed, a correction after upload."""
    store.require("review")
    rows = store.conn.execute(
        "SELECT uuid, number, name, id_number, birth_date, operator, community, kind, version"
        " FROM applications WHERE day = ? ORDER BY number",
        (day.isoformat(),),
    ).fetchall()
    by_operator: Counter[str] = Counter()
    by_community: Counter[str] = Counter()
    flags: list[dict[str, Any]] = []
    for uuid, number, name, idn, birth, operator, community, _kind, _version in rows:
        by_operator[operator] += 1
        by_community[community or ""] += 1
        same_id = (
            store.conn.execute(
                "SELECT number FROM applications WHERE id_number = ? AND uuid != ? AND purged = 0",
                (idn, uuid),
            ).fetchall()
            if idn
            else []
        )
        same_nb = (
            store.conn.execute(
                "SELECT number FROM applications WHERE name = ? AND birth_date = ? AND uuid != ?"
                " AND purged = 0 AND (id_number IS NULL OR id_number != ?)",
                (name, birth, uuid, idn or ""),
            ).fetchall()
            if name and birth
            else []
        )
        base = {"uuid": uuid, "number": number, "name": name, "operator": operator}
        if same_id:
            flags.append(dict(base, flag="duplicate_id", others=[r[0] for r in same_id]))
        if same_nb:
            flags.append(dict(base, flag="duplicate_name_birth", others=[r[0] for r in same_nb]))
    by_uuid = {r[0]: r for r in rows}
    for uuid, reasons in store.apps.photo_overrides(list(by_uuid)).items():
        row = by_uuid[uuid]
        flags.append(
            {
                "uuid": uuid,
                "number": row[1],
                "name": row[2],
                "operator": row[5],
                "flag": "photo_override",
                "others": reasons,
            }
        )
    # corrections made today after the service had received the record (any day's records);
    # the times are compared as instants: the service's clock zone is not the station's
    next_day = (day + dt.timedelta(days=1)).isoformat()
    for uuid, number, name, operator, ts, received in store.conn.execute(
        "SELECT a.uuid, a.number, a.name, au.operator, au.ts, (SELECT min(e.at) FROM"
        " status_events e WHERE e.uuid = a.uuid AND e.type = 'received') FROM audit au"
        " JOIN applications a ON a.uuid = au.record_uuid WHERE au.action = 'app.correct'"
        " AND au.ts >= ? AND au.ts < ?",
        (day.isoformat(), next_day),
    ):
        corrected, got = _when(ts), _when(received)
        if corrected is not None and got is not None and got <= corrected:
            flags.append(
                {
                    "uuid": uuid,
                    "number": number,
                    "name": name,
                    "operator": operator,
                    "flag": "corrected_after_upload",
                    "others": [ts],
                }
            )
    return {
        "day": day.isoformat(),
        "total": len(rows),
        "by_operator": dict(by_operator.most_common()),
        "by_community": dict(by_community.most_common()),
        "flags": flags,
        "confirmed": store.review.confirmation(day),
    }


def confirm_day(store: Store, day: dt.date) -> dict[str, Any]:
    """The supervisor's end-of-day confirmation: audited with the day's figures, once a day."""
    store.require("review")
    review = day_review(store, day)
    if review["confirmed"]:
        raise UsageError("already_confirmed", _("This day has already been confirmed"))
    sync = outbox.summary(store.conn)
    summary = {
        "total": review["total"],
        "flags": len(review["flags"]),
        "pending": sync["pending"] + sync["in_flight"],
        "needs_action": sync["needs_action"],
    }
    at = store.review.confirm(day, summary)
    return {"day": day.isoformat(), "at": at, **summary}


def endorse_outcome(exc: BaseException) -> str:
    """After a failed card write: 'uncertain' when the card went away during the write itself
    (it may hold the endorsement), else 'failed' (refused before or by the card: nothing on
    it)."""
    code = getattr(exc, "code", "")
    return "uncertain" if code in ("card_removed", "endorse_not_stored") else "failed"


def card_person(store: Store, id_number: str) -> ApplicationRecord | None:
    """The newest full record of this ID number at the station (endorsement match)."""
    store.require("app.view")
    row = store.conn.execute(
        "SELECT uuid FROM applications WHERE id_number = ? AND purged = 0"
        " ORDER BY captured_at DESC LIMIT 1",
        (id_number.strip().upper(),),
    ).fetchone()
    if row is None:
        return None
    rec = store.get_application(row[0])
    return rec


__all__ = [
    "pickup_queue",
    "find_in_queue",
    "record_handover",
    "unsent_handovers",
    "mark_handover",
    "note_photo_override",
    "sync_overview",
    "home_figures",
    "day_review",
    "confirm_day",
    "card_person",
    "endorse_outcome",
]
