"""The calls of the protocol (sync/openapi.yaml), one module-level function each.

Authentication, body limits and refusals are the decorators' business (``sync.server.auth``);
SQL is the store's (``sync.server.store``). A handler turns a verified request into a store
call and the store's answer into the documented response.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from station.profile import version_key
from sync import wire
from sync.server import batches, tables
from sync.server.auth import Caller, authenticated, public
from sync.server.http import Refusal, json_body, string_field
from sync.server.store import now_iso

MAX_CURSOR = 2**63 - 1
MAX_FIELD = 64


@public(body="none")
async def config(request: Request, caller: Caller) -> Response:
    limits = caller.limits
    versions = await run_in_threadpool(caller.store.code_tables_versions)
    export_key = await run_in_threadpool(tables.export_public_key, caller.store)
    newest = max(versions.values(), key=version_key) if versions else ""
    return JSONResponse(
        {
            "code_tables_version": newest,
            "code_tables": versions,
            "export_key": export_key,
            "schema_versions": [wire.SCHEMA_VERSION],
            "limits": {
                "max_batch_bytes": limits.max_batch_bytes,
                "max_records": limits.max_records,
                "max_lookup": limits.max_lookup,
                "max_photo_bytes": limits.max_photo_bytes,
            },
            "time": now_iso(),
        }
    )


@authenticated()
async def code_tables(request: Request, caller: Caller) -> Response:
    """The code tables published for the calling station's city."""
    city = await run_in_threadpool(tables.station_city, caller.store, caller.station_id)
    found = await run_in_threadpool(caller.store.code_tables, city) if city else None
    if found is None:
        raise Refusal(404, "no_code_tables", "no code tables are published for this city")
    return Response(found[1].encode(), media_type="application/json")


@public(body="json")
async def enrol(request: Request, caller: Caller) -> Response:
    doc = json_body(caller.body)
    if set(doc) != {"code", "public_key", "station_code"}:
        raise Refusal(400, "bad_request", "expected {code, public_key, station_code}")
    code = string_field(doc, "code", MAX_FIELD).strip().upper()
    station_code = string_field(doc, "station_code", 12, r"[0-9]{12}")
    try:
        public_key = base64.b64decode(string_field(doc, "public_key", 64), validate=True)
        wire.load_public(public_key)
    except (ValueError, binascii.Error):
        raise Refusal(400, "bad_request", "public_key: base64 of a 32-byte Ed25519 key") from None
    station_id = "st-" + hashlib.sha256(public_key).hexdigest()[:16]
    outcome = await run_in_threadpool(
        caller.store.enrol,
        code,
        station_id,
        base64.b64encode(public_key).decode(),
        station_code,
    )
    if outcome == "bad_code":
        raise Refusal(403, "bad_enrol_code", "unknown or already used enrolment code")
    if outcome == "already_enrolled":
        raise Refusal(409, "already_enrolled", "this key is already enrolled")
    return JSONResponse({"station_id": station_id, "time": now_iso()}, status_code=201)


@authenticated(body="batch")
async def upload(request: Request, caller: Caller) -> Response:
    key = batches.idempotency_key(request.headers)
    items, photos = batches.parse(
        caller.body, request.headers.get("content-type", ""), key, caller.limits
    )
    response, replay = await run_in_threadpool(
        batches.store_batch,
        caller.store,
        caller.station_id,
        key,
        caller.body,
        items,
        photos,
        caller.limits,
    )
    return JSONResponse(response, headers={"Idempotent-Replay": "true"} if replay else None)


@authenticated()
async def batch_result(request: Request, caller: Caller) -> Response:
    found = await run_in_threadpool(
        caller.store.batch_response, caller.station_id, request.path_params["batch_id"]
    )
    if found is None:
        raise Refusal(404, "unknown_batch", "no such batch from this station")
    return JSONResponse(found)


@authenticated(body="json")
async def lookup(request: Request, caller: Caller) -> Response:
    doc = json_body(caller.body)
    uuids = doc.get("uuids")
    if (
        set(doc) != {"uuids"}
        or not isinstance(uuids, list)
        or len(uuids) > caller.limits.max_lookup
        or not all(isinstance(u, str) and len(u) <= MAX_FIELD for u in uuids)
    ):
        raise Refusal(
            400,
            "bad_request",
            f"expected {{uuids: [...]}}: at most {caller.limits.max_lookup} strings",
        )
    results = await run_in_threadpool(caller.store.lookup, caller.station_id, uuids)
    return JSONResponse({"results": results})


def _integer(request: Request, name: str, default: int, low: int, high: int) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    if not re.fullmatch(r"[0-9]{1,19}", value) or not low <= int(value) <= high:
        raise Refusal(400, "bad_request", f"{name}: an integer from {low} to {high}")
    return int(value)


@authenticated()
async def changes(request: Request, caller: Caller) -> Response:
    since = _integer(request, "since", 0, 0, MAX_CURSOR)
    limit = _integer(request, "limit", 500, 1, 1000)
    events = await run_in_threadpool(caller.store.changes, caller.station_id, since, limit)
    return JSONResponse({"events": events, "next": events[-1]["seq"] if events else since})


@authenticated(body="json")
async def handovers(request: Request, caller: Caller) -> Response:
    doc = json_body(caller.body)
    if set(doc) != {"uuid", "at", "operator"}:
        raise Refusal(400, "bad_request", "expected {uuid, at, operator}")
    uuid = string_field(doc, "uuid", MAX_FIELD)
    at = string_field(doc, "at", MAX_FIELD)
    operator = string_field(doc, "operator", MAX_FIELD)
    outcome = await run_in_threadpool(caller.store.hand_over, caller.station_id, uuid, at, operator)
    if outcome == "unknown":
        raise Refusal(404, "unknown_application", "no such application here")
    if outcome == "not_ready":
        raise Refusal(409, "not_ready", "the card is not ready for pickup")
    status = 201 if outcome == "recorded" else 200
    return JSONResponse({"uuid": uuid, "state": "collected"}, status_code=status)
