"""A station's data folder: provisioning (the database, the first technician, the recovery
slot), login and the recovery session."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station import audit as auditlog
from station import db, identity, keyfile, keys, roles, trust
from station.errors import AuthError, StationError, StorageError, UsageError
from station.i18n import _
from station.keys import KeySlots, SlotItems, check_password_strength, new_db_key, new_recovery_code
from station.settings import check_setting
from station.store.core import Store
from station.store.operators import check_operator_name
from station.store.records import stamp

log = logging.getLogger(__name__)

DB_FILE = "station.db"
KEYSLOT_FILE = "keyslots.json"


class Station:
    """A station's data folder."""

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / DB_FILE
        self.keyslots = KeySlots(self.data_dir / KEYSLOT_FILE)

    def exists(self) -> bool:
        return self.keyslots.exists()

    def init(self, station_code: str, admin: str, password: str, city: str = "4501") -> str:
        """Create the database, the first technician and the recovery slot; return the code."""
        if not (len(station_code) == 12 and station_code.isascii() and station_code.isdigit()):
            raise UsageError("bad_station_code", _("The station code must be 12 digits"))
        check_setting("station.city", city)
        check_operator_name(admin)
        check_password_strength(password)
        if self.keyslots.exists() or self.db_path.exists():
            raise UsageError("station_exists", _("This data folder already holds a station"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        key = new_db_key()
        recovery = new_recovery_code()
        vault_key = os.urandom(32)
        station_key = identity.new_key()  # the station identity, sealed in the vault
        admin_key = identity.new_key()
        cert = identity.issue_certificate(
            station_key, station_code, admin, roles.TECHNICIAN, identity.public_b64(admin_key)
        )
        try:
            self._create_database(key, station_code, admin, city, station_key, cert)
            self.keyslots.create(
                station_code,
                admin,
                password,
                recovery,
                SlotItems(key, identity.private_raw(admin_key), cert, vault_key),
                SlotItems(key, vault=vault_key),
                identity.public_b64(station_key),
                identity.seal(
                    vault_key, identity.private_raw(station_key), keys.identity_aad(station_code)
                ),
            )
        except BaseException:
            # one action: a database without its key file (or half a database) would make the
            # folder unusable and refuse a second 'init', so what this call created goes
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
            raise
        return recovery

    def _create_database(
        self,
        key: bytes,
        station_code: str,
        admin: str,
        city: str,
        station_key: Ed25519PrivateKey,
        cert: dict[str, str],
    ) -> None:
        conn = db.connect(self.db_path, key, create=True)
        try:
            db.migrate(conn)
            conn.audit_signer = identity.Signer(station_key)  # type: ignore[attr-defined]
            now = stamp()
            conn.execute("BEGIN IMMEDIATE")
            trust.add_station_key(conn, identity.public_b64(station_key), None)
            trust.put_certificate(conn, cert)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('station_code', ?)", (station_code,)
            )
            conn.execute(
                "INSERT INTO config (key, value, updated_at, updated_by)"
                " VALUES ('station.code', ?, ?, ?), ('station.city', ?, ?, ?)",
                (station_code, now, admin, city, now, admin),
            )
            conn.execute(
                "INSERT INTO operators (name, role, created_at, created_by)"
                " VALUES (?, 'technician', ?, NULL)",
                (admin, now),
            )
            auditlog.append(
                conn,
                admin,
                "station.init",
                detail={
                    "station_code": station_code,
                    # names the key that signs from here on: stripping the signatures would
                    # mean editing this entry, and every hash after it
                    "station_key": identity.key_id(identity.public_b64(station_key)),
                },
            )
            conn.execute("COMMIT")
        finally:
            conn.close()
        os.chmod(self.db_path, 0o600)

    def login(self, name: str, password: str) -> Store:
        """Unlock the operator's slot and open the database as them. The failed logins the key
        file recorded meanwhile (copied marked as queued, those that break the queue's rules
        only counted) and this login are audited in one transaction; if that cannot be written,
        the failed logins go back to the key file for the next login."""
        unlocked = self.keyslots.unlock(name, password)
        pending = unlocked.pending_audit
        try:
            store = Store(self, unlocked.db_key, unlocked.operator, unlocked.role, unlocked.keys)
        except StorageError as exc:
            if exc.code == "station_key_mismatch":  # refused and on record, like a bad slot
                pending = pending + [
                    keyfile.pending_entry(name, "certificate", dt.datetime.now(dt.UTC))
                ]
            self._requeue(pending)
            raise
        except BaseException:
            self._requeue(pending)
            raise
        try:
            row = store.conn.execute(
                "SELECT role, active FROM operators WHERE name = ?", (name,)
            ).fetchone()
            disabled = row is None or not row[1] or row[0] != unlocked.role
            try:
                with store.transaction():
                    for ev in pending:
                        auditlog.append(
                            store.conn,
                            ev.get("operator"),
                            ev["action"],
                            detail=dict(ev.get("detail") or {}, via="queue"),
                            ts=ev.get("ts"),
                        )
                    if unlocked.refused_pending:
                        auditlog.append(
                            store.conn,
                            name,
                            "audit.queue_refused",
                            detail={"count": unlocked.refused_pending},
                        )
                    if disabled:
                        auditlog.append(
                            store.conn, name, "login.failed", detail={"reason": "disabled"}
                        )
                    else:
                        auditlog.append(store.conn, name, "login")
            except BaseException:
                self._requeue(pending)
                raise
            if disabled:  # refused after the refusal is on record (it was rolled back before)
                raise AuthError("operator_disabled", _("This operator is disabled"))
        except BaseException:
            store.close()
            raise
        return store

    def _requeue(self, events: list[dict[str, Any]]) -> None:
        """Put unrecorded failed logins back in the key file; the login fails either way, with
        the error that stopped it, so a key file that cannot be written is only logged here."""
        try:
            self.keyslots.requeue_audit(events)
        except (OSError, StationError) as exc:
            log.warning(
                "failed logins could not be put back in the key file: %s", type(exc).__name__
            )

    def open_with_recovery(self, code: str) -> Store:
        """Open with the recovery code (restore, lost passwords): acts as a technician."""
        key, session = self.keyslots.unlock_recovery(code)
        store = Store(self, key, "recovery", roles.TECHNICIAN, session)
        with store.transaction():
            auditlog.append(store.conn, None, "login.recovery")
        return store
