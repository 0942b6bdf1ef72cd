"""The station profile in the encrypted database: the active one (cached while it stays
active), installing a new version in one transaction (the old row deactivated, the new one
inserted, the station's city, name, address and phone set, the audit entry written — all or
nothing), and what ``station profile show`` lists."""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any

from station import audit as auditlog
from station.errors import UsageError
from station.i18n import _
from station.profile import Profile, is_newer
from station.store.base import Manager
from station.store.records import stamp

ORIGINS = ("file", "central", "demo")


class Profiles(Manager):
    _cached: tuple[int, Profile] | None = None

    def current(self) -> Profile | None:
        """The active profile, or None when no profile was ever loaded. No role check: every
        operator's intake validates against it."""
        row = self.conn.execute("SELECT id FROM profiles WHERE active = 1").fetchone()
        if row is None:
            return None
        if self._cached is not None and self._cached[0] == row[0]:
            return self._cached[1]
        doc = self.conn.execute("SELECT document FROM profiles WHERE id = ?", (row[0],)).fetchone()
        profile = Profile.from_document(json.loads(doc[0]))
        self._cached = (int(row[0]), profile)
        return profile

    def info(self) -> dict[str, Any] | None:
        """What is loaded: version, where it came from, the city, counts per district, the
        station's details; None when nothing is."""
        self.require("config.read")
        row = self.conn.execute(
            "SELECT version, origin, source, imported_at, imported_by, sha256 FROM profiles"
            " WHERE active = 1"
        ).fetchone()
        profile = self.current()
        if row is None or profile is None:
            return None
        return {
            **profile.summary(),
            "version": row[0],
            "origin": row[1],
            "source": row[2],
            "imported_at": row[3],
            "imported_by": row[4],
            "sha256": row[5],
        }

    def history(self) -> list[dict[str, Any]]:
        self.require("config.read")
        return [
            {
                "version": r[0],
                "origin": r[1],
                "source": r[2],
                "imported_at": r[3],
                "imported_by": r[4],
                "active": bool(r[5]),
            }
            for r in self.conn.execute(
                "SELECT version, origin, source, imported_at, imported_by, active FROM profiles"
                " ORDER BY id"
            )
        ]

    def install(
        self,
        profile: Profile,
        *,
        source: str,
        origin: str = "file",
        force: bool = False,
        internal: bool = False,
    ) -> dict[str, Any]:
        """Make ``profile`` (checked already) the active one. A technician imports a file or
        the demo table; sync installs the central service's (``internal``). Refused: another
        city than the station code's, or a version not newer than the loaded one (unless
        ``force``)."""
        if not internal:
            self.require("profile.import")
        if origin not in ORIGINS:
            raise ValueError(origin)
        station_city = self.store.station_code[:4]
        if profile.city != station_city:
            raise UsageError(
                "profile_other_city",
                _(
                    "The profile is for city {city}, but this station's code {code} is in city "
                    "{station_city}: check that this is the station's own profile",
                    city=profile.city,
                    code=self.store.station_code,
                    station_city=station_city,
                ),
            )
        name = PurePath(source).name or source  # the file's name, not where it was
        with self.store.transaction():
            old = self.conn.execute("SELECT id, version FROM profiles WHERE active = 1").fetchone()
            if old is not None and not force and not is_newer(profile.version, old[1]):
                raise UsageError(
                    "profile_not_newer",
                    _(
                        "Version {version} is not newer than the loaded version {current}; "
                        "nothing changed (--force loads it anyway)",
                        version=profile.version,
                        current=old[1],
                    ),
                )
            self.conn.execute("UPDATE profiles SET active = 0 WHERE active = 1")
            self.conn.execute(
                "INSERT INTO profiles (version, city, origin, source, sha256, document,"
                " imported_at, imported_by, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
                (
                    profile.version,
                    profile.city,
                    origin,
                    name,
                    profile.sha256(),
                    profile.canonical().decode(),
                    stamp(),
                    self.operator,
                ),
            )
            settings = {"station.city": profile.city}
            if profile.station:
                settings.update(
                    {
                        "station.name": profile.station.name,
                        "station.address": profile.station.address,
                        "station.phone": profile.station.phone,
                    }
                )
            self.store.config.set_many(settings, internal=True)
            detail = {
                "version": profile.version,
                "previous": old[1] if old else None,
                "city": profile.city,
                "origin": origin,
                "source": name,
                "streets": len(profile.streets),
                "communities": len(profile.communities),
                "sha256": profile.sha256(),
                "forced": force,
            }
            auditlog.append(self.conn, self.operator, "profile.import", detail=detail)
        self._cached = None
        return detail


__all__ = ["Profiles"]
