"""Key slots: the random database key, wrapped once per operator and once for recovery, and
the technician vault beside it.

Like LUKS key slots: a 256-bit database key is generated at ``station init`` and never stored in
the clear. Each slot holds it encrypted with AES-256-GCM under a key (the KEK) derived by scrypt
from the operator's password (or the recovery code). The slot's identity — id, kind, operator
name and role — is the AES-GCM associated data, so editing a role in the file breaks that slot
instead of promoting its operator. The file (``keyslots.json`` beside the database) is
rewritten atomically under a lock; its rules are ``station.keyfile``.

Under the same KEK each operator slot also wraps that operator's own Ed25519 signing key, and
carries the operator's certificate (``station.identity``) signed by the station identity key.
Technician slots and the recovery slot also wrap the **vault key**, and the vault key seals the
station identity key (``identity`` in the file). So every operator can open the database, but
only a technician (or the recovery code) can sign as the station — certify a new operator, sign
a revocation, enrol — and a slot written by someone who only holds the database key has no
valid certificate and is refused at login.

Lockout lives here too, because it must be enforced before the database can be opened: five
wrong passwords lock a slot for 15 minutes. Each attempt is recorded in the file *before* the
password is tried, and an attempt that cannot be recorded (disk full) is refused. Failed logins
cannot be written to the (still locked) audit log, so they wait in ``pending_audit`` and enter
the hash-chained log at the next login (``station.keyfile``: constrained, marked as queued).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from station import identity, keyfile
from station.errors import AuthError, StorageError, UsageError
from station.fsutil import atomic_write, file_lock
from station.i18n import _

log = logging.getLogger(__name__)

FORMAT = 2
ROLES = ("coordinator", "supervisor", "technician")
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
MIN_PASSWORD = 8


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_recovery_code() -> str:
    """25 characters (125 bits) in five groups: ``7KQ2M-…``; easy to read aloud and type."""
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(25))
    return "-".join(chars[i : i + 5] for i in range(0, 25, 5))


def normalize_recovery_code(code: str) -> str:
    cleaned = code.upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    return cleaned


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UsageError(
            "weak_password", _("The password needs at least {n} characters", n=MIN_PASSWORD)
        )


def new_kdf() -> dict[str, Any]:
    return {
        "name": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": identity.b64(secrets.token_bytes(16)),
    }


def derive(secret: str, kdf: dict[str, Any]) -> bytes:
    """The KEK; ``kdf`` was checked by ``keyfile.check_kdf`` (no absurd cost reaches scrypt)."""
    keyfile.check_kdf(kdf)
    return Scrypt(
        salt=identity.unb64(kdf["salt"]),
        length=32,
        n=int(kdf["n"]),
        r=int(kdf["r"]),
        p=int(kdf["p"]),
    ).derive(secret.encode())


def _aad(slot: dict[str, Any], purpose: str = "") -> bytes:
    ident = {k: slot.get(k) for k in ("id", "kind", "name", "role")}
    base = json.dumps(ident, sort_keys=True, separators=(",", ":")).encode()
    return base + (b"|" + purpose.encode() if purpose else b"")


def identity_aad(station_code: str) -> bytes:
    return b"station-identity|" + station_code.encode()


@dataclass(frozen=True)
class SlotItems:
    """What one slot wraps: always the database key; an operator's signing key and
    certificate; for technicians and recovery, the vault key."""

    db_key: bytes
    signing: bytes | None = None
    certificate: dict[str, str] | None = None
    vault: bytes | None = None


def wrap_slot(
    kek: bytes, kdf: dict[str, Any], ident: dict[str, Any], items: SlotItems
) -> dict[str, Any]:
    slot: dict[str, Any] = dict(ident, kdf=kdf, failures=0, locked_until=None)
    box = identity.seal(kek, items.db_key, _aad(slot))
    slot["nonce"], slot["wrapped"] = box["nonce"], box["wrapped"]
    if items.signing is not None:
        slot["signing"] = identity.seal(kek, items.signing, _aad(slot, "signing"))
    if items.certificate is not None:
        slot["certificate"] = items.certificate
    if items.vault is not None:
        slot["vault"] = identity.seal(kek, items.vault, _aad(slot, "vault"))
    return slot


def new_slot(secret: str, ident: dict[str, Any], items: SlotItems) -> dict[str, Any]:
    kdf = new_kdf()
    return wrap_slot(derive(secret, kdf), kdf, ident, items)


def operator_ident(name: str, role: str) -> dict[str, Any]:
    return {"id": "op:" + name, "kind": "operator", "name": name, "role": role}


RECOVERY_IDENT = {"id": "recovery", "kind": "recovery", "name": "recovery", "role": None}


def _open(kek: bytes, slot: dict[str, Any], purpose: str = "") -> bytes | None:
    if not purpose:
        box: Any = {"nonce": slot["nonce"], "wrapped": slot["wrapped"]}
    else:
        box = slot.get(purpose)
        if box is None:
            return None
    return identity.unseal(kek, box, _aad(slot, purpose))


@dataclass(frozen=True)
class SessionKeys:
    """The secrets a session holds besides the database key. All None on a station made
    before the vault (``legacy``) until a technician re-enrols it."""

    signer: identity.Signer | None = None  # this operator's certified key (or the station's)
    vault_key: bytes | None = None  # technicians and recovery only
    station_key: Ed25519PrivateKey | None = None  # unsealed from the vault
    station_public_key: str | None = None  # as the key file says (checked against the database)
    kek: bytes | None = field(default=None, repr=False)  # this slot's KEK, to rewrap it

    @property
    def legacy(self) -> bool:
        return self.station_public_key is None


@dataclass(frozen=True)
class Unlocked:
    db_key: bytes
    operator: str
    role: str
    pending_audit: list[dict[str, Any]]
    keys: SessionKeys = SessionKeys()
    refused_pending: int = 0  # queued entries that broke the rules and were not copied


def unseal_identity(doc: dict[str, Any], vault_key: bytes | None) -> Ed25519PrivateKey | None:
    """The station identity key, when ``vault_key`` opens it and it is the file's station key."""
    box = doc.get("identity")
    if vault_key is None or box is None:
        return None
    raw = identity.unseal(vault_key, box, identity_aad(doc["station_code"]))
    if raw is None:
        return None
    key = identity.from_raw(raw)
    return key if identity.public_b64(key) == doc.get("station_public_key") else None


def certified(doc: dict[str, Any], slot: dict[str, Any]) -> bool:
    """The slot carries a certificate of the file's station key for its name and role (its
    key is checked at login, when the password opens it)."""
    cert = slot.get("certificate")
    pub = doc.get("station_public_key")
    return (
        cert is not None
        and pub is not None
        and identity.verify_certificate(cert, pub, doc["station_code"])
        and cert["name"] == slot["name"]
        and cert["role"] == slot["role"]
    )


def session_keys(doc: dict[str, Any], slot: dict[str, Any], kek: bytes) -> SessionKeys | None:
    """The unlocked slot's signer and vault, or None when the slot is not certified by the
    station (a slot written with the database key alone; a slot from before the vault on a
    station that has one now)."""
    station_pub = doc.get("station_public_key")
    if station_pub is None:  # a station made before the vault: nothing to check yet
        return SessionKeys(kek=kek)
    vault = _open(kek, slot, "vault") if "vault" in slot else None
    station_key = unseal_identity(doc, vault)
    if slot["kind"] == "recovery":
        signer = identity.Signer(station_key) if station_key is not None else None
        return SessionKeys(signer, vault, station_key, station_pub, kek)
    raw = _open(kek, slot, "signing")
    cert = slot.get("certificate")
    if raw is None or cert is None or len(raw) != 32:
        return None
    key = identity.from_raw(raw)
    if (
        not identity.verify_certificate(cert, station_pub, doc["station_code"])
        or cert["name"] != slot["name"]
        or cert["role"] != slot["role"]
        or cert["public_key"] != identity.public_b64(key)
    ):
        return None
    return SessionKeys(identity.Signer(key, cert), vault, station_key, station_pub, kek)


class KeySlots:
    """The key-slot file of one station."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock_path = self.path.with_name(self.path.name + ".lock")

    # -- file access -------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError as exc:
            raise StorageError(
                "no_station",
                _("No station is set up in this data folder; run 'station init' first"),
            ) from exc
        except OSError as exc:
            raise StorageError(
                "keyslots_unreadable",
                _("The key-slot file cannot be read: {why}", why=exc.strerror or "?"),
            ) from exc
        try:
            doc = json.loads(raw)
            keyfile.check_document(doc)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
            log.warning("key-slot file refused: %s", str(exc)[:60])
            raise StorageError(
                "keyslots_damaged",
                _(
                    "The key-slot file is damaged or not a station's; restore it from a backup "
                    "(nothing was changed)"
                ),
            ) from exc
        assert isinstance(doc, dict)
        return doc

    def _save(self, doc: dict[str, Any]) -> None:
        data = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode()
        atomic_write(self.path, data)

    def _record(self, doc: dict[str, Any]) -> None:
        """Save a login attempt's trace; an attempt that cannot be recorded is refused."""
        try:
            self._save(doc)
        except OSError as exc:
            raise StorageError(
                "login_unrecorded",
                _(
                    "The login attempt cannot be recorded in the key-slot file ({why}: the disk "
                    "is full or read-only), so it is refused; free some disk space and try again",
                    why=exc.strerror or type(exc).__name__,
                ),
            ) from exc

    @contextmanager
    def editing(self) -> Iterator[dict[str, Any]]:
        """Load, let the caller change the document, save (atomically, under the lock)."""
        with file_lock(self._lock_path):
            doc = self.load()
            yield doc
            doc["format"] = FORMAT
            keyfile.check_document(doc)
            self._save(doc)

    # -- provisioning ------------------------------------------------------------------------
    def create(
        self,
        station_code: str,
        admin: str,
        password: str,
        recovery_code: str,
        items: SlotItems,
        recovery_items: SlotItems,
        station_public_key: str,
        identity_box: dict[str, str],
    ) -> None:
        if self.path.exists():
            raise UsageError("station_exists", _("This data folder already holds a station"))
        doc = {
            "format": FORMAT,
            "station_code": station_code,
            "station_public_key": station_public_key,
            "identity": identity_box,
            "slots": [
                new_slot(password, operator_ident(admin, "technician"), items),
                new_slot(normalize_recovery_code(recovery_code), RECOVERY_IDENT, recovery_items),
            ],
            "pending_audit": [],
        }
        keyfile.check_document(doc)
        self._save(doc)

    def station_code(self) -> str:
        return str(self.load().get("station_code", ""))

    def operators(self) -> list[dict[str, Any]]:
        doc = self.load()
        return [
            {
                "name": s["name"],
                "role": s["role"],
                "locked_until": s.get("locked_until"),
                "certified": certified(doc, s),
            }
            for s in doc["slots"]
            if s["kind"] == "operator"
        ]

    # -- unlocking ---------------------------------------------------------------------------
    def unlock(self, name: str, password: str, take_pending: bool = True) -> Unlocked:
        """Open ``name``'s slot. The attempt is on record in the file before the password is
        tried; ``take_pending`` hands the queued failed logins to the caller (a login) or
        leaves them queued (a screen unlock, a password check)."""
        with file_lock(self._lock_path):
            doc = self.load()
            slot = next(
                (s for s in doc["slots"] if s["kind"] == "operator" and s["name"] == name), None
            )
            now = _now()
            if slot is None:
                keyfile.queue(doc, keyfile.pending_entry(name, "unknown_or_disabled", now))
                self._record(doc)
                raise AuthError("bad_credentials", _("Wrong operator name or password"))
            if int(slot.get("failures", 0)) >= MAX_FAILURES:  # a lock whose write was lost
                slot["locked_until"] = (now + LOCKOUT).isoformat(timespec="seconds")
                slot["failures"] = 0
            locked_until = slot.get("locked_until")
            if locked_until and dt.datetime.fromisoformat(locked_until) > now:
                keyfile.queue(doc, keyfile.pending_entry(name, "locked", now))
                self._record(doc)
                minutes = max(
                    1,
                    int((dt.datetime.fromisoformat(locked_until) - now).total_seconds() // 60) + 1,
                )
                raise AuthError(
                    "locked_out",
                    _(
                        "Too many wrong passwords: this operator is locked for {m} more minute(s)",
                        m=minutes,
                    ),
                )
            slot["failures"] = int(slot.get("failures", 0)) + 1
            self._record(doc)  # counted before the password is tried: a kill cannot undo it
            kek = derive(password, slot["kdf"])
            key = _open(kek, slot)
            if key is None:
                reason = "bad_password"
                if slot["failures"] >= MAX_FAILURES:
                    slot["locked_until"] = (now + LOCKOUT).isoformat(timespec="seconds")
                    slot["failures"] = 0
                    reason = "locked"
                keyfile.queue(doc, keyfile.pending_entry(name, reason, now))
                self._save_quietly(doc)
                if reason == "locked":
                    raise AuthError(
                        "locked_out",
                        _("Too many wrong passwords: this operator is locked for 15 minutes"),
                    )
                raise AuthError("bad_credentials", _("Wrong operator name or password"))
            keys = session_keys(doc, slot, kek)
            if keys is None:
                keyfile.queue(doc, keyfile.pending_entry(name, "certificate", now))
                self._save_quietly(doc)
                raise AuthError(
                    "bad_certificate",
                    _(
                        "This operator's key slot is not certified by the station (it was not "
                        "made by a technician, or it predates the station's signing keys): a "
                        "technician resets the password ('station user reset-password {name}')",
                        name=name,
                    ),
                )
            pending: list[dict[str, Any]] = []
            refused = 0
            if take_pending:
                pending, refused = keyfile.take_pending(doc)
                doc["pending_audit"] = []
                doc["pending_overflow"] = 0
            slot["failures"] = 0
            slot["locked_until"] = None
            self._record(doc)
            return Unlocked(key, name, str(slot["role"]), pending, keys, refused)

    def check_password(self, name: str, password: str) -> None:
        """The password is ``name``'s (a screen unlock): counted like a login."""
        self.unlock(name, password, take_pending=False)

    def _save_quietly(self, doc: dict[str, Any]) -> None:
        """After the attempt is on record: a failed write only loses the queued entry."""
        try:
            self._save(doc)
        except OSError as exc:
            log.warning("the failed login could not be queued: %s", exc.strerror)

    def unlock_recovery(self, code: str) -> tuple[bytes, SessionKeys]:
        """The database key and the vault (station key) under the recovery code."""
        doc = self.load()
        slot = next((s for s in doc["slots"] if s["kind"] == "recovery"), None)
        key = kek = None
        if slot is not None:
            kek = derive(normalize_recovery_code(code), slot["kdf"])
            key = _open(kek, slot)
        if slot is None or key is None or kek is None:
            raise AuthError("bad_recovery_code", _("The recovery code is wrong"))
        return key, session_keys(doc, slot, kek) or SessionKeys()

    def requeue_audit(self, events: list[dict[str, Any]]) -> None:
        """Put back failed-login events that could not be written to the audit log."""
        if events:
            with self.editing() as doc:
                doc["pending_audit"] = events + doc.get("pending_audit", [])

    # -- slot management (the caller has checked the role and holds what is wrapped) ---------
    def add_operator(self, name: str, role: str, password: str, items: SlotItems) -> None:
        if role not in ROLES:
            raise UsageError("bad_role", _("Unknown role {role!r}", role=role))
        with self.editing() as doc:
            if any(s["kind"] == "operator" and s["name"] == name for s in doc["slots"]):
                raise UsageError("operator_exists", _("An operator with this name already exists"))
            doc["slots"].append(new_slot(password, operator_ident(name, role), items))

    def set_password(self, name: str, password: str, items: SlotItems) -> None:
        with self.editing() as doc:
            for i, s in enumerate(doc["slots"]):
                if s["kind"] == "operator" and s["name"] == name:
                    doc["slots"][i] = new_slot(password, operator_ident(name, s["role"]), items)
                    return
            raise UsageError("no_operator", _("No such operator"))

    def slot_role(self, name: str) -> str | None:
        for s in self.load()["slots"]:
            if s["kind"] == "operator" and s["name"] == name:
                return str(s["role"])
        return None

    def certificate(self, name: str) -> dict[str, str] | None:
        for s in self.load()["slots"]:
            if s["kind"] == "operator" and s["name"] == name:
                cert = s.get("certificate")
                return dict(cert) if cert else None
        return None

    def remove_operator(self, name: str) -> None:
        with self.editing() as doc:
            before = len(doc["slots"])
            doc["slots"] = [
                s for s in doc["slots"] if not (s["kind"] == "operator" and s["name"] == name)
            ]
            if len(doc["slots"]) == before:
                raise UsageError("no_operator", _("No such operator"))

    def set_recovery(self, code: str, items: SlotItems) -> None:
        with self.editing() as doc:
            doc["slots"] = [s for s in doc["slots"] if s["kind"] != "recovery"]
            doc["slots"].append(new_slot(normalize_recovery_code(code), RECOVERY_IDENT, items))


def new_db_key() -> bytes:
    return os.urandom(32)
