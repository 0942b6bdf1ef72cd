"""Sealed files for the offline export (sync/EXPORT.md): a message encrypted to the central
service's X25519 public key with an ephemeral key pair, HKDF-SHA256 and AES-256-GCM, so that
only the service can open it and any change to a byte is detected.

Layout (all sizes in bytes)::

    magic "STXPORT1" (8) | recipient key id (8) | ephemeral public key (32) | nonce (12)
    | AES-256-GCM ciphertext with its 16-byte tag

The key id is the first 8 bytes of SHA-256 of the recipient's raw public key: a file sealed for
another service is recognised as foreign before any decryption is tried. The header (the first
60 bytes) is the AEAD's associated data. The AES key is HKDF-SHA256 over the X25519 shared
secret, salt = ephemeral public key ‖ recipient public key, info = ``INFO``.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"STXPORT1"
INFO = b"intake-station offline export v1"
HEADER = len(MAGIC) + 8 + 32 + 12
MIN_SIZE = HEADER + 16


class SealError(ValueError):
    """Not a sealed file (``code`` ``not_export``), sealed for another key (``foreign``), or
    changed since it was sealed (``damaged``)."""

    def __init__(self, code: str, why: str) -> None:
        super().__init__(why)
        self.code = code


def raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def raw_private(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def key_id(public: bytes) -> bytes:
    return hashlib.sha256(public).digest()[:8]


def _aes_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=INFO).derive(
        shared
    )


def seal(plaintext: bytes, recipient_public: bytes) -> bytes:
    """``plaintext`` sealed for the holder of the private key of ``recipient_public`` (raw
    32-byte X25519)."""
    recipient = X25519PublicKey.from_public_bytes(recipient_public)
    ephemeral = X25519PrivateKey.generate()
    eph_raw = raw_public(ephemeral.public_key())
    nonce = os.urandom(12)
    header = MAGIC + key_id(recipient_public) + eph_raw + nonce
    key = _aes_key(ephemeral.exchange(recipient), eph_raw, recipient_public)
    return header + AESGCM(key).encrypt(nonce, plaintext, header)


def is_sealed(data: bytes) -> bool:
    return data[: len(MAGIC)] == MAGIC


def unseal(data: bytes, private_key: X25519PrivateKey) -> bytes:
    """The plaintext, or ``SealError``."""
    if len(data) < MIN_SIZE or not is_sealed(data):
        raise SealError("not_export", "not a sealed export file")
    public = raw_public(private_key.public_key())
    kid = data[len(MAGIC) : len(MAGIC) + 8]
    if kid != key_id(public):
        raise SealError("foreign", "sealed for another service's key")
    eph_raw = data[len(MAGIC) + 8 : len(MAGIC) + 40]
    nonce = data[len(MAGIC) + 40 : HEADER]
    try:
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(eph_raw))
        key = _aes_key(shared, eph_raw, public)
        return AESGCM(key).decrypt(nonce, data[HEADER:], data[:HEADER])
    except (InvalidTag, ValueError) as exc:
        raise SealError("damaged", "the file was changed or truncated after it was sealed") from exc


__all__ = [
    "MAGIC",
    "SealError",
    "is_sealed",
    "key_id",
    "raw_private",
    "raw_public",
    "seal",
    "unseal",
]
