"""Typed errors of the core. Each carries a stable machine code and a translated message;
``EXIT_RULES`` below is the one table that gives the exit code the command line returns for
each class and code (specs/cli.md). Messages never contain personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class StationError(Exception):
    """Base of every error the station reports to a person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def exit_code(self) -> int:
        """The command line's exit code for this error (``EXIT_RULES``)."""
        return exit_rule(self).exit

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


class UsageError(StationError):
    """Wrong usage — or, by its code, a refused value or a refusing state (``EXIT_RULES``)."""


class AuthError(StationError):
    """Not authenticated, locked out, disabled, or the role may not do this."""


class StorageError(StationError):
    """The database or its key slots cannot be used (damaged, foreign, truncated)."""


class NotFoundError(StationError):
    pass


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class ValidationError(StationError):
    """Input rejected by validation; nothing was stored. Carries every error at once."""

    def __init__(self, errors: list[FieldError]) -> None:
        from station.i18n import _

        super().__init__("validation", _("The input has {n} error(s)", n=len(errors)))
        self.errors = list(errors)

    def to_json(self) -> dict[str, Any]:
        return {"errors": [e.to_json() for e in self.errors]}


class DeviceError(StationError):
    """A device is missing, busy, unplugged, or answered wrongly (card removed, no face…)."""


class CentralError(StationError):
    """The central service is unreachable or refusing."""


# -- exit codes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExitRule:
    """Errors of class ``error`` exit with ``exit``: those whose code is in ``codes``, or every
    code of the class when ``codes`` is empty. A class whose rules name codes must name every
    code it is raised with (tests/test_cli_exits.py walks the code base)."""

    error: type[StationError]
    exit: int
    meaning: str
    codes: frozenset[str] = frozenset()


OK, FAILED, USAGE, AUTH, INVALID, DEVICE, CENTRAL = 0, 1, 2, 3, 4, 5, 6

EXIT_RULES: tuple[ExitRule, ...] = (
    ExitRule(ValidationError, INVALID, "input rejected by validation; nothing stored"),
    ExitRule(
        UsageError,
        INVALID,
        "a value that would be stored breaks its rule; nothing stored",
        frozenset(
            {
                "weak_password",
                "password_mismatch",
                "bad_station_code",
                "bad_operator_name",
                "bad_role",
                "no_photo",
            }
        ),
    ),
    ExitRule(
        UsageError,
        FAILED,
        "refused by the state of the station or of the record",
        frozenset(
            {
                "already_collected",
                "not_ready",
                "already_confirmed",
                "station_exists",
                "folder_not_empty",
                "operator_exists",
                "no_operator",
                "disable_self",
                "last_technician",
                "not_enrolled",
                "reenrol_required",
                "no_endorse_key",
                "endorse_key_invalid",
                "station_code_invalid",
                "has_photo",
                "photo_not_needed",
                "profile_not_newer",
                "profile_other_city",
                "no_export_key",
            }
        ),
    ),
    ExitRule(
        UsageError,
        USAGE,
        "wrong usage: a missing or malformed argument, an unusable input file",
        frozenset(
            {
                "no_password",
                "no_user",
                "no_recovery_code",
                "bad_date",
                "bad_period",
                "year_invalid",
                "no_file",
                "bad_format",
                "bad_file",
                "empty_file",
                "no_columns",
                "file_lost",
                "unreadable_input",
                "unreadable_photo",
                "unknown_driver",
                "sim_error_unknown",
                "unknown_format",
                "no_photo_folder",
                "photos_with_outcomes",
                "file_too_large",
                "too_many_columns",
                "bad_usage",
            }
        ),
    ),
    ExitRule(AuthError, AUTH, "not authenticated, locked out, or the role may not do this"),
    ExitRule(DeviceError, DEVICE, "device error: no reader, card removed, no face…"),
    ExitRule(CentralError, CENTRAL, "the central service is unreachable or refusing"),
    ExitRule(StorageError, FAILED, "the database, its key slots or a backup cannot be used"),
    ExitRule(NotFoundError, FAILED, "no such application or photo"),
    ExitRule(
        StationError,
        FAILED,
        "failed",
        frozenset(
            {
                "no_station",
                "audit_broken",
                "cannot_write",
                "no_sync",
                "extra_missing",
                "no_folder",
                "disk_full",
                "batch_damaged",
            }
        ),
    ),
)


def exit_rule(exc: StationError) -> ExitRule:
    """The rule of ``exc``: the nearest class (subclasses first) with a rule naming its code,
    else that class's rule for every code; a code no rule names takes the class's first rule."""
    for cls in type(exc).__mro__:
        rules = [r for r in EXIT_RULES if r.error is cls]
        if not rules:
            continue
        for rule in rules:
            if exc.code in rule.codes or not rule.codes:
                return rule
        return rules[-1]  # an unlisted code (a test fails on it): the class's last resort
    raise AssertionError("StationError has rules")  # pragma: no cover


__all__ = [
    "EXIT_RULES",
    "AuthError",
    "CentralError",
    "DeviceError",
    "ExitRule",
    "FieldError",
    "NotFoundError",
    "StationError",
    "StorageError",
    "UsageError",
    "ValidationError",
    "exit_rule",
]
