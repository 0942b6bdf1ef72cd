"""The station profile (specs/reference-data.md): the city's own reference data — its streets
(街道) and communities (社区) with their 12-digit codes — and the station's name, address and
phone, loaded at provisioning (``station profile import``) or from the central service.

Validation, the intake wizard's pickers, reports and spreadsheet import all read the
communities from the loaded profile (``Store.station_profile()``); the demo table in
``resources/codes/communities.json`` reaches the product only as a profile too, for ``station
demo`` and the tests (``station.profile.demo``).

- ``Profile`` (here): a checked profile and its lookups;
- ``station.profile.check``: ``parse_document`` — every rule on a profile document, every
  problem at once;
- ``station.profile.files``: reading a profile file (JSON or XLSX) and the XLSX template;
- ``station.profile.demo``: the demo table as a profile document.

The document (JSON; the XLSX template holds the same in three sheets)::

    {"format": "station-profile", "version": "2026.3", "city": "6101",
     "station": {"name": "…", "address": "…", "phone": "…"},
     "streets": [{"code": "610113002", "name": "小寨路街道"}],
     "communities": [{"code": "610113002001", "name": "长延堡社区"}]}

A street's code is its district's 6 digits and 3 more; a community's is its street's 9 and 3
more. The central service publishes the same document without ``station``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from station import codes

FORMAT = "station-profile"
VERSION_RE = re.compile(r"^[0-9A-Za-z]{1,16}(?:[._-][0-9A-Za-z]{1,16}){0,7}$")
STATION_KEYS = ("name", "address", "phone")


def version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """Order of profile versions: dotted parts compared as numbers when they are digits
    (``2026.10`` is newer than ``2026.9``), as text otherwise; a longer version that starts
    with a shorter one is newer (``2026.3.1`` > ``2026.3``)."""
    parts = re.split(r"[._-]", version)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def is_newer(candidate: str, current: str) -> bool:
    return version_key(candidate) > version_key(current)


@dataclass(frozen=True)
class Street:
    code: str  # 9 digits: the district's 6 and 3
    name: str

    @property
    def district(self) -> str:
        return self.code[:6]


@dataclass(frozen=True)
class Community:
    code: str  # 12 digits: the street's 9 and 3
    name: str
    street_code: str
    street: str

    @property
    def district(self) -> str:
        return self.code[:6]

    def to_json(self) -> dict[str, str]:
        """The shape the pickers use: ``{"code", "name", "street_code", "street"}``."""
        return {
            "code": self.code,
            "name": self.name,
            "street_code": self.street_code,
            "street": self.street,
        }


@dataclass(frozen=True)
class StationInfo:
    name: str = ""
    address: str = ""
    phone: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "address": self.address, "phone": self.phone}

    def __bool__(self) -> bool:
        return bool(self.name or self.address or self.phone)


@dataclass(frozen=True)
class Profile:
    """A checked profile (made by ``check.parse_document`` or, for a stored one, by
    ``from_document``). The lookups are built once."""

    version: str
    city: str
    streets: tuple[Street, ...]
    communities: tuple[Community, ...]
    station: StationInfo = StationInfo()
    _by_district: dict[str, tuple[Community, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _names: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _by_code: dict[str, Community] = field(default_factory=dict, repr=False, compare=False)
    _by_name: dict[tuple[str, str], Community] = field(
        default_factory=dict, repr=False, compare=False
    )
    _districts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_district: dict[str, list[Community]] = {}
        for c in self.communities:
            by_district.setdefault(c.district, []).append(c)
        self._by_district.update({d: tuple(cs) for d, cs in by_district.items()})
        self._names.update(
            {d: frozenset(c.name for c in cs) for d, cs in self._by_district.items()}
        )
        self._by_code.update({c.code: c for c in self.communities})
        self._by_name.update({(c.district, c.name): c for c in self.communities})
        self._districts.update(codes.divisions(self.city))

    # -- made from a stored (already checked) document ------------------------------------------
    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Profile:
        """A profile from a document that passed ``check.parse_document`` before (the stored
        one): no checks, only the lookups."""
        streets = tuple(Street(s["code"], s["name"]) for s in doc["streets"])
        street_names = {s.code: s.name for s in streets}
        communities = tuple(
            Community(c["code"], c["name"], c["code"][:9], street_names.get(c["code"][:9], ""))
            for c in doc["communities"]
        )
        station = doc.get("station") or {}
        return cls(
            version=str(doc["version"]),
            city=str(doc["city"]),
            streets=streets,
            communities=communities,
            station=StationInfo(*(str(station.get(k) or "") for k in STATION_KEYS)),
        )

    def document(self, *, with_station: bool = True) -> dict[str, Any]:
        """The profile as its JSON document (``with_station=False``: what the central service
        publishes, the city's tables without this station's own details)."""
        doc: dict[str, Any] = {
            "format": FORMAT,
            "version": self.version,
            "city": self.city,
            "streets": [{"code": s.code, "name": s.name} for s in self.streets],
            "communities": [{"code": c.code, "name": c.name} for c in self.communities],
        }
        if with_station and self.station:
            doc["station"] = self.station.to_json()
        return doc

    def canonical(self, *, with_station: bool = True) -> bytes:
        return json.dumps(
            self.document(with_station=with_station),
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        ).encode()

    def sha256(self, *, with_station: bool = True) -> str:
        return hashlib.sha256(self.canonical(with_station=with_station)).hexdigest()

    def with_station(self, station: StationInfo) -> Profile:
        """The same tables with another station's details (a table from the central service
        keeps the station's own name, address and phone)."""
        return Profile(self.version, self.city, self.streets, self.communities, station)

    # -- lookups ---------------------------------------------------------------------------------
    @property
    def city_name(self) -> str:
        return codes.cities().get(self.city, self.city)

    @property
    def districts(self) -> Mapping[str, str]:
        """The city's current districts (GB/T 2260, divisions.json): 6-digit code → name."""
        return self._districts

    def communities_of(self, division: str) -> tuple[Community, ...]:
        return self._by_district.get(division, ())

    def community_names(self, division: str) -> frozenset[str]:
        return self._names.get(division, frozenset())

    def community(self, code: str) -> Community | None:
        return self._by_code.get(code)

    def find(self, division: str, name: str) -> Community | None:
        return self._by_name.get((division, name))

    def label(self, division: str, community: str) -> str:
        """``雁塔区 小寨路街道 长延堡社区`` for reports: district, street and community names
        (what is not known stays as given)."""
        district = self._districts.get(division, division)
        found = self.find(division, community)
        parts = [district, found.street if found else "", community]
        return " ".join(p for p in parts if p)

    def summary(self) -> dict[str, Any]:
        """What the profile holds, in the shape of ``station profile show``."""
        return {
            "version": self.version,
            "city": self.city,
            "city_name": self.city_name,
            "streets": len(self.streets),
            "communities": len(self.communities),
            "districts": self.counts(),
            "station": self.station.to_json(),
        }

    def counts(self) -> list[dict[str, Any]]:
        """Per district of the profile: its code and name, streets and communities."""
        streets: dict[str, int] = {}
        for s in self.streets:
            streets[s.district] = streets.get(s.district, 0) + 1
        names = self.districts
        return [
            {
                "district": d,
                "name": names.get(d, d),
                "streets": streets[d],
                "communities": len(self._by_district.get(d, ())),
            }
            for d in sorted(streets)
        ]


__all__ = [
    "FORMAT",
    "Community",
    "Profile",
    "StationInfo",
    "Street",
    "is_newer",
    "version_key",
]
