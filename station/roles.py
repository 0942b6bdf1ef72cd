"""Roles and what each may do; enforced in the core (every Store method checks), not in the UI."""

from __future__ import annotations

from station.errors import AuthError
from station.i18n import _

COORDINATOR = "coordinator"
SUPERVISOR = "supervisor"
TECHNICIAN = "technician"

_COMMON = {"session.own_password"}
_RECORDS = {
    "app.create",
    "app.search",
    "app.view",
    "app.correct_own",
    "app.import",
    "device.use",
    "sync.run",
    "pickup.handover",
    "endorse",
    "referral.record",
}
PERMISSIONS: dict[str, frozenset[str]] = {
    COORDINATOR: frozenset(_COMMON | _RECORDS),
    SUPERVISOR: frozenset(
        _COMMON
        | _RECORDS
        | {
            "app.correct_any",
            "report.export",
            "review",
            "audit.verify",
            "config.read",
            "config.report",  # the population estimates and targets (station/settings.py)
        }
    ),
    # Technicians run the machine but do not browse personal records.
    TECHNICIAN: frozenset(
        _COMMON
        | {
            "user.manage",
            "config.read",
            "config.write",
            "device.use",
            "device.setup",
            "enrol",
            "profile.import",
            "sync.run",
            "backup",
            "audit.verify",
            "doctor",
        }
    ),
}


def allowed(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def require(role: str, permission: str) -> None:
    if not allowed(role, permission):
        raise AuthError(
            "forbidden",
            _("The role {role} may not do this ({perm})", role=role_label(role), perm=permission),
        )


def role_label(role: str) -> str:
    return {
        COORDINATOR: _("coordinator"),
        SUPERVISOR: _("supervisor"),
        TECHNICIAN: _("technician"),
    }.get(role, role)
