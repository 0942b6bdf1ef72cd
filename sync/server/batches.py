"""A batch upload: the manifest's rules (the OpenAPI ``Manifest`` schema, enforced here), then
one result per record inside one transaction, stored with the body's hash for idempotency.

What refuses the whole batch (400): a body that is not the documented multipart, a manifest
that breaks the schema (unknown or missing fields, a schema version the service does not
speak, a batch id other than the Idempotency-Key, a malformed uuid or content hash), a part
that belongs to no record. More records than the service takes is 413 (halve and retry).
What is answered per record (``rejected`` with a code and a field path): the record itself
breaking the station's validation rules, a hash that does not match, a missing, oversized or
non-JPEG photo, a record that would print a card and has no photo (``photo_required`` on the
field ``photo``: station/cards.py decides which versions print one, against the version the
service already holds) — so one bad record never holds up the others.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from station.cards import needs_photo
from station.errors import ValidationError
from station.i18n import _
from station.record import content_hash
from station.validation import check_application
from sync import wire
from sync.server.http import Limits, Refusal, load_json
from sync.server.store import CentralStore, Tx
from sync.server.trust import now_iso

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
MANIFEST_KEYS = {"batch_id", "schema_version", "records"}
ITEM_KEYS = {"uuid", "content_hash", "record"}


@dataclass(frozen=True)
class Item:
    uuid: str
    content_hash: str
    record: dict[str, Any]


def bad(message: str) -> Refusal:
    return Refusal(400, "bad_batch", message)


def idempotency_key(headers: Any) -> str:
    key = headers.get("idempotency-key", "")
    if not UUID.match(key):
        raise Refusal(400, "bad_idempotency_key", "Idempotency-Key must be a uuid")
    return str(key)


def parse(
    body: bytes, content_type: str, key: str, limits: Limits
) -> tuple[list[Item], dict[str, bytes]]:
    """The manifest's items and the photo parts by uuid, or a Refusal."""
    try:
        parts = wire.decode_multipart(body, content_type)
    except wire.BodyError as exc:
        raise bad(f"the body is not the batch multipart ({exc})") from None
    if "manifest" not in parts:
        raise bad("the manifest part is missing")
    try:
        manifest = load_json(parts.pop("manifest"))
    except ValueError:
        raise bad("the manifest is not valid JSON") from None
    if not isinstance(manifest, dict) or set(manifest) != MANIFEST_KEYS:
        raise bad("the manifest has exactly batch_id, schema_version and records")
    version = manifest["schema_version"]
    if type(version) is not int or version != wire.SCHEMA_VERSION:
        raise Refusal(
            400, "schema_version", f"this service speaks schema version {wire.SCHEMA_VERSION}"
        )
    if manifest["batch_id"] != key:
        raise bad("batch_id differs from the Idempotency-Key")
    records = manifest["records"]
    if not isinstance(records, list):
        raise bad("records is a list")
    if len(records) > limits.max_records:
        raise Refusal(413, "too_many_records", f"at most {limits.max_records} records a batch")
    items = []
    for i, raw in enumerate(records):
        if not isinstance(raw, dict) or set(raw) != ITEM_KEYS:
            raise bad(f"records[{i}] has exactly uuid, content_hash and record")
        if not isinstance(raw["uuid"], str) or not UUID.match(raw["uuid"]):
            raise bad(f"records[{i}].uuid is not a uuid")
        if not isinstance(raw["content_hash"], str) or not SHA256.match(raw["content_hash"]):
            raise bad(f"records[{i}].content_hash is not a SHA-256")
        if not isinstance(raw["record"], dict):
            raise bad(f"records[{i}].record is not an object")
        items.append(Item(raw["uuid"], raw["content_hash"], raw["record"]))
    uuids = {item.uuid for item in items}
    photos = {}
    for name, data in parts.items():
        uuid = name.removeprefix("photo-")
        if not name.startswith("photo-") or uuid not in uuids:
            raise bad("a part belongs to no record of the manifest")
        photos[uuid] = data
    return items, photos


def check_item(
    item: Item, photos: dict[str, bytes], limits: Limits, rules: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The rejection of one record, or None when it may be stored. ``rules``: what the
    residence is checked against (``tables.residence_rules``: the station city's table)."""
    out: dict[str, Any] = {"uuid": item.uuid, "status": "rejected"}
    try:
        check_application(item.record, **(rules or {"unchecked_communities": True}))
    except ValidationError as exc:
        first = exc.errors[0]
        return dict(out, code=first.code, field=first.field, message=first.message)
    if item.record.get("uuid") != item.uuid or content_hash(item.record) != item.content_hash:
        return dict(out, code="hash_mismatch", field="")
    photo_sha = item.record.get("photo")
    if photo_sha:
        jpeg = photos.get(item.uuid)
        if jpeg is None or hashlib.sha256(jpeg).hexdigest() != photo_sha:
            return dict(out, code="photo_missing", field="photo")
        if len(jpeg) > limits.max_photo_bytes:
            return dict(out, code="photo_too_large", field="photo")
        if not jpeg.startswith(b"\xff\xd8"):
            return dict(out, code="photo_not_jpeg", field="photo")
    return None


def accept(
    tx: Tx,
    station_id: str,
    key: str,
    item: Item,
    photos: dict[str, bytes],
    at: str,
    station_code: str,
) -> dict[str, Any]:
    out: dict[str, Any] = {"uuid": item.uuid}
    stored = tx.application_hash(item.uuid)
    if stored is not None and stored == item.content_hash:
        return dict(out, status="duplicate")
    held = tx.application_record(item.uuid) if stored is not None else None
    if needs_photo(item.record, held):  # no card is ever produced without a photo
        return dict(
            out,
            status="rejected",
            code="photo_required",
            field="photo",
            message=_("A card is produced from this record: it needs the applicant's photo"),
        )
    if stored is not None:
        tx.add_conflict(station_id, item.uuid, item.content_hash, item.record, at)
        return dict(out, status="conflict", code="conflict")
    number = item.record.get("number")
    if isinstance(number, str):
        holder = tx.number_holder(number)
        if holder is not None and holder != item.uuid:  # a clone or a restored copy's number
            return dict(
                out,
                status="rejected",
                code="number_taken",
                field="number",
                message="another application holds this number: renumber and send again",
            )
    photo_sha = item.record.get("photo")
    if photo_sha:
        tx.add_photo(photo_sha, photos[item.uuid])
    tx.add_application(station_id, item.uuid, item.content_hash, item.record, at, key)
    if isinstance(number, str):
        tx.add_number(number, item.uuid, station_code)
    return dict(out, status="accepted")


def store_batch(
    store: CentralStore,
    station_id: str,
    key: str,
    body: bytes,
    items: list[Item],
    photos: dict[str, bytes],
    limits: Limits,
    sender: tuple[str, str] = ("station", "station"),
) -> tuple[dict[str, Any], bool]:
    """The batch result and whether it is a replay of a stored one (422 on another body);
    ``sender`` is the (operator, role) whose certified key signed the upload."""
    from sync.server.tables import residence_rules

    digest = hashlib.sha256(body).hexdigest()
    rules = residence_rules(store, station_id)
    checked = [(item, check_item(item, photos, limits, rules)) for item in items]
    with store.tx() as tx:
        old = tx.find_batch(station_id, key)
        if old is not None:
            if old.body_sha256 != digest:
                raise Refusal(
                    422, "idempotency_mismatch", "this Idempotency-Key was used with another body"
                )
            return old.response, True
        received = now_iso()
        code = tx.station_code(station_id)
        results = [
            rejection or accept(tx, station_id, key, item, photos, received, code)
            for item, rejection in checked
        ]
        response = {"batch_id": key, "received_at": received, "results": results}
        tx.save_batch(station_id, key, digest, response)
        tx.add_sender(station_id, key, *sender)
    return response, False
