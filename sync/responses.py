"""Reading the central service's answers without trusting them: bodies capped in size and
time, error codes taken only when they are short words, ``Retry-After`` bounded, and the
refusals (401/403) as the errors a person reads. Used by ``sync.client``."""

from __future__ import annotations

import math
import re
import time
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from station.errors import CentralError
from station.i18n import N_, _
from sync.errors import RetryLater

BACKOFF_CAP = 600.0
MAX_RESPONSE = 16 * 1024 * 1024  # decoded bytes of one answer; more is a broken service
ERROR_CODE = re.compile(r"^[a-z0-9_]{1,64}$")


def retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if value is None:
        return None
    try:
        after = float(value)
    except ValueError:
        try:
            after = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, OverflowError):
            return None
    return min(BACKOFF_CAP, max(0.0, after)) if math.isfinite(after) else None


def read_capped(resp: requests.Response, deadline: float) -> None:
    """Read an answer's body (decompressed) up to MAX_RESPONSE bytes and before ``deadline``;
    a longer or endless body, or a compression bomb, is a failed call (retry later)."""
    data = bytearray()
    try:
        for chunk in resp.iter_content(65536):
            data += chunk
            if len(data) > MAX_RESPONSE or time.monotonic() > deadline:
                raise RetryLater("oversized or endless response")
    except requests.RequestException as exc:
        raise RetryLater(type(exc).__name__) from exc
    finally:
        resp.close()
    resp._content = bytes(data)


def lookup_results(doc: Any) -> dict[str, dict[str, Any]]:
    """A lookup answer's results by uuid; a malformed answer is a failed call (retry)."""
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, list):
        raise RetryLater("malformed lookup")
    return {r["uuid"]: r for r in results if isinstance(r, dict) and isinstance(r.get("uuid"), str)}


REFUSALS = {
    "superseded": N_(
        "The central service retired this PC's enrolment: the station code was enrolled again "
        "on another PC (a restored backup). This PC must not send anything any more; a "
        "technician moves its unsent work to the enrolled PC"
    ),
    "operator_revoked": N_(
        "The central service refuses your operator key (it was revoked when the operator was "
        "disabled or the password reset): log in again, or ask a technician"
    ),
    "bad_certificate": N_(
        "The central service does not accept this operator's certificate (the station's key "
        "changed since it was issued): a technician checks the enrolment"
    ),
    "chain_broken": N_(
        "The central service refuses uploads: it found this station's audit log gone "
        "backwards or rewritten. A technician checks it ('station audit verify --online') and "
        "the bureau enrols the station again"
    ),
}


def refusal(code: str, status: int) -> CentralError:
    """A 401/403 as the error a person reads: sync stops until someone acts."""
    if code in REFUSALS:
        return CentralError(code, _(REFUSALS[code]))
    return CentralError(
        code or "refused",
        _(
            "The central service refuses this station ({code}): syncing stops until a "
            "technician checks the enrolment",
            code=code or status,
        ),
    )


def error_code(resp: requests.Response) -> str:
    """The error code of a refusal when it is one (a short snake_case word), else ""."""
    try:
        code = resp.json()["error"]["code"]
    except (ValueError, KeyError, TypeError, IndexError, RecursionError):
        return ""
    return code if isinstance(code, str) and ERROR_CODE.match(code) else ""
