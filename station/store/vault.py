"""The technician vault as the store uses it: certificates for new operator keys, revocations,
and the rotation of the station identity key at (re-)enrolment — including the move of a station
made before the vault onto it.

Only a session that unwrapped the vault (a technician's password, the recovery code) holds the
station identity key; everything here that signs as the station refuses any other session.
Each method runs inside the caller's transaction; key-slot file changes are written last, so a
failure leaves the database unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station import audit as auditlog
from station import identity, keys, trust
from station.errors import AuthError
from station.i18n import _
from station.keys import SessionKeys, SlotItems
from station.store.base import Manager


@dataclass(frozen=True)
class Rotation:
    """What a rotation of the station key did."""

    station_public_key: str
    reissued: list[str]  # operators whose certificate was issued again under the new key
    to_reset: list[str]  # operators whose slots predate the vault: a technician resets them
    recovery_code: str | None  # a new recovery code (moving onto the vault), to print once


class Vault(Manager):
    @property
    def legacy(self) -> bool:
        """A station made before the vault: its sync key is readable by every operator."""
        return self.store.keys.legacy

    def station_key(self) -> Ed25519PrivateKey:
        key = self.store.keys.station_key
        if key is None:
            raise AuthError(
                "vault_unavailable",
                _(
                    "This session cannot sign for the station: only a technician's password or "
                    "the recovery code opens the station's vault"
                ),
            )
        return key

    # -- operators ------------------------------------------------------------------------------
    def items_for(self, name: str, role: str) -> SlotItems:
        """A new key for ``name`` with its certificate (recorded here), and the vault for a
        technician: what their new slot wraps. A station from before the vault wraps only the
        database key."""
        if self.legacy:
            return SlotItems(self.store.db_key)
        station_key = self.station_key()
        key = identity.new_key()
        cert = identity.issue_certificate(
            station_key, self.store.station_code, name, role, identity.public_b64(key)
        )
        trust.put_certificate(self.conn, cert)
        vault = self.store.keys.vault_key if role == "technician" else None
        return SlotItems(self.store.db_key, identity.private_raw(key), cert, vault)

    def own_items(self) -> SlotItems:
        """What this session's own slot wraps (to wrap it again under a new password)."""
        k = self.store.keys
        signer = k.signer
        if signer is None or signer.certificate is None:
            return SlotItems(self.store.db_key, vault=k.vault_key)
        return SlotItems(
            self.store.db_key, identity.private_raw(signer.key), signer.certificate, k.vault_key
        )

    def revoke_all(self, name: str) -> int:
        """Revoke every certificate of ``name`` (a statement for the central service)."""
        if self.legacy:
            return 0
        station_key = self.station_key()
        certs = trust.active_certificates(self.conn, name)
        for cert in certs:
            trust.add_revocation(self.conn, identity.revoke(station_key, cert))
        return len(certs)

    # -- the station key ----------------------------------------------------------------------
    def check_can_rotate(self) -> None:
        """Refuse before anything is sent when this session could not finish a rotation."""
        self.require("enrol")
        if self.legacy:
            signer_kek = self.store.keys.kek
            if signer_kek is None or self.store.operator == "recovery":
                raise AuthError(
                    "vault_unavailable",
                    _("A technician logs in with their password to enrol this station"),
                )
            return
        self.station_key()

    def rotate(
        self, new_key: Ed25519PrivateKey, also: Callable[[], None] | None = None
    ) -> Rotation:
        """Make ``new_key`` the station identity key: endorsed by the old one, every certified
        operator's certificate issued again under it, the vault resealed. A station from before
        the vault gets its vault now: this session's slot and a new recovery code wrap it.

        ``also`` runs the caller's other writes of the same action, signed as the rotated
        session, before the key-slot file is written — the file is written last, so that any
        failure leaves both the file and (the caller's transaction rolled back) the database as
        they were."""
        self.check_can_rotate()
        store = self.store
        code = store.station_code
        new_pub = identity.public_b64(new_key)
        old_key = store.keys.station_key
        legacy = self.legacy
        endorsement = identity.endorse(old_key, new_pub, code) if old_key else None
        vault_key = store.keys.vault_key if not legacy else os.urandom(32)
        assert vault_key is not None
        trust.add_station_key(self.conn, new_pub, endorsement)
        for statement in trust.revocations(self.conn):  # the service checks them by the new key
            trust.replace_revocation(self.conn, identity.revoke(new_key, statement))
        recovery_code = keys.new_recovery_code() if legacy else None
        reissued: list[str] = []
        to_reset: list[str] = []
        own_signer: identity.Signer | None = None
        slots = store.station.keyslots
        before = store.keys
        try:
            with slots.editing() as doc:
                for slot in doc["slots"]:
                    if slot["kind"] != "operator":
                        continue
                    cert = slot.get("certificate")
                    if slot["name"] == store.operator and legacy:
                        own = identity.new_key()
                        cert = identity.issue_certificate(
                            new_key, code, slot["name"], slot["role"], identity.public_b64(own)
                        )
                        items = SlotItems(store.db_key, identity.private_raw(own), cert, vault_key)
                        assert store.keys.kek is not None
                        doc["slots"][doc["slots"].index(slot)] = keys.wrap_slot(
                            store.keys.kek,
                            slot["kdf"],
                            keys.operator_ident(slot["name"], slot["role"]),
                            items,
                        )
                        own_signer = identity.Signer(own, cert)
                    elif cert is None:
                        to_reset.append(slot["name"])
                        continue
                    else:
                        cert = identity.issue_certificate(
                            new_key, code, slot["name"], slot["role"], cert["public_key"]
                        )
                        slot["certificate"] = cert
                        signer = store.keys.signer
                        if signer is not None and signer.public_key == cert["public_key"]:
                            own_signer = identity.Signer(signer.key, cert)
                    trust.put_certificate(self.conn, cert)
                    reissued.append(slot["name"])
                doc["station_public_key"] = new_pub
                doc["identity"] = identity.seal(
                    vault_key, identity.private_raw(new_key), keys.identity_aad(code)
                )
                if recovery_code is not None:
                    doc["slots"] = [s for s in doc["slots"] if s["kind"] != "recovery"]
                    doc["slots"].append(
                        keys.new_slot(
                            keys.normalize_recovery_code(recovery_code),
                            keys.RECOVERY_IDENT,
                            SlotItems(store.db_key, vault=vault_key),
                        )
                    )
                if own_signer is None:  # the recovery session signs with the station key
                    own_signer = identity.Signer(new_key)
                # this entry is signed as the rotated session (its certificate under the new key)
                store.set_keys(SessionKeys(own_signer, vault_key, new_key, new_pub, before.kek))
                auditlog.append(
                    self.conn,
                    store.operator,
                    "keys.rotate",
                    detail={
                        "station_key": identity.key_id(new_pub),
                        "reissued": len(reissued),
                        "to_reset": to_reset,
                        "vault_created": legacy,
                    },
                )
                if also is not None:
                    also()
        except BaseException:
            store.set_keys(before)  # the caller's transaction rolls the database back
            raise
        return Rotation(new_pub, reissued, to_reset, recovery_code)

    def status(self) -> dict[str, Any]:
        """For ``doctor``: the vault's state and the operators a technician must reset."""
        slots = self.store.station.keyslots.operators()
        return {
            "legacy": self.legacy,
            "uncertified": [s["name"] for s in slots if not s.get("certified")],
        }
