"""Enrolment: the station's identity key registered with the central service.

The station identity key is made at ``station init`` and kept in the technician vault
(``station.keys``), so only a technician can enrol. A first enrolment sends that key. Every
later one — a re-enrolment, a PC restored from a backup, a station made before the vault — makes
a new identity key first (``Vault.rotate``): the service retires the earlier keys of the station
code (one identity per station), and answers with the highest application number it has seen
per day for the code, which the station continues above. A station made before the vault gets
its vault at this moment: its old sync key, readable by every operator, is deleted, and a new
recovery code is printed (the recovery slot must wrap the vault, and nobody knows the old code
here).
"""

from __future__ import annotations

import re
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station import db, identity, outbox, trust
from station.errors import CentralError
from station.i18n import _
from station.store import Store

_DAY = re.compile(r"^[0-9]{8}$")


def _answer(resp: requests.Response) -> dict[str, Any]:
    """The enrolment answer, checked (a hostile or broken service changes nothing)."""
    try:
        doc = resp.json()
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("station_id"), str):
        raise CentralError("enrol_failed", _("The central service's answer is not an enrolment"))
    service_key = doc.get("service_public_key")
    sequences = doc.get("sequences") or {}
    superseded = doc.get("superseded") or []
    if (
        not re.fullmatch(r"st-[0-9a-f]{16}", doc["station_id"])
        or (service_key is not None and not identity.is_public_b64(service_key))
        or not isinstance(sequences, dict)
        or not all(
            isinstance(d, str) and _DAY.match(d) and type(n) is int and 0 <= n < 10**6
            for d, n in sequences.items()
        )
        or not isinstance(superseded, list)
        or not all(isinstance(s, str) and len(s) <= 64 for s in superseded)
    ):
        raise CentralError("enrol_failed", _("The central service's answer is not an enrolment"))
    return {
        "station_id": doc["station_id"],
        "service_public_key": service_key,
        "sequences": sequences,
        "superseded": superseded,
    }


def _post(
    store: Store, server: str, code: str, new_key: Ed25519PrivateKey | None, timeout: float
) -> requests.Response:
    key = new_key if new_key is not None else store.vault.station_key()
    body = {
        "code": code,
        "public_key": identity.public_b64(key),
        "station_code": store.station_code,
    }
    try:
        return requests.post(f"{server}/v1/stations:enrol", json=body, timeout=timeout)
    except requests.RequestException as exc:
        raise CentralError(
            "unreachable",
            _(
                "The central service cannot be reached at {server}: check the network and the "
                "address",
                server=server,
            ),
        ) from exc


def enrol(store: Store, server: str, code: str, timeout: float = 20) -> dict[str, Any]:
    """Enrol this station (technician). Returns ``{station_id, server, superseded,
    rotated}`` and, when the station moved onto the vault, ``recovery_code`` and the
    operators a technician must reset (``to_reset``)."""
    store.require("enrol")
    server = server.rstrip("/")
    conn = store.conn
    rotate = bool(
        store.vault.legacy or outbox.get(conn, "station_id") or trust.needs_reenrolment(conn)
    )
    new_key = None
    if rotate:
        store.vault.check_can_rotate()  # refused before anything is sent
        new_key = identity.new_key()
    resp = _post(store, server, code, new_key, timeout)
    if resp.status_code == 409 and new_key is None:
        # The service knows the station's key: an earlier enrolment went through but this
        # station did not record it (its answer was lost, or the local write failed). The key
        # is rotated and the same code used again; the service retires the orphaned enrolment.
        store.vault.check_can_rotate()
        rotate, new_key = True, identity.new_key()
        resp = _post(store, server, code, new_key, timeout)
    if resp.status_code == 403:
        raise CentralError(
            "bad_enrol_code",
            _("The central service refused the enrolment code (unknown or already used)"),
        )
    if resp.status_code == 409:
        raise CentralError(
            "already_enrolled",
            _(
                "The central service already has this station's key on record (an earlier "
                "enrolment went through): nothing was changed here; run 'station enrol' again "
                "with a new code from the bureau"
            ),
        )
    if resp.status_code != 201:
        raise CentralError(
            "enrol_failed", _("Enrolment failed (HTTP {status})", status=resp.status_code)
        )
    doc = _answer(resp)
    station_id = doc["station_id"]
    result: dict[str, Any] = {
        "station_id": station_id,
        "server": server,
        "superseded": doc["superseded"],
        "rotated": rotate,
    }

    def record() -> None:
        """The enrolment's own writes (after the rotation's, before its key-slot file)."""
        outbox.put(conn, "station_id", station_id)
        outbox.put(conn, "server", server)
        outbox.forget(conn, "private_key")  # a key from before the vault: readable by anyone
        outbox.put(conn, "last_error", "")
        if doc["service_public_key"]:
            db.meta_put(conn, "service_public_key", doc["service_public_key"])
        db.meta_delete(conn, "reenrol_required")
        trust.set_chain_flag(conn, None)
        store.apps.raise_sequences(doc["sequences"])
        store.config_set("sync.server", server, internal=True)
        store.audit(
            "sync.enrol",
            detail={
                "station_id": station_id,
                "rotated": rotate,
                "superseded": len(doc["superseded"]),
            },
        )

    # the identity, the numbers to continue above, the server setting and the audit entry
    with store.transaction():
        if new_key is None:
            record()
        else:
            rotation = store.vault.rotate(new_key, also=record)
            if rotation.recovery_code:
                result["recovery_code"] = rotation.recovery_code
            result["to_reset"] = rotation.to_reset
    return result


__all__ = ["enrol"]
