"""The demo table (``resources/codes/communities.json``: invented streets and communities for
every district of the two cities of the source documents) as a station profile document, for
``station demo``, the sample records and the tests — the product reads communities only from a
loaded profile, and the demo reaches it through the same door."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from station.profile import FORMAT, Profile
from station.resources import resource_path

if TYPE_CHECKING:
    from station.store import Store

DEMO_VERSION = "demo.1"
DEMO_STATION = {
    "4501": {
        "name": "青秀区新竹街道流动人口服务站（演示）",
        "address": "南宁市青秀区示例路1号",
        "phone": "0771-0000000",
    },
    "6101": {
        "name": "雁塔区流动人口服务站（演示）",
        "address": "西安市雁塔区示例路1号",
        "phone": "029-00000000",
    },
}


@cache
def _table() -> dict[str, list[dict[str, str]]]:
    with resource_path("codes", "communities.json").open(encoding="utf-8") as fh:
        data: dict[str, list[dict[str, str]]] = json.load(fh)
    return data


def demo_document(city: str = "4501", version: str = DEMO_VERSION) -> dict[str, Any]:
    """The demo streets and communities of ``city`` (4501 or 6101) as a profile document."""
    streets: dict[str, str] = {}
    communities = []
    for district, rows in sorted(_table().items()):
        if not district.startswith(city):
            continue
        for row in rows:
            streets.setdefault(row["street_code"], row["street"])
            communities.append({"code": row["code"], "name": row["name"]})
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": version,
        "city": city,
        "streets": [{"code": c, "name": n} for c, n in sorted(streets.items())],
        "communities": communities,
    }
    if city in DEMO_STATION:
        doc["station"] = dict(DEMO_STATION[city])
    return doc


@cache
def demo_profile(city: str = "4501") -> Profile:
    """The demo document, checked like any other profile."""
    from station.profile.check import parse_document

    return parse_document(demo_document(city))


def install_demo(store: Store, city: str = "4501") -> dict[str, Any]:
    """Load the demo table as the station's profile (a technician's store)."""
    return store.profiles.install(demo_profile(city), source="communities.json", origin="demo")


__all__ = ["DEMO_VERSION", "demo_document", "demo_profile", "install_demo"]
