"""Key slots: the random database key, wrapped once per operator and once for recovery.

Like LUKS key slots: a 256-bit database key is generated at ``station init`` and never stored in
the clear. Each slot holds it encrypted with AES-256-GCM under a key derived by scrypt from the
operator's password (or the recovery code). The slot's identity — id, kind, operator name and
role — is the AES-GCM associated data, so editing a role in the file breaks that slot instead of
promoting its operator. The file (``keyslots.json`` beside the database) is rewritten atomically
under a lock.

Lockout lives here too, because it must be enforced before the database can be opened: five wrong
passwords lock a slot for 15 minutes. Failed logins cannot be written to the (still locked) audit
log, so they wait in ``pending_audit`` and enter the hash-chained log at the next unlock.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from station.errors import AuthError, StorageError, UsageError
from station.fsutil import atomic_write, file_lock
from station.i18n import _

FORMAT = 1
ROLES = ("coordinator", "supervisor", "technician")
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
MIN_PASSWORD = 8


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


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


def _derive(secret: str, kdf: dict[str, Any]) -> bytes:
    return Scrypt(
        salt=_unb64(kdf["salt"]), length=32, n=int(kdf["n"]), r=int(kdf["r"]), p=int(kdf["p"])
    ).derive(secret.encode())


def _aad(slot: dict[str, Any]) -> bytes:
    ident = {k: slot.get(k) for k in ("id", "kind", "name", "role")}
    return json.dumps(ident, sort_keys=True, separators=(",", ":")).encode()


def _wrap(db_key: bytes, secret: str, ident: dict[str, Any]) -> dict[str, Any]:
    kdf = {
        "name": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": _b64(secrets.token_bytes(16)),
    }
    slot = dict(ident, kdf=kdf, failures=0, locked_until=None)
    nonce = secrets.token_bytes(12)
    slot["nonce"] = _b64(nonce)
    slot["wrapped"] = _b64(AESGCM(_derive(secret, kdf)).encrypt(nonce, db_key, _aad(slot)))
    return slot


def _unwrap(slot: dict[str, Any], secret: str) -> bytes | None:
    try:
        key = AESGCM(_derive(secret, slot["kdf"])).decrypt(
            _unb64(slot["nonce"]), _unb64(slot["wrapped"]), _aad(slot)
        )
    except InvalidTag:
        return None
    return key


@dataclass(frozen=True)
class Unlocked:
    db_key: bytes
    operator: str
    role: str
    pending_audit: list[dict[str, Any]]


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
        try:
            doc = json.loads(raw)
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                raise ValueError("format")
            for slot in doc["slots"]:
                for key in ("id", "kind", "name", "kdf", "nonce", "wrapped"):
                    if key not in slot:
                        raise ValueError(key)
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageError(
                "keyslots_damaged",
                _(
                    "The key-slot file is damaged or not a station's; restore it from a backup "
                    "(nothing was changed)"
                ),
            ) from exc
        return doc

    def _save(self, doc: dict[str, Any]) -> None:
        data = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode()
        atomic_write(self.path, data)

    @contextmanager
    def _editing(self) -> Iterator[dict[str, Any]]:
        with file_lock(self._lock_path):
            doc = self.load()
            yield doc
            self._save(doc)

    # -- provisioning ------------------------------------------------------------------------
    def create(
        self, db_key: bytes, admin: str, password: str, recovery_code: str, station_code: str
    ) -> None:
        if self.path.exists():
            raise UsageError("station_exists", _("This data folder already holds a station"))
        doc = {
            "format": FORMAT,
            "station_code": station_code,
            "slots": [
                _wrap(
                    db_key,
                    password,
                    {"id": "op:" + admin, "kind": "operator", "name": admin, "role": "technician"},
                ),
                _wrap(
                    db_key,
                    normalize_recovery_code(recovery_code),
                    {"id": "recovery", "kind": "recovery", "name": "recovery", "role": None},
                ),
            ],
            "pending_audit": [],
        }
        self._save(doc)

    def station_code(self) -> str:
        return str(self.load().get("station_code", ""))

    def operators(self) -> list[dict[str, Any]]:
        return [
            {"name": s["name"], "role": s["role"], "locked_until": s.get("locked_until")}
            for s in self.load()["slots"]
            if s["kind"] == "operator"
        ]

    # -- unlocking ---------------------------------------------------------------------------
    def unlock(self, name: str, password: str) -> Unlocked:
        with file_lock(self._lock_path):
            doc = self.load()
            slot = next(
                (s for s in doc["slots"] if s["kind"] == "operator" and s["name"] == name), None
            )
            now = _now()
            event = {"ts": now.isoformat(timespec="seconds"), "operator": name}
            if slot is None:
                doc["pending_audit"].append(
                    dict(event, action="login.failed", detail={"reason": "unknown_or_disabled"})
                )
                self._save(doc)
                raise AuthError("bad_credentials", _("Wrong operator name or password"))
            locked_until = slot.get("locked_until")
            if locked_until and dt.datetime.fromisoformat(locked_until) > now:
                doc["pending_audit"].append(
                    dict(event, action="login.failed", detail={"reason": "locked"})
                )
                self._save(doc)
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
            key = _unwrap(slot, password)
            if key is None:
                slot["failures"] = int(slot.get("failures", 0)) + 1
                reason = "bad_password"
                if slot["failures"] >= MAX_FAILURES:
                    slot["locked_until"] = (now + LOCKOUT).isoformat(timespec="seconds")
                    slot["failures"] = 0
                    reason = "locked"
                doc["pending_audit"].append(
                    dict(event, action="login.failed", detail={"reason": reason})
                )
                self._save(doc)
                if reason == "locked":
                    raise AuthError(
                        "locked_out",
                        _("Too many wrong passwords: this operator is locked for 15 minutes"),
                    )
                raise AuthError("bad_credentials", _("Wrong operator name or password"))
            pending = list(doc.get("pending_audit", []))
            if slot.get("failures") or slot.get("locked_until") or pending:
                slot["failures"] = 0
                slot["locked_until"] = None
                doc["pending_audit"] = []
                self._save(doc)
            return Unlocked(key, name, str(slot["role"]), pending)

    def unlock_recovery(self, code: str) -> bytes:
        doc = self.load()
        slot = next((s for s in doc["slots"] if s["kind"] == "recovery"), None)
        key = _unwrap(slot, normalize_recovery_code(code)) if slot else None
        if key is None:
            raise AuthError("bad_recovery_code", _("The recovery code is wrong"))
        return key

    def requeue_audit(self, events: list[dict[str, Any]]) -> None:
        """Put back failed-login events that could not be written to the audit log."""
        if events:
            with self._editing() as doc:
                doc["pending_audit"] = events + doc.get("pending_audit", [])

    # -- slot management (the caller has checked the role) -----------------------------------
    def add_operator(self, db_key: bytes, name: str, role: str, password: str) -> None:
        if role not in ROLES:
            raise UsageError("bad_role", _("Unknown role {role!r}", role=role))
        with self._editing() as doc:
            if any(s["kind"] == "operator" and s["name"] == name for s in doc["slots"]):
                raise UsageError("operator_exists", _("An operator with this name already exists"))
            doc["slots"].append(
                _wrap(
                    db_key,
                    password,
                    {"id": "op:" + name, "kind": "operator", "name": name, "role": role},
                )
            )

    def set_password(self, db_key: bytes, name: str, password: str) -> None:
        with self._editing() as doc:
            for i, s in enumerate(doc["slots"]):
                if s["kind"] == "operator" and s["name"] == name:
                    ident = {"id": s["id"], "kind": "operator", "name": name, "role": s["role"]}
                    doc["slots"][i] = _wrap(db_key, password, ident)
                    return
            raise UsageError("no_operator", _("No such operator"))

    def remove_operator(self, name: str) -> None:
        with self._editing() as doc:
            before = len(doc["slots"])
            doc["slots"] = [
                s for s in doc["slots"] if not (s["kind"] == "operator" and s["name"] == name)
            ]
            if len(doc["slots"]) == before:
                raise UsageError("no_operator", _("No such operator"))

    def set_recovery(self, db_key: bytes, code: str) -> None:
        with self._editing() as doc:
            doc["slots"] = [s for s in doc["slots"] if s["kind"] != "recovery"]
            doc["slots"].append(
                _wrap(
                    db_key,
                    normalize_recovery_code(code),
                    {"id": "recovery", "kind": "recovery", "name": "recovery", "role": None},
                )
            )


def new_db_key() -> bytes:
    return os.urandom(32)
