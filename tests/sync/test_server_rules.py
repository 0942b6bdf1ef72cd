"""The reference service's rules from sync/openapi.yaml, each against hostile input: a typed
error in the documented shape, never a 500, and nothing stored changes."""

from __future__ import annotations

import json
import uuid as uuidlib

import pytest
import requests

from sync import wire
from tests.media import photo_jpeg
from tests.sync.signer import enrol_body, enrol_key

JPEG = photo_jpeg(b"rules")

VALID_HASH = "0" * 64


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
def caller(central):
    return enrol_key(central.url, central.enrol_code())


def post(caller, path, body: bytes, **headers):
    h = caller.headers("POST", path, body)
    return requests.post(caller.url + path, data=body, headers={**h, **headers}, timeout=10)


def get(caller, path, query=""):
    h = caller.headers("GET", path, b"", query)
    return requests.get(caller.url + path + (f"?{query}" if query else ""), headers=h, timeout=10)


def error_code(resp):
    return resp.json()["error"]["code"]


def multipart(batch_id: str, manifest: bytes, photos: dict[str, bytes]) -> tuple[bytes, str]:
    """The client's multipart framing around any manifest bytes."""
    boundary = wire.boundary_for(batch_id)
    out = bytearray()
    parts = [("manifest", "application/json", manifest)]
    parts += [(f"photo-{u}", "image/jpeg", jpeg) for u, jpeg in photos.items()]
    for name, ctype, data in parts:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'.encode()
        out += f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


PHOTOS: dict[str, bytes] = {}  # the photo of each valid_record, sent unless a test says


def batch(records, photos=None, batch_id=None, mutate=None):
    batch_id = batch_id or str(uuidlib.uuid4())
    if photos is None:
        uuids = {r.get("uuid") for r in records if isinstance(r, dict)}
        photos = {u: jpeg for u, jpeg in PHOTOS.items() if u in uuids}
    manifest = {"batch_id": batch_id, "schema_version": 1, "records": records}
    if mutate:
        mutate(manifest)
    body, ctype = multipart(batch_id, json.dumps(manifest).encode(), photos or {})
    return batch_id, body, ctype


def upload(caller, body, ctype, key):
    return post(
        caller,
        f"/v1/stations/{caller.station_id}/batches",
        body,
        **{"Content-Type": ctype, "Idempotency-Key": key},
    )


def valid_record(seed=1, jpeg=None):
    """A valid new registration with its photo (``jpeg``, else the tests' JPEG), which
    ``batch`` sends with it: the service produces no card without one (photo_required)."""
    import datetime as dt
    import hashlib
    import random

    from station.record import content_hash
    from station.samples import synthetic_record

    rec = synthetic_record(random.Random(seed), dt.date.today())
    rec.update(
        uuid=str(uuidlib.uuid4()),
        number="45010300000100001",
        captured_at="2026-01-05T10:00:00+08:00",
        operator="coord",
    )
    jpeg = JPEG if jpeg is None else jpeg
    rec["photo"] = hashlib.sha256(jpeg).hexdigest()
    PHOTOS[rec["uuid"]] = jpeg
    return {"uuid": rec["uuid"], "content_hash": content_hash(rec), "record": rec}


# -- nested JSON, huge numbers, malformed bodies -------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        nested(100_000),
        '{"uuids": ' + nested(5000) + "}",
        '{"uuids": [' + "9" * 5000 + "]}",
        '{"uuids": [NaN]}',
        "\ufeff{}",
        '{"uuids": ["\udcff"]}',
        "",
        '{"uuids": 1}',
        '{"uuids": [], "extra": 1}',
        '{"uuids": [' + ",".join(['"x"'] * 501) + "]}",
        '{"uuids": [{"a": 1}]}',
    ],
)
def test_lookup_refuses_hostile_json_with_400(caller, body):
    r = post(caller, "/v1/applications:lookup", body.encode("utf-8", "surrogatepass"))
    assert r.status_code == 400 and error_code(r) == "bad_request"


@pytest.mark.parametrize(
    "doc",
    [
        nested(100_000),
        '{"uuid": ' + nested(64) + ', "at": "x", "operator": "y"}',
        '{"uuid": 5, "at": "x", "operator": "y"}',
        '{"uuid": "u", "at": "x"}',
        '{"uuid": "u", "at": "x", "operator": "y", "more": 1}',
        '{"uuid": "' + "u" * 65 + '", "at": "x", "operator": "y"}',
    ],
)
def test_handover_refuses_hostile_json_with_400(caller, doc):
    r = post(caller, f"/v1/stations/{caller.station_id}/handovers", doc.encode())
    assert r.status_code == 400 and error_code(r) == "bad_request"


@pytest.mark.parametrize(
    "doc",
    [
        nested(100_000),
        '{"code": ' + nested(64) + ', "public_key": "x", "station_code": "450103000001"}',
        '{"code": "A", "public_key": "not base64!", "station_code": "450103000001"}',
        '{"code": "A", "public_key": "AAAA", "station_code": "450103000001"}',
        '{"code": "A", "public_key": "' + "A" * 44 + '", "station_code": "45"}',
        '{"code": "A", "public_key": "'
        + "A" * 44
        + '", "station_code": "４５０１０３０００００１"}',
    ],
)
def test_enrol_refuses_hostile_json_with_400(central, doc):
    before = central.store.status()["stations"]
    r = requests.post(central.url + "/v1/stations:enrol", data=doc.encode(), timeout=10)
    assert r.status_code == 400 and error_code(r) == "bad_request"
    assert central.store.status()["stations"] == before


def test_reenrolling_a_key(central):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    code = central.enrol_code()
    first = requests.post(central.url + "/v1/stations:enrol", json=enrol_body(code, key), timeout=5)
    assert first.status_code == 201
    # the same code and key again (the first response was lost): the same station
    again = requests.post(central.url + "/v1/stations:enrol", json=enrol_body(code, key), timeout=5)
    assert again.status_code == 201
    assert again.json()["station_id"] == first.json()["station_id"]
    # the same key with a fresh code: refused, and the fresh code stays unused
    fresh = central.enrol_code()
    other = requests.post(
        central.url + "/v1/stations:enrol", json=enrol_body(fresh, key), timeout=5
    )
    assert other.status_code == 409 and error_code(other) == "already_enrolled"
    assert central.store.status()["stations"] == 1
    new_key = requests.post(
        central.url + "/v1/stations:enrol",
        json=enrol_body(fresh, Ed25519PrivateKey.generate()),
        timeout=5,
    )
    assert new_key.status_code == 201


# -- the change feed's cursor ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "since=1e20",
        "since=100000000000000000000",
        "since=9223372036854775808",
        "since=-1",
        "since=%D9%A5",  # an Arabic-Indic digit five
        "since=+5",
        "since=",
        "limit=0",
        "limit=1001",
        "limit=x",
    ],
)
def test_changes_refuses_bad_cursors_with_400(caller, query):
    r = get(caller, f"/v1/stations/{caller.station_id}/changes", query)
    assert r.status_code == 400 and error_code(r) == "bad_request"


def test_changes_accepts_the_largest_cursor(caller):
    r = get(caller, f"/v1/stations/{caller.station_id}/changes", f"since={2**63 - 1}")
    assert r.status_code == 200 and r.json() == {"events": [], "next": 2**63 - 1}


def test_a_get_with_a_body_is_refused(caller):
    path = f"/v1/stations/{caller.station_id}/changes"
    h = caller.headers("GET", path, b"x")
    r = requests.get(caller.url + path, data=b"x", headers=h, timeout=5)
    assert r.status_code == 400


# -- the manifest's rules ------------------------------------------------------------------------
def test_a_valid_batch_is_accepted(caller, central):
    item = valid_record()
    key, body, ctype = batch([item])
    r = upload(caller, body, ctype, key)
    assert r.status_code == 200, r.text
    assert r.json()["results"] == [{"uuid": item["uuid"], "status": "accepted"}]


def _item(**over):
    item = {"uuid": str(uuidlib.uuid4()), "content_hash": VALID_HASH, "record": {}}
    item.update(over)
    return item


def _deep(m):
    m["records"] = json.loads(nested(30))


@pytest.mark.parametrize(
    "mutate,code",
    [
        (lambda m: m.update(schema_version=2), "schema_version"),
        (lambda m: m.update(schema_version=True), "schema_version"),
        (lambda m: m.update(schema_version="1"), "schema_version"),
        (lambda m: m.update(schema_version=1.0), "schema_version"),
        (lambda m: m.pop("schema_version"), "bad_batch"),
        (lambda m: m.pop("records"), "bad_batch"),
        (lambda m: m.update(extra=1), "bad_batch"),
        (lambda m: m.update(records={}), "bad_batch"),
        (_deep, "bad_batch"),
    ],
)
def test_manifest_rules_refuse_the_batch(caller, central, mutate, code):
    key, body, ctype = batch([valid_record()], mutate=mutate)
    r = upload(caller, body, ctype, key)
    assert r.status_code == 400 and error_code(r) == code, r.text
    assert central.store.status()["applications"] == 0


@pytest.mark.parametrize(
    "item",
    [
        _item(uuid="not-a-uuid"),
        _item(uuid=5),
        _item(content_hash="ABC"),
        _item(record=[]),
        _item(extra=1),
        {"uuid": str(uuidlib.uuid4()), "record": {}},
        "just a string",
    ],
)
def test_malformed_items_refuse_the_batch(caller, central, item):
    key, body, ctype = batch([item])
    r = upload(caller, body, ctype, key)
    assert r.status_code == 400 and error_code(r) == "bad_batch", r.text


def test_idempotency_key_must_be_a_uuid_and_match(caller):
    key, body, ctype = batch([valid_record()], batch_id="not-a-uuid")
    r = upload(caller, body, ctype, "not-a-uuid")
    assert r.status_code == 400 and error_code(r) == "bad_idempotency_key"
    key, body, ctype = batch([valid_record()])
    r = upload(caller, body, ctype, str(uuidlib.uuid4()))
    assert r.status_code == 400 and error_code(r) == "bad_batch"


def test_too_many_records_is_413(caller):
    items = [_item() for _ in range(501)]
    key, body, ctype = batch(items)
    r = upload(caller, body, ctype, key)
    assert r.status_code == 413 and error_code(r) == "too_many_records"


def test_a_part_for_no_record_refuses_the_batch(caller):
    item = valid_record()
    key, body, ctype = batch([item], photos={item["uuid"]: JPEG})
    for name in ("photo-" + str(uuidlib.uuid4()), "stranger"):
        stranger = body.replace(f'name="photo-{item["uuid"]}"'.encode(), f'name="{name}"'.encode())
        r = upload(caller, stranger, ctype, key)
        assert r.status_code == 400 and error_code(r) == "bad_batch"


def test_photo_rules_are_answered_per_record(caller, central):
    import hashlib

    from station.record import content_hash

    def with_photo(jpeg, seed):
        item = valid_record(seed)
        item["record"]["photo"] = hashlib.sha256(jpeg).hexdigest()
        item["content_hash"] = content_hash(item["record"])
        return item

    big = b"\xff\xd8" + b"\0" * (2 * 1024 * 1024)
    not_jpeg = b"GIF89a" + b"\0" * 100
    good = with_photo(JPEG, 1)
    too_big = with_photo(big, 2)
    gif = with_photo(not_jpeg, 3)
    missing = with_photo(JPEG + b"x", 4)
    key, body, ctype = batch(
        [good, too_big, gif, missing],
        photos={good["uuid"]: JPEG, too_big["uuid"]: big, gif["uuid"]: not_jpeg},
    )
    r = upload(caller, body, ctype, key)
    assert r.status_code == 200, r.text
    results = {x["uuid"]: (x["status"], x.get("code"), x.get("field")) for x in r.json()["results"]}
    assert results == {
        good["uuid"]: ("accepted", None, None),
        too_big["uuid"]: ("rejected", "photo_too_large", "photo"),
        gif["uuid"]: ("rejected", "photo_not_jpeg", "photo"),
        missing["uuid"]: ("rejected", "photo_missing", "photo"),
    }
    assert central.store.status()["photos"] == 1


def test_no_card_without_a_photo(caller, central):
    """A record from which a card would be produced is refused without its photo: a new
    registration, a replacement, a change the service holds no version of; an endorsement is
    written onto the card the holder has, and needs none."""
    from station.record import content_hash

    def bare(seed, kind):
        item = valid_record(seed)
        PHOTOS.pop(item["uuid"])
        item["record"].pop("photo")
        item["record"]["kind"] = kind
        item["content_hash"] = content_hash(item["record"])
        return item

    items = [
        bare(i, kind) for i, kind in enumerate(("new", "replacement", "change", "endorsement"))
    ]
    key, body, ctype = batch(items)
    r = upload(caller, body, ctype, key)
    assert r.status_code == 200, r.text
    results = [(x["status"], x.get("code"), x.get("field")) for x in r.json()["results"]]
    assert results == [("rejected", "photo_required", "photo")] * 3 + [("accepted", None, None)]
    assert central.store.status()["applications"] == 1


def test_json_bodies_over_their_limit_are_413(caller):
    body = json.dumps({"uuids": ["x" * 60] * 5000}).encode()
    r = post(caller, "/v1/applications:lookup", body)
    assert r.status_code == 413 and error_code(r) == "too_large"


# -- the path as sent is what is signed ------------------------------------------------------------
def raw_get(caller, path: str, signed_path: str | None = None):
    """A GET with the request target byte for byte (requests would re-quote it)."""
    import http.client
    from urllib.parse import urlsplit

    h = caller.headers("GET", signed_path or path)
    conn = http.client.HTTPConnection(urlsplit(caller.url).netloc, timeout=10)
    try:
        conn.request("GET", path, headers=h)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def test_a_percent_encoded_batch_id_verifies(caller):
    item = valid_record()
    key, body, ctype = batch([item])
    assert upload(caller, body, ctype, key).status_code == 200
    base = f"/v1/stations/{caller.station_id}/batches/"
    # signed over the path exactly as it goes on the wire, looked up decoded
    status, doc = raw_get(caller, base + key.replace("-", "%2D", 1))
    assert status == 200 and doc["batch_id"] == key
    status, doc = raw_get(caller, base + "a%20b")
    assert status == 404 and doc["error"]["code"] == "unknown_batch"
    # a signature over the decoded form does not cover the path that was sent
    status, doc = raw_get(caller, base + key.replace("-", "%2D", 1), signed_path=base + key)
    assert status == 401 and doc["error"]["code"] == "bad_signature"


# -- another station's records are as unknown ones --------------------------------------------------
def test_foreign_records_answer_as_unknown_ones(central):
    a = enrol_key(central.url, central.enrol_code())
    b = enrol_key(central.url, central.enrol_code())
    item = valid_record()
    key, body, ctype = batch([item])
    assert upload(a, body, ctype, key).status_code == 200
    central.store.produce()  # ready for pickup at a
    unknown_uuid, unknown_batch = str(uuidlib.uuid4()), str(uuidlib.uuid4())

    def look(u):
        r = post(b, "/v1/applications:lookup", json.dumps({"uuids": [u]}).encode())
        return r.status_code, {k: v for k, v in r.json()["results"][0].items() if k != "uuid"}

    assert (
        look(item["uuid"])
        == look(unknown_uuid)
        == (200, {"state": "unknown", "content_hash": None})
    )

    def hand(u):
        doc = {"uuid": u, "at": "2026-01-05T10:00:00+08:00", "operator": "coord"}
        r = post(b, f"/v1/stations/{b.station_id}/handovers", json.dumps(doc).encode())
        return r.status_code, r.json()

    assert hand(item["uuid"]) == hand(unknown_uuid)
    assert hand(unknown_uuid)[0] == 404

    def result(batch_id):
        r = get(b, f"/v1/stations/{b.station_id}/batches/{batch_id}")
        return r.status_code, r.json()

    assert result(key) == result(unknown_batch)
    assert result(key)[0] == 404
    # and b cannot ask through a's path either: that is refused before anything is looked up
    r = get(b, f"/v1/stations/{a.station_id}/batches/{key}")
    assert r.status_code == 403 and error_code(r) == "other_station"
    assert central.store.status()["by_state"]["ready_for_pickup"] == 1  # a's record untouched
