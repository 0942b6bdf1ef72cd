"""HTTP plumbing of the reference service: limits, refusals, bounded body reading, strict JSON.

A request body is never read whole before it is checked: its declared length is compared with
the route's limit first, then it is streamed with a running cap (413 past it) and a deadline
that a slow sender cannot stretch (Apache's mod_reqtimeout rule: a grace period plus one second
per ``min_rate`` bytes received, and no more than ``idle`` seconds without a byte). A refusal
sent before the whole body arrived closes the connection, so the rest is never read either.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger("sync.server")

MAX_JSON_DEPTH = 32


@dataclass(frozen=True)
class Limits:
    """What the service accepts; ``/v1/config`` publishes the sizes."""

    max_batch_bytes: int = 16 * 1024 * 1024
    max_records: int = 500
    max_lookup: int = 500
    max_photo_bytes: int = 2 * 1024 * 1024
    max_json_bytes: int = 256 * 1024
    clock_skew: float = 300.0
    # A body must arrive at no less than min_rate bytes/s after a grace period, with no gap
    # longer than idle seconds; otherwise the upload is cut off (408, connection closed).
    body_grace: float = 20.0
    body_min_rate: float = 1000.0
    body_idle: float = 20.0
    # A connection gets this long to send a request's line and headers (sync.server.protocol).
    header_timeout: float = 10.0


class Refusal(Exception):
    """An answer other than success, in the error shape of the OpenAPI document."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message
        self.headers = dict(headers or {})

    def response(self, close: bool = False) -> JSONResponse:
        """``close``: drop the connection after the answer, so the rest of an unread body is
        never read."""
        headers = dict(self.headers)
        if close:
            headers["Connection"] = "close"
        return error(self.status, self.code, self.message, **headers)


class Dropped(Exception):
    """The client went away mid-request: nobody is left to answer."""


def error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


# -- JSON --------------------------------------------------------------------------------------
def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(data: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Strict JSON (UTF-8, no NaN/Infinity, nesting at most ``max_depth``); ValueError else."""
    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > max_depth:
                raise ValueError("JSON nested too deeply")
            values = node.values() if isinstance(node, dict) else node
            stack.extend((v, depth + 1) for v in values)
    return doc


def json_body(data: bytes) -> dict[str, Any]:
    """A JSON object body, or 400."""
    try:
        doc = load_json(data)
    except ValueError:
        raise Refusal(400, "bad_request", "the body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise Refusal(400, "bad_request", "the body is not a JSON object")
    return doc


def string_field(doc: dict[str, Any], name: str, max_length: int, pattern: str = "") -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= max_length:
        raise Refusal(400, "bad_request", f"{name}: a string of 1 to {max_length} characters")
    if pattern and not re.fullmatch(pattern, value):
        raise Refusal(400, "bad_request", f"{name}: not in the expected form")
    return value


# -- bodies ------------------------------------------------------------------------------------
def declared_length(request: Request) -> int | None:
    """Content-Length as an integer (None for a chunked body); 400 when malformed."""
    value = request.headers.get("content-length")
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{1,19}", value.strip()):
        raise Refusal(400, "bad_request", "malformed Content-Length")
    return int(value)


def has_body(request: Request) -> bool:
    return bool(declared_length(request)) or "transfer-encoding" in request.headers


def check_length(request: Request, limit: int) -> None:
    """Refuse up front a body declared larger than ``limit``."""
    size = declared_length(request)
    if size is not None and size > limit:
        raise Refusal(413, "too_large", f"the body may be at most {limit} bytes")


def _where(request: Request) -> str:
    client = request.client
    peer = f"{client.host}:{client.port}" if client else "?"
    return f"{request.method} {request.url.path} from {peer}"


async def read_body(request: Request, limit: int, limits: Limits) -> bytes:
    """The whole body, read in chunks under the cap and the deadline (see the module text)."""
    check_length(request, limit)
    declared = declared_length(request)
    loop = asyncio.get_running_loop()
    start = loop.time()
    body = bytearray()
    while True:
        now = loop.time()
        deadline = start + limits.body_grace + len(body) / limits.body_min_rate
        wait = min(limits.body_idle, deadline - now)
        message: Any = None
        if wait > 0:
            try:
                async with asyncio.timeout(wait):
                    message = await request.receive()
            except TimeoutError:
                message = None
        if message is None:
            log.warning(
                "upload cut off (too slow): %s, %d of %s bytes in %.1f s",
                _where(request),
                len(body),
                declared if declared is not None else "?",
                loop.time() - start,
            )
            raise Refusal(408, "too_slow", "the body arrived too slowly")
        if message["type"] == "http.disconnect":
            log.warning(
                "connection dropped mid-upload: %s, %d of %s bytes",
                _where(request),
                len(body),
                declared if declared is not None else "?",
            )
            raise Dropped()
        body += message.get("body", b"")
        if len(body) > limit:
            log.warning("upload refused (over %d bytes): %s", limit, _where(request))
            raise Refusal(413, "too_large", f"the body may be at most {limit} bytes")
        if not message.get("more_body", False):
            return bytes(body)
