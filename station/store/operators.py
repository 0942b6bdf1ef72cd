"""The station's operators: the ``operators`` table and each one's key slot."""

from __future__ import annotations

from station import audit as auditlog
from station import roles
from station.errors import UsageError
from station.i18n import _
from station.keys import ROLES, check_password_strength
from station.store.base import Manager
from station.store.records import stamp
from station.typedefs import Operator


def check_operator_name(name: str) -> None:
    if not (1 <= len(name) <= 32) or not all(c.isalnum() or c in "._-" for c in name):
        raise UsageError(
            "bad_operator_name", _("An operator name is 1-32 letters, digits, '.', '_' or '-'")
        )


class Operators(Manager):
    def add(self, name: str, role: str, password: str) -> None:
        self.require("user.manage")
        check_operator_name(name)
        if role not in ROLES:
            raise UsageError("bad_role", _("Unknown role {role!r}", role=role))
        check_password_strength(password)
        store = self.store
        with store.transaction():
            exists = self.conn.execute("SELECT 1 FROM operators WHERE name = ?", (name,)).fetchone()
            if exists:
                raise UsageError("operator_exists", _("An operator with this name already exists"))
            self.conn.execute(
                "INSERT INTO operators (name, role, created_at, created_by) VALUES (?, ?, ?, ?)",
                (name, role, stamp(), self.operator),
            )
            auditlog.append(
                self.conn, self.operator, "user.add", detail={"name": name, "role": role}
            )
            # The new operator's key, certified by the station (the vault's key): a slot made
            # without it is refused at login.
            items = store.vault.items_for(name, role)
            # The slot is written last, inside the transaction: if it fails, nothing is committed.
            store.station.keyslots.add_operator(name, role, password, items)

    def disable(self, name: str) -> None:
        self.require("user.manage")
        if name == self.operator:
            raise UsageError("disable_self", _("You cannot disable your own account"))
        with self.store.transaction():
            row = self.conn.execute(
                "SELECT role, active FROM operators WHERE name = ?", (name,)
            ).fetchone()
            if row is None or not row[1]:
                raise UsageError("no_operator", _("No such active operator"))
            if row[0] == roles.TECHNICIAN:
                others = self.conn.execute(
                    "SELECT count(*) FROM operators WHERE role = 'technician' AND active = 1"
                    " AND name != ?",
                    (name,),
                ).fetchone()[0]
                if not others:
                    raise UsageError("last_technician", _("The last technician cannot be disabled"))
            self.conn.execute(
                "UPDATE operators SET active = 0, disabled_at = ? WHERE name = ?", (stamp(), name)
            )
            revoked = self.store.vault.revoke_all(name)  # goes to the service with the next sync
            auditlog.append(
                self.conn,
                self.operator,
                "user.disable",
                detail={"name": name, "revoked_keys": revoked},
            )
            self.store.station.keyslots.remove_operator(name)

    def all(self) -> list[Operator]:
        self.require("user.manage")
        locks = {o["name"]: o["locked_until"] for o in self.store.station.keyslots.operators()}
        rows = self.conn.execute(
            "SELECT name, role, active, created_at FROM operators ORDER BY name"
        ).fetchall()
        return [
            {
                "name": r[0],
                "role": r[1],
                "active": bool(r[2]),
                "created_at": r[3],
                "locked_until": locks.get(r[0]),
            }
            for r in rows
        ]

    def change_password(self, old: str, new: str) -> None:
        """Rewrap this operator's slot (the old password proves it is them)."""
        self.require("session.own_password")
        if self.operator == "recovery":
            raise UsageError("no_operator", _("The recovery session has no password"))
        check_password_strength(new)
        keyslots = self.store.station.keyslots
        keyslots.check_password(self.operator, old)
        with self.store.transaction():
            auditlog.append(self.conn, self.operator, "user.passwd")
            # the same key, certificate and vault, wrapped under the new password
            keyslots.set_password(self.operator, new, self.store.vault.own_items())

    def reset_password(self, name: str, new: str) -> None:
        """A technician sets a new password for an operator who forgot theirs."""
        self.require("user.manage")
        check_password_strength(new)
        keyslots = self.store.station.keyslots
        role = keyslots.slot_role(name)
        if role is None:
            raise UsageError("no_operator", _("No such operator"))
        with self.store.transaction():
            # the old key stays wrapped under the old password (in backups): it is revoked, and
            # the operator gets a new key and certificate
            revoked = self.store.vault.revoke_all(name)
            items = self.store.vault.items_for(name, role)
            auditlog.append(
                self.conn,
                self.operator,
                "user.reset_password",
                detail={"name": name, "revoked_keys": revoked},
            )
            keyslots.set_password(name, new, items)
