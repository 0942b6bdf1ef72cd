"""``station audit verify`` online: every head of this station's audit chain that the central
service kept, and the chain state it holds (the ``station.audit_anchors`` entry point, so that
the core's command can ask without importing the sync layer)."""

from __future__ import annotations

from typing import Any

from station import outbox
from station.errors import CentralError
from station.i18n import _
from station.store import Store
from sync.client import SyncClient
from sync.errors import RetryLater


def service_heads(store: Store, timeout: float = 10.0) -> dict[str, Any] | None:
    """Every head the service kept for this station and its chain state (``audit verify``);
    None when the station is not enrolled. ``CentralError`` when the service cannot be asked."""
    if not outbox.get(store.conn, "station_id"):
        return None
    client = SyncClient(store, timeout=timeout)
    heads: list[dict[str, Any]] = []
    since = 0
    try:
        while True:
            resp = client.request(
                "GET",
                f"/v1/stations/{client.station_id}/audit-heads",
                params={"since": since, "limit": 1000},
            )
            doc = client._json(resp) if resp.status_code == 200 else None
            if not isinstance(doc, dict) or not isinstance(doc.get("heads"), list):
                raise RetryLater(f"audit heads HTTP {resp.status_code}")
            heads += doc["heads"]
            nxt = doc.get("next")
            if not doc["heads"] or not isinstance(nxt, int) or nxt <= since:
                break
            since = nxt
    except RetryLater as exc:
        raise CentralError(
            "unreachable",
            _(
                "The central service cannot be asked for this station's audit heads ({why})",
                why=exc.why,
            ),
        ) from exc
    return {
        "station_id": client.station_id,
        "state": str(doc.get("state", "unknown"))[:32],
        "flag": doc.get("flag"),
        "heads": heads,
    }


__all__ = ["service_heads"]
