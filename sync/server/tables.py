"""What the service publishes besides the protocol itself: each city's code tables (the
streets and communities of the station profile, ``GET /v1/code-tables``) and its X25519 key
for offline exports (``/v1/config``'s ``export_key``).

A table is checked with the station's own rules (``station.profile.check``) before it is
published, and records are validated against the table published for the uploading station's
city (the first 4 digits of its station code); for a city without a table, communities are not
checked (the district still is).
"""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from station.profile import Profile, is_newer
from sync.sealed import raw_private, raw_public
from sync.server.store import CentralStore

EXPORT_KEY = "export-x25519"
_lock = threading.Lock()
_profiles: dict[tuple[str, str], Profile] = {}  # (city, sha256) → the parsed table


def export_private_key(store: CentralStore) -> X25519PrivateKey:
    hex_key = store.service_key(EXPORT_KEY, lambda: raw_private(X25519PrivateKey.generate()).hex())
    return X25519PrivateKey.from_private_bytes(bytes.fromhex(hex_key))


def export_public_key(store: CentralStore) -> str:
    """Base64 of the raw 32-byte X25519 public key stations seal their exports to."""
    return base64.b64encode(raw_public(export_private_key(store).public_key())).decode()


def publish(store: CentralStore, profile: Profile, force: bool = False) -> str | None:
    """Publish a checked profile's tables for its city (its station details are not
    published); the version already published when this one is not newer (and not
    ``force``), else None."""
    document = profile.canonical(with_station=False).decode()
    sha = profile.sha256(with_station=False)

    def newer(candidate: str, current: str) -> bool:
        return force or is_newer(candidate, current)

    return store.publish_code_tables(profile.city, profile.version, document, sha, newer)


def city_profile(store: CentralStore, city: str) -> Profile | None:
    """The table published for ``city`` as a profile (parsed once per version)."""
    found = store.code_tables(city)
    if found is None:
        return None
    _version, document, sha = found
    with _lock:
        cached = _profiles.get((city, sha))
    if cached is not None:
        return cached
    profile = Profile.from_document(json.loads(document))
    with _lock:
        if len(_profiles) > 64:
            _profiles.clear()
        _profiles[(city, sha)] = profile
    return profile


def station_city(store: CentralStore, station_id: str) -> str | None:
    code = store.station_code(station_id)
    return code[:4] if code else None


def residence_rules(store: CentralStore, station_id: str) -> dict[str, Any]:
    """Keyword arguments of ``check_application`` for a record of this station: the city's
    published table, or (none published) the district checked against the city only."""
    city = station_city(store, station_id)
    profile = city_profile(store, city) if city else None
    return {"profile": profile, "city": city, "unchecked_communities": profile is None}


__all__ = [
    "city_profile",
    "export_private_key",
    "export_public_key",
    "publish",
    "residence_rules",
    "station_city",
]
