"""Who signed what: the station's identity key, operators' certified keys, and the signed
statements made with them.

The station identity key (Ed25519) is made at ``station init`` and kept only inside the
technician vault (``station.keys``): technicians and the recovery session can unwrap it,
coordinators and supervisors never can. With it the station certifies each operator's own
Ed25519 key (``issue_certificate``): ``{station_code, name, role, public_key, issued_at, issuer}``
signed by the station key, ``issuer`` naming which station key signed (``key_id``). Operators
sign their audit entries and their requests to the central service with their own key; the
central service, which pinned the station's public key at enrolment, checks the certificate and
then the signature. A disabled operator's key is revoked by a statement the station key signs.

Every signature covers a domain-separation prefix, so a signature made for one purpose (an
audit entry) can never be replayed as another (a certificate).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CERTIFICATE = b"intake-station/operator-certificate/1\n"
AUDIT_ENTRY = b"intake-station/audit-entry/1\n"
REVOCATION = b"intake-station/revocation/1\n"
STATION_KEY = b"intake-station/station-key/1\n"
RECEIPT = b"intake-central/audit-receipt/1\n"

CERT_FIELDS = ("station_code", "name", "role", "public_key", "issued_at", "issuer")
REVOCATION_FIELDS = ("station_code", "name", "public_key", "revoked_at", "issuer")
RECEIPT_FIELDS = ("station_id", "station_code", "seq", "hash", "received_at")
ROLES = ("coordinator", "supervisor", "technician")
_B64_KEY = re.compile(r"^[A-Za-z0-9+/]{43}=$")
_B64_SIG = re.compile(r"^[A-Za-z0-9+/]{86}==$")
_NAME = re.compile(r"^[\w.-]{1,32}$")
_STATION_CODE = re.compile(r"^[0-9]{12}$")
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


# -- keys -------------------------------------------------------------------------------------
def new_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def from_raw(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return b64(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def is_public_b64(text: Any) -> bool:
    return isinstance(text, str) and bool(_B64_KEY.match(text))


def load_public(text: str) -> Ed25519PublicKey:
    """A base64 raw public key; ValueError when it is not one."""
    if not is_public_b64(text):
        raise ValueError("not a base64 Ed25519 public key")
    try:
        return Ed25519PublicKey.from_public_bytes(unb64(text))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not an Ed25519 public key") from exc


def key_id(public_key: str) -> str:
    """A short, stable name of a public key (the first 16 hex digits of its SHA-256)."""
    return hashlib.sha256(public_key.encode()).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, domain: bytes, data: bytes) -> str:
    return b64(key.sign(domain + data))


def verify(public_key: str, domain: bytes, data: bytes, signature: Any) -> bool:
    """True when ``signature`` (base64) is ``public_key``'s over ``domain + data``."""
    if not isinstance(signature, str) or not _B64_SIG.match(signature):
        return False
    try:
        load_public(public_key).verify(unb64(signature), domain + data)
    except (ValueError, InvalidSignature, binascii.Error):
        return False
    return True


# -- sealing (AES-256-GCM) ----------------------------------------------------------------------
def seal(key: bytes, data: bytes, aad: bytes) -> dict[str, str]:
    nonce = secrets.token_bytes(12)
    return {"nonce": b64(nonce), "wrapped": b64(AESGCM(key).encrypt(nonce, data, aad))}


def unseal(key: bytes, box: dict[str, Any], aad: bytes) -> bytes | None:
    try:
        return AESGCM(key).decrypt(unb64(box["nonce"]), unb64(box["wrapped"]), aad)
    except (InvalidTag, KeyError, TypeError, ValueError, binascii.Error):
        return None


# -- certificates ---------------------------------------------------------------------------------
def issue_certificate(
    station_key: Ed25519PrivateKey,
    station_code: str,
    name: str,
    role: str,
    public_key: str,
    issued_at: str | None = None,
) -> dict[str, str]:
    body = {
        "station_code": station_code,
        "name": name,
        "role": role,
        "public_key": public_key,
        "issued_at": issued_at or now_iso(),
        "issuer": key_id(public_b64(station_key)),
    }
    return dict(body, signature=sign(station_key, CERTIFICATE, canonical(body)))


def certificate_shape(cert: Any) -> bool:
    """Structurally a certificate (the key-slot file's check; the signature is not checked)."""
    if not isinstance(cert, dict) or set(cert) != {*CERT_FIELDS, "signature"}:
        return False
    if not all(isinstance(cert[k], str) for k in cert):
        return False
    return bool(
        _STATION_CODE.match(cert["station_code"])
        and _NAME.match(cert["name"])
        and cert["role"] in ROLES
        and is_public_b64(cert["public_key"])
        and len(cert["issued_at"]) <= 40
        and _KEY_ID.match(cert["issuer"])
        and _B64_SIG.match(cert["signature"])
    )


def verify_certificate(cert: Any, station_public_key: str, station_code: str | None = None) -> bool:
    """The certificate is well formed, for ``station_code`` (when given), issued by the key
    ``station_public_key`` and signed by it."""
    if not certificate_shape(cert) or cert["issuer"] != key_id(station_public_key):
        return False
    if station_code is not None and cert["station_code"] != station_code:
        return False
    body = {k: cert[k] for k in CERT_FIELDS}
    return verify(station_public_key, CERTIFICATE, canonical(body), cert["signature"])


def encode_certificate(cert: dict[str, str]) -> str:
    """The certificate as one header value (base64 of its canonical JSON)."""
    return b64(canonical(cert))


def decode_certificate(text: str, limit: int = 2048) -> dict[str, Any] | None:
    if not isinstance(text, str) or len(text) > limit:
        return None
    try:
        doc = json.loads(unb64(text).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return doc if certificate_shape(doc) else None


# -- signers --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Signer:
    """A key that signs for a session: an operator's certified key, or (``certificate`` None)
    the station identity key itself (the recovery session, ``init``, ``restore``)."""

    key: Ed25519PrivateKey
    certificate: dict[str, str] | None = None

    @property
    def public_key(self) -> str:
        return public_b64(self.key)

    @property
    def is_station(self) -> bool:
        return self.certificate is None

    def sign(self, domain: bytes, data: bytes) -> str:
        return sign(self.key, domain, data)


def sign_entry(signer: Signer, entry_hash: str) -> str:
    return signer.sign(AUDIT_ENTRY, entry_hash.encode())


def verify_entry(public_key: str, entry_hash: str, signature: Any) -> bool:
    return verify(public_key, AUDIT_ENTRY, entry_hash.encode(), signature)


# -- revocations and station-key endorsements ------------------------------------------------------
def revoke(station_key: Ed25519PrivateKey, cert: dict[str, str]) -> dict[str, str]:
    """A statement, signed by the station key, that ``cert``'s key is no longer valid."""
    body = {
        "station_code": cert["station_code"],
        "name": cert["name"],
        "public_key": cert["public_key"],
        "revoked_at": now_iso(),
        "issuer": key_id(public_b64(station_key)),
    }
    return dict(body, signature=sign(station_key, REVOCATION, canonical(body)))


def verify_revocation(doc: Any, station_public_key: str, station_code: str) -> bool:
    if not isinstance(doc, dict) or set(doc) != {*REVOCATION_FIELDS, "signature"}:
        return False
    if not all(isinstance(doc[k], str) and len(doc[k]) <= 128 for k in doc):
        return False
    if doc["station_code"] != station_code or doc["issuer"] != key_id(station_public_key):
        return False
    body = {k: doc[k] for k in REVOCATION_FIELDS}
    return verify(station_public_key, REVOCATION, canonical(body), doc["signature"])


def endorse(previous: Ed25519PrivateKey, new_public_key: str, station_code: str) -> str:
    """The previous station key's signature over its successor (a key rotation)."""
    return sign(previous, STATION_KEY, canonical([station_code, new_public_key]))


def verify_endorsement(
    previous_public: str, new_public_key: str, station_code: str, signature: Any
) -> bool:
    return verify(
        previous_public, STATION_KEY, canonical([station_code, new_public_key]), signature
    )


# -- the central service's receipts for audit-chain heads -------------------------------------------
def sign_receipt(service_key: Ed25519PrivateKey, body: dict[str, Any]) -> dict[str, Any]:
    clean = {k: body[k] for k in RECEIPT_FIELDS}
    return dict(clean, signature=sign(service_key, RECEIPT, canonical(clean)))


def verify_receipt(receipt: Any, service_public_key: str) -> bool:
    if not isinstance(receipt, dict) or set(receipt) != {*RECEIPT_FIELDS, "signature"}:
        return False
    body = {k: receipt[k] for k in RECEIPT_FIELDS}
    return verify(service_public_key, RECEIPT, canonical(body), receipt["signature"])


__all__ = [
    "Signer",
    "b64",
    "canonical",
    "certificate_shape",
    "decode_certificate",
    "encode_certificate",
    "endorse",
    "from_raw",
    "is_public_b64",
    "issue_certificate",
    "key_id",
    "load_public",
    "new_key",
    "private_raw",
    "public_b64",
    "revoke",
    "seal",
    "sign_entry",
    "sign_receipt",
    "unb64",
    "unseal",
    "verify",
    "verify_certificate",
    "verify_endorsement",
    "verify_entry",
    "verify_receipt",
    "verify_revocation",
]
