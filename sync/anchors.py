"""The audit chain anchored at the central service, and revocations sent to it.

With every sync the station sends the head of its audit chain (seq, hash) and the hash its
chain has *now* at the last head the service receipted. The service keeps every head; it
answers with a receipt signed by its key (kept in ``audit_anchors``; ``station audit verify``
checks them), or flags the station: ``went_backwards`` (a lower seq than it saw) or
``rewritten`` (another hash at a seq it holds). A flagged station uploads nothing until a
technician re-enrols it; ``station audit verify`` compares the whole chain with every head the
service kept (``sync.verify``, the ``station.audit_anchors`` entry point).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import requests

from station import audit, db, identity, outbox, trust
from station.errors import CentralError
from station.i18n import _
from sync.errors import RetryLater

if TYPE_CHECKING:
    from sync.client import SyncClient

log = logging.getLogger(__name__)

JSON = {"Content-Type": "application/json"}


def chain_broken_error(flag: dict[str, Any]) -> CentralError:
    state = {"went_backwards": _("went backwards"), "rewritten": _("was rewritten")}.get(
        str(flag.get("state")), str(flag.get("state"))
    )
    return CentralError(
        "chain_broken",
        _(
            "The central service reports that this station's audit log {state} at entry {seq}: "
            "nothing is sent until a technician checks it ('station audit verify --online') "
            "and the bureau enrols the station again",
            state=state,
            seq=flag.get("seq", "?"),
        ),
    )


def _pin_service_key(client: SyncClient) -> str | None:
    """The service's public key, from enrolment; a station enrolled before receipts existed
    takes it from the service's configuration once."""
    key = trust.service_public_key(client.conn)
    if key is not None:
        return key
    try:
        doc = requests.get(client.server + "/v1/config", timeout=client.timeout).json()
    except (requests.RequestException, ValueError):
        return None
    key = doc.get("service_public_key") if isinstance(doc, dict) else None
    if not isinstance(key, str) or not identity.is_public_b64(key):
        return None
    with client.store.transaction():
        db.meta_put(client.conn, "service_public_key", key)
    return str(key)


def anchor(client: SyncClient) -> dict[str, Any] | None:
    """Send the chain head; keep the service's receipt. ``CentralError`` when the service
    says the chain is broken (the flag is kept: sync stops)."""
    conn = client.conn
    seq, head = trust.audit_head(conn)
    if seq == 0:
        return None
    body: dict[str, Any] = {"seq": seq, "hash": head}
    last = trust.last_anchor(conn, client.station_id)
    if last is not None:
        body["check_seq"] = last[0]
        body["check_hash"] = trust.entry_hash_at(conn, last[0]) or audit.GENESIS
    resp = client.request(
        "POST",
        f"/v1/stations/{client.station_id}/audit-heads",
        json.dumps(body).encode(),
        JSON,
    )
    if resp.status_code == 409:
        doc = client._json(resp)
        flag = doc.get("chain") if isinstance(doc, dict) else None
        if not isinstance(flag, dict) or not isinstance(flag.get("seq"), int):
            flag = {"state": "unknown", "seq": 0}
        flag = {"state": str(flag.get("state"))[:32], "seq": flag["seq"]}
        error = chain_broken_error(flag)
        with client.store.transaction():
            trust.set_chain_flag(conn, flag)
            outbox.put(conn, "last_error", f"409 chain_broken {flag['state']}")
        raise error
    if resp.status_code != 200:
        raise RetryLater(f"anchor HTTP {resp.status_code}")
    doc = client._json(resp)
    receipt = doc.get("receipt") if isinstance(doc, dict) else None
    service_key = _pin_service_key(client)
    if (
        service_key is None
        or not identity.verify_receipt(receipt, service_key)
        or not isinstance(receipt, dict)
        or (receipt.get("station_id"), receipt.get("seq"), receipt.get("hash"))
        != (client.station_id, seq, head)
    ):
        raise RetryLater("the anchor receipt does not verify")
    with client.store.transaction():
        trust.add_anchor(conn, receipt)
    return receipt


def send_revocations(client: SyncClient) -> int:
    """Revocations of disabled operators' keys: the service refuses those keys from then on."""
    sent = 0
    for statement in trust.unsent_revocations(client.conn):
        resp = client.request(
            "POST",
            f"/v1/stations/{client.station_id}/revocations",
            json.dumps(statement).encode(),
            JSON,
        )
        if resp.status_code in (200, 201):
            with client.store.transaction():
                trust.mark_revocation_sent(client.conn, statement["public_key"])
            sent += 1
        else:
            log.warning("a revocation was refused: HTTP %d", resp.status_code)
    return sent


__all__ = ["anchor", "chain_broken_error", "send_revocations"]
