"""The station's settings: the ``config`` table, checked against ``station.settings``."""

from __future__ import annotations

from collections.abc import Mapping

from station import audit as auditlog
from station.errors import FieldError, ValidationError
from station.i18n import _
from station.settings import SETTINGS, check_setting
from station.store.base import Manager
from station.store.records import stamp


class Config(Manager):
    def get(self, key: str) -> str | None:
        """The raw value (internal use: drivers, sync); no role check, no audit."""
        row = self.conn.execute("SELECT value FROM config WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return str(row[0])
        setting = SETTINGS.get(key)
        return setting.default if setting else None

    def set(self, key: str, value: str, *, internal: bool = False) -> None:
        self.set_many({key: value}, internal=internal)

    def set_many(self, values: Mapping[str, str], *, internal: bool = False) -> None:
        """Several settings saved together (a page of the setup wizard): every value is checked
        first, then all are written and audited in one transaction — all of them or none. Each
        setting is changed only by the role with its permission (``Setting.permission``)."""
        if not internal:
            if not (self.store.can("config.write") or self.store.can("config.report")):
                self.require("config.write")
            for key in values:
                setting = SETTINGS.get(key)
                if setting is not None:
                    self.require(setting.permission)
        for key, value in values.items():
            if key in SETTINGS or not internal:
                check_setting(key, value, internal=internal)
        if not internal and "station.city" in values:
            profile = self.store.profiles.current()
            if profile is not None and profile.city != values["station.city"]:
                raise ValidationError(
                    [
                        FieldError(
                            "config.station.city",
                            "city_from_profile",
                            _(
                                "The city comes from the station profile ({city}); import the "
                                "profile of the station's city instead",
                                city=profile.city,
                            ),
                        )
                    ]
                )
        with self.store.transaction():
            for key, value in values.items():
                self._write(key, value, internal)

    def _write(self, key: str, value: str, internal: bool) -> None:
        """Inside the caller's transaction."""
        secret = key in SETTINGS and SETTINGS[key].secret
        self.conn.execute(
            "INSERT INTO config (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (key, value, stamp(), self.operator),
        )
        if not internal:
            detail = {"key": key} if secret else {"key": key, "value": value}
            auditlog.append(self.conn, self.operator, "config.set", detail=detail)

    def show(self, key: str) -> str | None:
        """The value as shown to a person: secrets masked."""
        self.require("config.read")
        if key not in SETTINGS:
            check_setting(key, "")
        value = self.get(key)
        if value and SETTINGS[key].secret:
            return "*" * len(value)
        return value

    def may_set(self, key: str) -> bool:
        """May this operator change the setting ``key``?"""
        setting = SETTINGS.get(key)
        return setting is not None and self.store.can(setting.permission)

    def all(self) -> dict[str, str | None]:
        self.require("config.read")
        return {k: self.show(k) for k in SETTINGS}

    def settings_map(self) -> dict[str, str]:
        """Every non-secret setting with its default, for device factories."""
        out = {k: s.default for k, s in SETTINGS.items() if s.default is not None}
        for k, v in self.conn.execute("SELECT key, value FROM config"):
            if k in SETTINGS and not SETTINGS[k].secret:
                out[k] = v
        return {k: v for k, v in out.items() if v is not None}
