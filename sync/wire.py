"""What travels between station and service: request signatures, batch bodies, digests.

Signatures follow RFC 9421 (HTTP Message Signatures) with Ed25519: the signature base covers
``@method``, ``@path``, ``content-digest`` (RFC 9530, SHA-256 of the body), ``date`` and
``station-id``; the headers are ``Signature-Input: sig1=(…);keyid="<station id>";alg="ed25519";
created=<unix time>`` and ``Signature: sig1=:<base64>:``.

Batch bodies are ``multipart/form-data`` built here byte for byte (a boundary derived from the
batch id, parts in a fixed order), so the station can store the exact bytes' hash before sending
and resend the very same bytes after a crash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

COMPONENTS = ("@method", "@path", "@query", "content-digest", "date", "station-id")
SCHEMA_VERSION = 1


def content_digest(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def http_date(unix: float) -> str:
    return formatdate(unix, usegmt=True)


def signature_base(
    method: str, path: str, query: str, digest: str, date: str, station_id: str, params: str
) -> bytes:
    lines = [
        f'"@method": {method.upper()}',
        f'"@path": {path}',
        f'"@query": ?{query}',
        f'"content-digest": {digest}',
        f'"date": {date}',
        f'"station-id": {station_id}',
        f'"@signature-params": {params}',
    ]
    return "\n".join(lines).encode()


def sign_headers(
    key: Ed25519PrivateKey,
    station_id: str,
    method: str,
    path: str,
    body: bytes,
    now: float,
    query: str = "",
) -> dict[str, str]:
    """Signature headers; ``query`` is the encoded query string without ``?``. A random nonce
    makes every signature unique, so the service can refuse a replayed one."""
    import secrets

    digest = content_digest(body)
    date = http_date(now)
    comps = " ".join(f'"{c}"' for c in COMPONENTS)
    params = (
        f'({comps});keyid="{station_id}";alg="ed25519";created={int(now)};'
        f'nonce="{secrets.token_hex(12)}"'
    )
    sig = key.sign(signature_base(method, path, query, digest, date, station_id, params))
    return {
        "Content-Digest": digest,
        "Date": date,
        "Station-Id": station_id,
        "Signature-Input": f"sig1={params}",
        "Signature": "sig1=:" + base64.b64encode(sig).decode() + ":",
    }


_INPUT = re.compile(
    r'^sig1=(\(.*\);keyid="([^"]+)";alg="ed25519";created=(\d+);nonce="[0-9a-f]{16,64}")$'
)
_SIG = re.compile(r"^sig1=:([A-Za-z0-9+/=]+):$")


@dataclass(frozen=True)
class SignedRequest:
    station_id: str
    signature: bytes
    params: str


def parse_signature(headers: Any) -> SignedRequest | None:
    m = _INPUT.match(headers.get("signature-input", ""))
    s = _SIG.match(headers.get("signature", ""))
    if not m or not s:
        return None
    expected = "(" + " ".join(f'"{c}"' for c in COMPONENTS) + ")"
    if not m.group(1).startswith(expected):
        return None
    try:
        sig = base64.b64decode(s.group(1), validate=True)
    except ValueError:
        return None
    return SignedRequest(m.group(2), sig, m.group(1))


def verify(
    public: Ed25519PublicKey,
    signed: SignedRequest,
    method: str,
    path: str,
    query: str,
    headers: Any,
) -> bool:
    base = signature_base(
        method,
        path,
        query,
        headers.get("content-digest", ""),
        headers.get("date", ""),
        headers.get("station-id", ""),
        signed.params,
    )
    try:
        public.verify(signed.signature, base)
    except InvalidSignature:
        return False
    return True


def public_bytes(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_public(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


# -- batch bodies ------------------------------------------------------------------------------
def boundary_for(batch_id: str) -> str:
    return "station-batch-" + hashlib.sha256(batch_id.encode()).hexdigest()[:32]


def encode_batch(
    batch_id: str, records: list[dict[str, Any]], photos: dict[str, bytes]
) -> tuple[bytes, str]:
    """The multipart body and its content type. ``records``: ``{uuid, content_hash, record}``."""
    boundary = boundary_for(batch_id)
    manifest = {"batch_id": batch_id, "schema_version": SCHEMA_VERSION, "records": records}
    parts = [
        (
            "manifest",
            "application/json",
            json.dumps(
                manifest, ensure_ascii=False, sort_keys=True, separators=(",", ":")
            ).encode(),
        )
    ]
    for rec in records:
        if rec["uuid"] in photos:
            parts.append((f"photo-{rec['uuid']}", "image/jpeg", photos[rec["uuid"]]))
    out = bytearray()
    for name, ctype, data in parts:
        out += f"--{boundary}\r\n".encode()
        filename = f'; filename="{name}.jpg"' if ctype == "image/jpeg" else ""
        out += f'Content-Disposition: form-data; name="{name}"{filename}\r\n'.encode()
        out += f"Content-Type: {ctype}\r\n\r\n".encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


class BodyError(ValueError):
    """A request body that is not what the protocol says."""


_DISPOSITION = re.compile(r'form-data;\s*name="([^"]+)"')


def decode_multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    """Strict multipart/form-data parser for the batch body: part name → bytes."""
    m = re.search(r"boundary=([^;\s]+)", content_type or "")
    if not content_type.startswith("multipart/form-data") or not m:
        raise BodyError("not multipart/form-data")
    boundary = m.group(1).strip('"').encode()
    delimiter = b"--" + boundary
    if not body.startswith(delimiter):
        raise BodyError("body does not start with the boundary")
    end = body.find(delimiter + b"--")
    if end < 0:
        raise BodyError("no closing boundary")
    segment = body[len(delimiter) : end]
    if not segment.endswith(b"\r\n"):
        raise BodyError("malformed closing boundary")
    parts: dict[str, bytes] = {}
    for chunk in segment[:-2].split(b"\r\n" + delimiter):
        if not chunk.startswith(b"\r\n"):
            raise BodyError("malformed part")
        head, sep, data = chunk[2:].partition(b"\r\n\r\n")
        if not sep:
            raise BodyError("part without headers")
        name = None
        for line in head.decode("latin-1").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                dm = _DISPOSITION.search(line)
                name = dm.group(1) if dm else None
        if not name or name in parts:
            raise BodyError("part without a unique name")
        parts[name] = data
    return parts
