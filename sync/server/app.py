"""The reference central card-production service (Starlette ASGI app).

Why Starlette + uvicorn: small, well kept, async request bodies with a thread pool for the
blocking database work, and uvicorn runs several worker processes on one port — the same code
serves the tests, the demo and a district.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sync import wire
from sync.server.store import CentralStore, now_iso

CLOCK_SKEW = 300.0
MAX_BATCH_BYTES = 16 * 1024 * 1024
MAX_RECORDS = 500
MAX_LOOKUP = 500
CODE_TABLES_VERSION = "2026.1"


def error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def create_app(db: str) -> Starlette:
    store = CentralStore(db)

    async def authenticate(
        request: Request, station_id: str | None, body: bytes
    ) -> JSONResponse | str:
        """The verified station id, or the refusal."""
        now = time.time()
        signed = wire.parse_signature(request.headers)
        if signed is None:
            return error(401, "unsigned", "the request carries no valid signature")
        if station_id is not None and signed.station_id != station_id:
            return error(403, "other_station", "a station may only use its own resources")
        if request.headers.get("station-id") != signed.station_id:
            return error(401, "bad_signature", "station-id header and key id differ")
        if request.headers.get("content-digest") != wire.content_digest(body):
            return error(401, "bad_digest", "Content-Digest does not match the body")
        try:
            sent = dt.datetime.strptime(
                request.headers.get("date", ""), "%a, %d %b %Y %H:%M:%S GMT"
            ).replace(tzinfo=dt.UTC)
        except ValueError:
            return error(401, "bad_date", "missing or malformed Date", Date=wire.http_date(now))
        if abs(sent.timestamp() - now) > CLOCK_SKEW:
            return error(
                401,
                "clock_skew",
                "the station's clock is more than 5 minutes off",
                Date=wire.http_date(now),
            )

        def check() -> JSONResponse | str:
            row = (
                store.read()
                .execute(
                    "SELECT public_key, revoked FROM stations WHERE id = ?", (signed.station_id,)
                )
                .fetchone()
            )
            if row is None:
                return error(403, "unknown_station", "this station is not enrolled")
            if row[1]:
                return error(403, "revoked", "this station's enrolment was revoked")
            key = wire.load_public(base64.b64decode(row[0]))
            if not wire.verify(
                key, signed, request.method, request.url.path, request.url.query, request.headers
            ):
                return error(401, "bad_signature", "the signature does not verify")
            sig = base64.b64encode(signed.signature).decode()
            with store.tx() as c:
                c.execute("DELETE FROM signatures WHERE at < ?", (now - 2 * CLOCK_SKEW,))
                if c.execute("SELECT 1 FROM signatures WHERE sig = ?", (sig,)).fetchone():
                    return error(401, "replayed", "this signature was already used")
                c.execute("INSERT INTO signatures (sig, at) VALUES (?, ?)", (sig, now))
            return signed.station_id

        return await run_in_threadpool(check)

    async def config(request: Request) -> Response:
        return JSONResponse(
            {
                "code_tables_version": CODE_TABLES_VERSION,
                "schema_versions": [wire.SCHEMA_VERSION],
                "limits": {
                    "max_batch_bytes": MAX_BATCH_BYTES,
                    "max_records": MAX_RECORDS,
                    "max_lookup": MAX_LOOKUP,
                },
                "time": now_iso(),
            }
        )

    async def enrol(request: Request) -> Response:
        try:
            doc = json.loads(await request.body())
            code = str(doc["code"]).strip().upper()
            public = base64.b64decode(doc["public_key"], validate=True)
            wire.load_public(public)
            station_code = str(doc["station_code"])
        except (ValueError, KeyError, TypeError):
            return error(400, "bad_request", "expected {code, public_key, station_code}")

        def work() -> Response:
            with store.tx() as c:
                row = c.execute(
                    "SELECT used_by FROM enrol_codes WHERE code = ?", (code,)
                ).fetchone()
                if row is None or row[0]:
                    return error(403, "bad_enrol_code", "unknown or already used enrolment code")
                station_id = "st-" + hashlib.sha256(public).hexdigest()[:16]
                c.execute(
                    "INSERT INTO stations (id, code, public_key, enrolled_at) VALUES (?, ?, ?, ?)",
                    (station_id, station_code, base64.b64encode(public).decode(), now_iso()),
                )
                c.execute("UPDATE enrol_codes SET used_by = ? WHERE code = ?", (station_id, code))
            return JSONResponse({"station_id": station_id, "time": now_iso()}, status_code=201)

        return await run_in_threadpool(work)

    async def upload(request: Request) -> Response:
        station_id = request.path_params["station_id"]
        body = await request.body()
        who = await authenticate(request, station_id, body)
        if isinstance(who, Response):
            return who
        if len(body) > MAX_BATCH_BYTES:
            return error(413, "too_large", "batch too large")
        key = request.headers.get("idempotency-key", "")
        try:
            parts = wire.decode_multipart(body, request.headers.get("content-type", ""))
            manifest = json.loads(parts["manifest"])
            records = manifest["records"]
            if manifest.get("batch_id") != key or not isinstance(records, list):
                raise ValueError("batch id")
            if len(records) > MAX_RECORDS:
                return error(413, "too_many_records", "too many records in one batch")
        except (wire.BodyError, ValueError, KeyError, TypeError):
            return error(400, "bad_batch", "the batch body is malformed")
        digest = hashlib.sha256(body).hexdigest()
        return await run_in_threadpool(lambda: store_batch(station_id, key, digest, records, parts))

    def store_batch(
        station_id: str, key: str, digest: str, records: list[Any], parts: dict[str, bytes]
    ) -> Response:
        from station.errors import ValidationError
        from station.record import content_hash
        from station.validation import check_application

        with store.tx() as c:
            old = c.execute(
                "SELECT body_sha256, response FROM batches WHERE station_id = ? AND batch_id = ?",
                (station_id, key),
            ).fetchone()
            if old is not None:
                if old[0] != digest:
                    return error(
                        422,
                        "idempotency_mismatch",
                        "this Idempotency-Key was used with another body",
                    )
                return JSONResponse(json.loads(old[1]), headers={"Idempotent-Replay": "true"})
            results = []
            received = now_iso()
            for item in records:
                results.append(
                    accept_record(
                        c,
                        station_id,
                        key,
                        item,
                        parts,
                        received,
                        check_application,
                        content_hash,
                        ValidationError,
                    )
                )
            response = {"batch_id": key, "received_at": received, "results": results}
            c.execute(
                "INSERT INTO batches (station_id, batch_id, body_sha256, response,"
                " received_at) VALUES (?, ?, ?, ?, ?)",
                (station_id, key, digest, json.dumps(response), received),
            )
        return JSONResponse(response)

    def accept_record(
        c: Any,
        station_id: str,
        key: str,
        item: Any,
        parts: dict[str, bytes],
        received: str,
        check: Any,
        chash: Any,
        verr: Any,
    ) -> dict[str, Any]:
        if not isinstance(item, dict) or not isinstance(item.get("uuid"), str):
            return {
                "uuid": str(item.get("uuid") if isinstance(item, dict) else ""),
                "status": "rejected",
                "code": "bad_item",
                "field": "",
            }
        uuid, record = item["uuid"], item.get("record")
        out: dict[str, Any] = {"uuid": uuid}
        try:
            check(record)
        except verr as exc:
            first = exc.errors[0]
            return dict(
                out, status="rejected", code=first.code, field=first.field, message=first.message
            )
        if (
            not isinstance(record, dict)
            or record.get("uuid") != uuid
            or chash(record) != item.get("content_hash")
        ):
            return dict(out, status="rejected", code="hash_mismatch", field="")
        photo_sha = record.get("photo")
        if photo_sha:
            jpeg = parts.get(f"photo-{uuid}")
            if jpeg is None or hashlib.sha256(jpeg).hexdigest() != photo_sha:
                return dict(out, status="rejected", code="photo_missing", field="photo")
        row = c.execute(
            "SELECT content_hash, station_id FROM applications WHERE uuid = ?", (uuid,)
        ).fetchone()
        if row is not None:
            if row[0] == item["content_hash"]:
                return dict(out, status="duplicate")
            c.execute(
                "INSERT INTO conflicts (uuid, station_id, content_hash, record,"
                " received_at) VALUES (?, ?, ?, ?, ?)",
                (uuid, station_id, item["content_hash"], json.dumps(record), received),
            )
            return dict(out, status="conflict", code="conflict")
        if photo_sha:
            exists = c.execute("SELECT 1 FROM photos WHERE sha256 = ?", (photo_sha,)).fetchone()
            if not exists:
                c.execute(
                    "INSERT INTO photos (sha256, jpeg) VALUES (?, ?)",
                    (photo_sha, parts[f"photo-{uuid}"]),
                )
        c.execute(
            "INSERT INTO applications (uuid, station_id, content_hash, record, photo,"
            " state, captured_at, received_at, batch_id) VALUES (?, ?, ?, ?, ?,"
            " 'received', ?, ?, ?)",
            (
                uuid,
                station_id,
                item["content_hash"],
                json.dumps(record, ensure_ascii=False),
                photo_sha,
                record.get("captured_at"),
                received,
                key,
            ),
        )
        store.add_event(c, station_id, uuid, "received")
        return dict(out, status="accepted")

    async def batch_result(request: Request) -> Response:
        station_id = request.path_params["station_id"]
        who = await authenticate(request, station_id, b"")
        if isinstance(who, Response):
            return who
        row = await run_in_threadpool(
            lambda: (
                store.read()
                .execute(
                    "SELECT response FROM batches WHERE station_id = ? AND batch_id = ?",
                    (station_id, request.path_params["batch_id"]),
                )
                .fetchone()
            )
        )
        if row is None:
            return error(404, "unknown_batch", "no such batch from this station")
        return JSONResponse(json.loads(row[0]))

    async def lookup(request: Request) -> Response:
        body = await request.body()
        who = await authenticate(request, None, body)
        if isinstance(who, Response):
            return who
        try:
            uuids = json.loads(body)["uuids"]
            if not isinstance(uuids, list) or len(uuids) > MAX_LOOKUP:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return error(400, "bad_request", f"expected {{uuids: [...]}} (at most {MAX_LOOKUP})")

        def work() -> list[dict[str, Any]]:
            c = store.read()
            out = []
            for u in uuids:
                row = c.execute(
                    "SELECT state, content_hash FROM applications WHERE uuid = ? AND"
                    " station_id = ?",
                    (str(u), who),
                ).fetchone()
                out.append(
                    {
                        "uuid": u,
                        "state": row[0] if row else "unknown",
                        "content_hash": row[1] if row else None,
                    }
                )
            return out

        return JSONResponse({"results": await run_in_threadpool(work)})

    async def changes(request: Request) -> Response:
        station_id = request.path_params["station_id"]
        who = await authenticate(request, station_id, b"")
        if isinstance(who, Response):
            return who
        try:
            since = int(request.query_params.get("since", "0"))
            limit = max(1, min(1000, int(request.query_params.get("limit", "500"))))
        except ValueError:
            return error(400, "bad_request", "since and limit are integers")
        rows = await run_in_threadpool(
            lambda: (
                store.read()
                .execute(
                    "SELECT seq, uuid, type, at, detail FROM events WHERE station_id = ? AND seq > ?"
                    " ORDER BY seq LIMIT ?",
                    (station_id, since, limit),
                )
                .fetchall()
            )
        )
        events = [
            {
                "seq": r[0],
                "uuid": r[1],
                "type": r[2],
                "at": r[3],
                "detail": json.loads(r[4]) if r[4] else None,
            }
            for r in rows
        ]
        return JSONResponse({"events": events, "next": events[-1]["seq"] if events else since})

    async def handovers(request: Request) -> Response:
        station_id = request.path_params["station_id"]
        body = await request.body()
        who = await authenticate(request, station_id, body)
        if isinstance(who, Response):
            return who
        try:
            doc = json.loads(body)
            uuid, at, operator = str(doc["uuid"]), str(doc["at"]), str(doc["operator"])
        except (ValueError, KeyError, TypeError):
            return error(400, "bad_request", "expected {uuid, at, operator}")

        def work() -> Response:
            with store.tx() as c:
                row = c.execute(
                    "SELECT state FROM applications WHERE uuid = ? AND station_id = ?",
                    (uuid, station_id),
                ).fetchone()
                if row is None:
                    return error(404, "unknown_application", "no such application here")
                if row[0] == "collected":
                    return JSONResponse({"uuid": uuid, "state": "collected"})
                if row[0] != "ready_for_pickup":
                    return error(409, "not_ready", "the card is not ready for pickup")
                c.execute(
                    "INSERT INTO handovers (uuid, station_id, at, operator) VALUES (?, ?, ?, ?)",
                    (uuid, station_id, at, operator),
                )
                c.execute("UPDATE applications SET state = 'collected' WHERE uuid = ?", (uuid,))
                store.add_event(c, station_id, uuid, "collected", {"at": at})
            return JSONResponse({"uuid": uuid, "state": "collected"}, status_code=201)

        return await run_in_threadpool(work)

    routes = [
        Route("/v1/config", config, methods=["GET"]),
        Route("/v1/stations:enrol", enrol, methods=["POST"]),
        Route("/v1/stations/{station_id}/batches", upload, methods=["POST"]),
        Route("/v1/stations/{station_id}/batches/{batch_id}", batch_result, methods=["GET"]),
        Route("/v1/applications:lookup", lookup, methods=["POST"]),
        Route("/v1/stations/{station_id}/changes", changes, methods=["GET"]),
        Route("/v1/stations/{station_id}/handovers", handovers, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.store = store
    return app
