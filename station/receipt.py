"""The intake receipt (受理回执): what it says, Qt-free. Rendering is in ui/receipt.py."""

from __future__ import annotations

import datetime as dt
import json

from station import codes, trust
from station.record import mask_id
from station.store import Store
from station.typedefs import Receipt


def receipt_data(store: Store, ref: str) -> Receipt:
    """What the receipt says. An application renumbered at sync (the central service held its
    number) is no longer waiting for its receipt to be printed again once this is made."""
    rec = store.get_application(ref, audit_view=False)
    with store.transaction():
        trust.mark_reprinted(store.conn, rec["uuid"])
    days = int(store.config_get("receipt.pickup_days") or "15")
    taken = dt.date.fromisoformat(rec["captured_at"][:10])
    person = rec.get("person") or {}
    return {
        "number": rec["number"],
        "uuid": rec["uuid"],
        "kind": codes.label("kinds", rec["kind"]),
        "name": person.get("name", ""),
        "id_masked": mask_id(person.get("id_number")),
        "services": [codes.label("services", s) for s in rec.get("services") or []],
        "taken": taken.isoformat(),
        "pickup": (taken + dt.timedelta(days=days)).isoformat(),
        "station": store.config_get("station.name") or store.station_code,
        "address": store.config_get("station.address") or "",
        "phone": store.config_get("station.phone") or "",
        "qr": json.dumps({"n": rec["number"], "u": rec["uuid"]}, separators=(",", ":")),
    }
