"""``station central import DIR``: the batches and handovers a station without network wrote
to a USB stick (sync/EXPORT.md), taken in as if they had arrived over HTTP.

Each file is opened with the service's export key (a file sealed for another service, or
changed by one byte, is refused), each request in it is authenticated from its headers exactly
as the HTTP path does (signature parameters, Station-Id, the station enrolled and not revoked,
the Ed25519 signature over method, path, query, Content-Digest, Date and Station-Id, the
digest of the body) — except the 5-minute Date window and the nonce replay check, which
cannot hold for a file carried for weeks — and then handed to the same code as the HTTP
handlers: ``batches.parse`` and ``batches.store_batch`` (idempotent by batch id and body
hash: importing twice adds nothing), ``CentralStore.hand_over`` (a second time: "already").
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sync import sealed, wire
from sync.server import batches, tables
from sync.server.http import Limits, Refusal
from sync.server.store import CentralStore

EXPORT_FORMAT = "station-export"
MANIFEST_FORMAT = "station-export-manifest"
SUFFIX = ".stx"
MAX_FILE_BYTES = 32 * 1024 * 1024
_PATH = re.compile(r"^/v1/stations/(st-[0-9a-f]{16})/(batches|handovers)$")
_DIGEST = re.compile(r"^sha-256=:[A-Za-z0-9+/]{43}=:$")


class Refused(Exception):
    def __init__(self, code: str, why: str) -> None:
        super().__init__(why)
        self.code = code
        self.why = why


@dataclass
class Outcome:
    file: str
    status: str = "imported"  # or "refused"
    code: str = ""
    why: str = ""
    kind: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "status": self.status, "kind": self.kind}
        if self.status == "refused":
            out.update(code=self.code, why=self.why)
        else:
            out["counts"] = self.counts
        return out


def verify_request(store: CentralStore, req: Any) -> tuple[str, dict[str, str], bytes]:
    """(station id, lower-cased headers, body) of an exported request whose signature holds."""
    if not isinstance(req, dict) or not isinstance(req.get("headers"), dict):
        raise Refused("bad_export", "a request without headers")
    try:
        body = base64.b64decode(str(req.get("body", "")), validate=True)
    except (binascii.Error, ValueError):
        raise Refused("bad_export", "a request body that is not base64") from None
    headers = {str(k).lower(): str(v) for k, v in req["headers"].items()}
    method, path = str(req.get("method", "")), str(req.get("path", ""))
    query = str(req.get("query", ""))
    signed = wire.parse_signature(headers)
    if signed is None:
        raise Refused("unsigned", "the request carries no valid signature")
    if headers.get("station-id") != signed.station_id:
        raise Refused("bad_signature", "station-id header and key id differ")
    m = _PATH.match(path)
    if method != "POST" or not m:
        raise Refused("bad_export", "not an upload of batches or handovers")
    if m.group(1) != signed.station_id:
        raise Refused("other_station", "a station may only use its own resources")
    try:
        dt.datetime.strptime(headers.get("date", ""), "%a, %d %b %Y %H:%M:%S GMT")
    except ValueError:
        raise Refused("bad_date", "missing or malformed Date") from None
    if not _DIGEST.match(headers.get("content-digest", "")):
        raise Refused("bad_digest", "missing or malformed Content-Digest")
    if headers["content-digest"] != wire.content_digest(body):
        raise Refused("bad_digest", "Content-Digest does not match the body")
    station = store.station_key(signed.station_id)
    if station is None:
        raise Refused("unknown_station", "this station is not enrolled here")
    if station.revoked:
        raise Refused("revoked", "this station's enrolment was revoked")
    key = wire.load_public(base64.b64decode(station.public_key))
    if not wire.verify(key, signed, method, path, query, headers):
        raise Refused("bad_signature", "the signature does not verify")
    return signed.station_id, headers, body


def _apply(store: CentralStore, req: Any, limits: Limits, counts: dict[str, int]) -> None:
    station_id, headers, body = verify_request(store, req)
    try:
        if str(req["path"]).endswith("/batches"):
            if len(body) > limits.max_batch_bytes:
                raise Refused("too_large", "a batch larger than the service takes")
            key = batches.idempotency_key(headers)
            items, photos = batches.parse(body, headers.get("content-type", ""), key, limits)
            response, replay = batches.store_batch(
                store, station_id, key, body, items, photos, limits
            )
            if replay:
                counts["already"] = counts.get("already", 0) + len(response["results"])
                return
            for res in response["results"]:
                counts[res["status"]] = counts.get(res["status"], 0) + 1
            return
        if len(body) > limits.max_json_bytes:
            raise Refused("too_large", "a handover larger than the service takes")
        doc = json.loads(body)
        if not isinstance(doc, dict) or set(doc) != {"uuid", "at", "operator"}:
            raise Refused("bad_request", "expected {uuid, at, operator}")
        if not all(isinstance(doc[k], str) and 0 < len(doc[k]) <= 64 for k in doc):
            raise Refused("bad_request", "uuid, at and operator: strings of 1 to 64")
        outcome = store.hand_over(station_id, doc["uuid"], doc["at"], doc["operator"])
        label = {"recorded": "handovers", "already": "already"}.get(outcome, outcome)
        counts[label] = counts.get(label, 0) + 1
    except Refusal as refusal:
        raise Refused(refusal.code, refusal.message) from None
    except ValueError:
        raise Refused("bad_request", "a handover body that is not JSON") from None


def import_file(store: CentralStore, path: Path, limits: Limits, expected: str | None) -> Outcome:
    out = Outcome(path.name)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise Refused("too_large", "larger than any export file")
        data = path.read_bytes()
        if expected is not None and hashlib.sha256(data).hexdigest() != expected:
            raise Refused("damaged", "the file differs from what the manifest lists")
        try:
            plain = sealed.unseal(data, tables.export_private_key(store))
        except sealed.SealError as exc:
            raise Refused(exc.code, str(exc)) from None
        try:
            doc = json.loads(plain)
        except ValueError:
            raise Refused("bad_export", "the sealed content is not JSON") from None
        if (
            not isinstance(doc, dict)
            or doc.get("format") != EXPORT_FORMAT
            or doc.get("version") != 1
            or doc.get("kind") not in ("batch", "handovers")
            or not isinstance(doc.get("requests"), list)
            or not doc["requests"]
        ):
            raise Refused("bad_export", "not a station export of this version")
        out.kind = doc["kind"]
        for req in doc["requests"]:
            _apply(store, req, limits, out.counts)
    except Refused as exc:
        out.status, out.code, out.why = "refused", exc.code, exc.why
    except OSError as exc:
        out.status, out.code, out.why = "refused", "unreadable", type(exc).__name__
    return out


def _manifests(folder: Path) -> tuple[dict[str, str], list[Outcome]]:
    """What the manifests list (file name → SHA-256), and the refusals they cause (a
    manifest that cannot be read, a listed file that is missing)."""
    listed: dict[str, str] = {}
    problems: list[Outcome] = []
    for path in sorted(folder.glob("manifest-*.json")):
        try:
            doc = json.loads(path.read_bytes())
            files = doc["files"] if doc.get("format") == MANIFEST_FORMAT else None
            if not isinstance(files, list):
                raise ValueError("no files")
            for entry in files:
                listed[str(entry["name"])] = str(entry["sha256"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            problems.append(Outcome(path.name, "refused", "bad_manifest", "not an export manifest"))
    for name in sorted(listed):
        if not (folder / name).is_file():
            problems.append(Outcome(name, "refused", "missing", "listed in a manifest, not there"))
    return listed, problems


def import_folder(
    store: CentralStore, folder: Path, limits: Limits | None = None
) -> dict[str, Any]:
    """Import every export file of ``folder``; per file what happened."""
    limits = limits or Limits()
    listed, outcomes = _manifests(folder)
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        outcomes.append(import_file(store, path, limits, listed.get(path.name)))
    totals: dict[str, int] = {}
    for o in outcomes:
        for k, v in o.counts.items():
            totals[k] = totals.get(k, 0) + v
    return {
        "files": [o.to_json() for o in outcomes],
        "imported": sum(1 for o in outcomes if o.status == "imported"),
        "refused": sum(1 for o in outcomes if o.status == "refused"),
        "counts": totals,
    }


__all__ = ["EXPORT_FORMAT", "MANIFEST_FORMAT", "SUFFIX", "import_folder", "verify_request"]
