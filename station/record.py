"""The application record on the wire: canonical JSON and content hash (specs/sync.md)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

KINDS = ("new", "endorsement", "change", "replacement", "deregistration")
SERVICES = (
    "employment",
    "education",
    "health",
    "family_planning",
    "legal",
    "vehicle",
    "community",
    "other",
)
DWELLING_TYPES = ("rented", "own", "dormitory", "relative", "other")
# Keys the station adds to a record; everything else comes from the coordinator or a card.
STATION_KEYS = ("uuid", "number", "captured_at", "operator", "photo", "state")


def canonical_json(record: Mapping[str, Any]) -> bytes:
    """Sorted keys, UTF-8, no insignificant whitespace."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def content_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON; the photo enters as its own SHA-256 (``photo`` key)."""
    body = {k: v for k, v in record.items() if k != "state"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def mask_id(id_number: str | None) -> str:
    """``1101**********002X``: first four and last four characters shown."""
    if not id_number:
        return ""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def get_path(record: Mapping[str, Any], path: str) -> Any:
    """Value at a dotted path (``members.0.name``), or ``None``."""
    cur: Any = record
    for part in path.split("."):
        if isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return None
    return cur
