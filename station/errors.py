"""Typed errors of the core. Each carries a stable machine code, a translated message and the
exit code the CLI uses for it (specs/cli.md). Messages never contain personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class StationError(Exception):
    """Base of every error the station reports to a person."""

    exit_code = 1

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


class UsageError(StationError):
    exit_code = 2


class AuthError(StationError):
    """Not authenticated, locked out, disabled, or the role may not do this."""

    exit_code = 3


class StorageError(StationError):
    """The database or its key slots cannot be used (damaged, foreign, truncated)."""

    exit_code = 1


class NotFoundError(StationError):
    exit_code = 1


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class ValidationError(StationError):
    """Input rejected by validation; nothing was stored. Carries every error at once."""

    exit_code = 4

    def __init__(self, errors: list[FieldError]) -> None:
        from station.i18n import _

        super().__init__("validation", _("The input has {n} error(s)", n=len(errors)))
        self.errors = list(errors)

    def to_json(self) -> dict[str, Any]:
        return {"errors": [e.to_json() for e in self.errors]}


class DeviceError(StationError):
    """A device is missing, busy, unplugged, or answered wrongly (card removed, no face…)."""

    exit_code = 5


class CentralError(StationError):
    """The central service is unreachable or refusing."""

    exit_code = 6
