"""Who is calling: every signed request is authenticated from its headers alone — signature
parameters, station id, Date, the station's key and enrolment, the signature itself and its
nonce — before a byte of its body is read; the body's Content-Digest is compared after.

Handlers are plain module-level functions decorated with ``@authenticated(…)`` (or
``@public(…)`` for enrolment); they receive the request and a ``Caller`` with the verified
station id, the body and the service's store and limits.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from station import identity
from sync import wire
from sync.server.http import Dropped, Limits, Refusal, has_body, read_body
from sync.server.store import CentralStore

BodyKind = Literal["none", "json", "batch"]


@dataclass(frozen=True)
class Caller:
    station_id: str  # verified; "" for the unsigned enrolment call
    body: bytes
    store: CentralStore
    limits: Limits
    operator: str = "station"  # the certified operator who signed; "station": the station key
    role: str = "station"
    station_code: str = ""
    station_key: str = ""  # the station's pinned public key (base64)


@dataclass(frozen=True)
class Signatory:
    """Who signed a verified request."""

    operator: str
    role: str
    station_code: str
    station_key: str


Handler = Callable[[Request, Caller], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]

_DIGEST = re.compile(r"^sha-256=:[A-Za-z0-9+/]{43}=:$")


def signed_path(request: Request) -> str:
    """``@path`` as the client sent it: the raw request target before percent-decoding
    (RFC 9421 §2.2.6), so ``/batches/a%2Fb`` and ``/batches/a/b`` are different paths."""
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.decode("latin-1")
    return str(request.url.path)


def _limit(limits: Limits, kind: BodyKind) -> int:
    if kind == "batch":
        return limits.max_batch_bytes
    return limits.max_json_bytes if kind == "json" else 0


def check_headers(request: Request, now: float, limits: Limits) -> wire.SignedRequest:
    """Everything that can be refused from the headers without the database."""
    signed = wire.parse_signature(request.headers)
    if signed is None:
        raise Refusal(401, "unsigned", "the request carries no valid signature")
    if request.headers.get("station-id") != signed.station_id:
        raise Refusal(401, "bad_signature", "station-id header and key id differ")
    path_station = request.path_params.get("station_id")
    if path_station is not None and path_station != signed.station_id:
        raise Refusal(403, "other_station", "a station may only use its own resources")
    try:
        sent = dt.datetime.strptime(
            request.headers.get("date", ""), "%a, %d %b %Y %H:%M:%S GMT"
        ).replace(tzinfo=dt.UTC)
    except ValueError:
        raise Refusal(
            401, "bad_date", "missing or malformed Date", {"Date": wire.http_date(now)}
        ) from None
    if abs(sent.timestamp() - now) > limits.clock_skew:
        raise Refusal(
            401,
            "clock_skew",
            "the station's clock is more than 5 minutes off",
            {"Date": wire.http_date(now)},
        )
    if not _DIGEST.match(request.headers.get("content-digest", "")):
        raise Refusal(401, "bad_digest", "missing or malformed Content-Digest")
    return signed


def check_signatory(
    store: CentralStore,
    signed: wire.SignedRequest,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
) -> Signatory:
    """The station is enrolled and not revoked; the request is signed by the station key or
    by an operator key that the station key certified (``Operator-Certificate``) and did not
    revoke; the signature verifies over the request as sent. Shared by the HTTP calls and the
    offline import (sync/server/imports.py)."""
    station = store.station_key(signed.station_id)
    if station is None:
        raise Refusal(403, "unknown_station", "this station is not enrolled")
    if station.revoked:
        if store.superseded(signed.station_id):
            raise Refusal(
                403,
                "superseded",
                "this station code was enrolled again with another key; this key is retired",
            )
        raise Refusal(403, "revoked", "this station's enrolment was revoked")
    signer = station.public_key
    who = Signatory("station", "station", station.code, station.public_key)
    header = headers.get("operator-certificate")
    if header is not None:
        cert = identity.decode_certificate(header)
        if cert is None or not identity.verify_certificate(cert, station.public_key, station.code):
            raise Refusal(403, "bad_certificate", "the operator certificate is not this station's")
        if store.key_revoked(cert["public_key"]):
            raise Refusal(403, "operator_revoked", "this operator's key was revoked")
        signer = cert["public_key"]
        who = Signatory(cert["name"], cert["role"], station.code, station.public_key)
    key = wire.load_public(base64.b64decode(signer))
    if not wire.verify(key, signed, method, path, query, headers):
        raise Refusal(401, "bad_signature", "the signature does not verify")
    return who


def check_station(
    request: Request, signed: wire.SignedRequest, store: CentralStore, now: float, keep: float
) -> Signatory:
    """``check_signatory`` over the request as sent, and a signature not used before. Runs in
    a worker thread (database)."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    who = check_signatory(
        store, signed, request.method, signed_path(request), query, request.headers
    )
    if not store.use_signature(base64.b64encode(signed.signature).decode(), now, keep):
        raise Refusal(401, "replayed", "this signature was already used")
    return who


def _announces_body(request: Request) -> bool:
    """A refusal sent while a body may still be on its way closes the connection: the server
    then never reads the rest (keeping it open would mean draining it)."""
    try:
        return has_body(request)
    except Refusal:
        return True


async def _body(request: Request, kind: BodyKind, limits: Limits) -> bytes:
    if kind == "none":
        if has_body(request):
            raise Refusal(400, "bad_request", "this call takes no body")
        return b""
    return await read_body(request, _limit(limits, kind), limits)


def authenticated(body: BodyKind = "none") -> Callable[[Handler], Endpoint]:
    """A signed call: headers checked, then the body read within its limit, then its digest."""

    def wrap(handler: Handler) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            store: CentralStore = request.app.state.store
            limits: Limits = request.app.state.limits
            now = time.time()
            read = False
            try:
                signed = check_headers(request, now, limits)
                who = await run_in_threadpool(
                    check_station, request, signed, store, now, 2 * limits.clock_skew
                )
                data = await _body(request, body, limits)
                read = True
                if request.headers.get("content-digest") != wire.content_digest(data):
                    raise Refusal(401, "bad_digest", "Content-Digest does not match the body")
                caller = Caller(
                    signed.station_id,
                    data,
                    store,
                    limits,
                    who.operator,
                    who.role,
                    who.station_code,
                    who.station_key,
                )
                return await handler(request, caller)
            except Refusal as refusal:
                return refusal.response(close=not read and _announces_body(request))
            except Dropped:
                return Response(status_code=400)  # nobody is left to read it

        return endpoint

    return wrap


def public(body: BodyKind = "json") -> Callable[[Handler], Endpoint]:
    """An unsigned call (enrolment, configuration): the body still has its limit and deadline."""

    def wrap(handler: Handler) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            store: CentralStore = request.app.state.store
            limits: Limits = request.app.state.limits
            read = False
            try:
                data = await _body(request, body, limits)
                read = True
                return await handler(request, Caller("", data, store, limits))
            except Refusal as refusal:
                return refusal.response(close=not read and _announces_body(request))
            except Dropped:
                return Response(status_code=400)

        return endpoint

    return wrap
