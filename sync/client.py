"""The station's client of the central service: enrolment, signed requests, batch upload with
resend-unchanged after a crash, the change feed, handovers, and recovery lookups.

The protocol rules (specs/sync.md) are kept here; the state lives in the encrypted database
through ``station.outbox`` so that a ``kill -9`` at any point leaves the station able to finish
the job: a batch's exact bytes are stored before they are sent and sent again unchanged (the
service answers a repeated Idempotency-Key with its stored result), and the feed cursor moves in
the same transaction as the events it covers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import random
import time
import uuid as uuidlib
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station import outbox
from station.errors import CentralError, UsageError
from station.i18n import _
from station.store import Store
from sync import wire

log = logging.getLogger(__name__)

START_RECORDS = 25
START_BYTES = 8 * 1024 * 1024
MIN_BYTES = 256 * 1024
MAX_RECORDS = 200
BACKOFF_BASE = 1.0
BACKOFF_CAP = 600.0


class RetryLater(Exception):
    def __init__(self, why: str, after: float | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.after = after


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def backoff_delay(
    attempt: int, retry_after: float | None = None, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter (base 1 s, cap 10 min), never before Retry-After."""
    rng = rng or random.Random()
    delay = rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))
    return max(delay, retry_after or 0.0)


def enrol(store: Store, server: str, code: str, timeout: float = 20) -> dict[str, Any]:
    """Enrol this station: a new Ed25519 key pair; the private key stays in the database."""
    store.require("enrol")
    server = server.rstrip("/")
    key = Ed25519PrivateKey.generate()
    public = wire.public_bytes(key.public_key())
    body = {
        "code": code,
        "public_key": base64.b64encode(public).decode(),
        "station_code": store.station_code,
    }
    try:
        resp = requests.post(f"{server}/v1/stations:enrol", json=body, timeout=timeout)
    except requests.RequestException as exc:
        raise CentralError(
            "unreachable",
            _(
                "The central service cannot be reached at {server}: check the network and the "
                "address",
                server=server,
            ),
        ) from exc
    if resp.status_code == 403:
        raise CentralError(
            "bad_enrol_code",
            _("The central service refused the enrolment code (unknown or already used)"),
        )
    if resp.status_code != 201:
        raise CentralError(
            "enrol_failed", _("Enrolment failed (HTTP {status})", status=resp.status_code)
        )
    station_id = str(resp.json()["station_id"])
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    with store.transaction():  # the identity, the server setting and the audit entry together
        outbox.put(store.conn, "station_id", station_id)
        outbox.put(store.conn, "private_key", raw.hex())
        outbox.put(store.conn, "server", server)
        store.config_set("sync.server", server, internal=True)
        store.audit("sync.enrol", detail={"station_id": station_id})
    SyncClient(store, timeout=timeout).refresh_config()  # the export key, the code tables
    return {"station_id": station_id, "server": server}


class SyncClient:
    def __init__(
        self, store: Store, timeout: float = 30.0, session: requests.Session | None = None
    ) -> None:
        self.store = store
        self.conn = store.conn
        self.timeout = timeout
        self.http = session or requests.Session()
        station_id = outbox.get(self.conn, "station_id")
        server = outbox.get(self.conn, "server") or store.config_get("sync.server")
        key_hex = outbox.get(self.conn, "private_key")
        if not station_id or not key_hex or not server:
            raise UsageError(
                "not_enrolled",
                _(
                    "This station is not enrolled with the central service: a technician runs "
                    "'station enrol --server URL --code CODE'"
                ),
            )
        self.station_id: str = station_id
        self.server: str = server
        self.key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key_hex))
        self.offset = float(outbox.get(self.conn, "clock_offset", "0") or 0)

    # -- HTTP ------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        _retried: bool = False,
    ) -> requests.Response:
        from urllib.parse import urlencode

        query = urlencode(params or {})
        signed = self.signed_headers(method, path, body, query)
        url = self.server + path + (f"?{query}" if query else "")
        try:
            resp = self.http.request(
                method,
                url,
                data=body or None,
                headers={**signed, **(headers or {})},
                timeout=self.timeout,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise RetryLater(type(exc).__name__) from exc
        except requests.RequestException as exc:
            raise RetryLater(type(exc).__name__) from exc
        if resp.status_code == 401 and not _retried and self._clock_skew(resp):
            return self.request(method, path, body, headers, params, _retried=True)
        if resp.status_code in (401, 403):
            code = self._error_code(resp)
            with self.store.transaction():
                outbox.put(self.conn, "last_error", f"{resp.status_code} {code}")
            raise CentralError(
                code or "refused",
                _(
                    "The central service refuses this station ({code}): syncing stops until a "
                    "technician checks the enrolment",
                    code=code or resp.status_code,
                ),
            )
        if resp.status_code == 429 or resp.status_code >= 500:
            raise RetryLater(f"HTTP {resp.status_code}", _retry_after(resp))
        return resp

    def signed_headers(
        self, method: str, path: str, body: bytes = b"", query: str = ""
    ) -> dict[str, str]:
        """The signature headers of a request, at the service's time (what ``request`` sends,
        and what an offline export carries: sync/export.py)."""
        return wire.sign_headers(
            self.key, str(self.station_id), method, path, body, time.time() + self.offset, query
        )

    @staticmethod
    def _error_code(resp: requests.Response) -> str:
        try:
            return str(resp.json()["error"]["code"])
        except (ValueError, KeyError, TypeError):
            return ""

    def _clock_skew(self, resp: requests.Response) -> bool:
        if self._error_code(resp) != "clock_skew" or "Date" not in resp.headers:
            return False
        try:
            server_time = parsedate_to_datetime(resp.headers["Date"]).timestamp()
        except (TypeError, ValueError):
            return False
        self.offset = server_time - time.time()
        with self.store.transaction():
            outbox.set_clock_offset(self.conn, self.offset)
        log.warning("clock offset against the central service: %.0f s", self.offset)
        return True

    def _json(self, resp: requests.Response) -> Any:
        try:
            return resp.json()
        except ValueError as exc:
            raise RetryLater("malformed response") from exc

    # -- the sync round --------------------------------------------------------------------------
    def sync_once(self) -> dict[str, int]:
        counts = {
            "sent": 0,
            "accepted": 0,
            "duplicate": 0,
            "conflict": 0,
            "rejected": 0,
            "retry": 0,
            "pending": 0,
            "events": 0,
        }
        self._recover_after_restore()
        for batch in outbox.open_batches(self.conn):
            if batch["exported_at"] and self._fetch_result(batch, counts):
                continue  # imported from the export: its stored result answered for it
            self._send(batch, counts)
        while True:
            nxt = self._next_batch()
            if nxt is None:
                break
            self._send(nxt, counts)
        counts["handovers"] = self.send_handovers()
        counts["events"] = self.pull_changes()
        self.refresh_config()  # the export key, and the city's code tables when newer
        counts["pending"] = outbox.summary(self.conn)["pending"]
        with self.store.transaction():
            outbox.put(self.conn, "last_success", time.strftime("%Y-%m-%dT%H:%M:%S%z"))
            outbox.put(self.conn, "last_error", "")
            self.store.audit("sync.run", detail={k: v for k, v in counts.items() if v})
        return counts

    def _limits(self) -> tuple[int, int]:
        n = int(outbox.get(self.conn, "batch_records", str(START_RECORDS)) or START_RECORDS)
        b = int(outbox.get(self.conn, "batch_bytes", str(START_BYTES)) or START_BYTES)
        return n, b

    def _adapt(self, ok: bool) -> None:
        n, b = self._limits()
        if ok:
            n, b = min(MAX_RECORDS, n + max(1, n // 4)), min(START_BYTES * 2, b + b // 4)
        else:
            n, b = max(1, n // 2), max(MIN_BYTES, b // 2)
        with self.store.transaction():
            outbox.put(self.conn, "batch_records", str(n))
            outbox.put(self.conn, "batch_bytes", str(b))

    def _next_batch(self) -> dict[str, Any] | None:
        max_records, max_bytes = self._limits()
        candidates = outbox.pending(self.conn, max_records)
        if not candidates:
            return None
        records: list[dict[str, Any]] = []
        photos: dict[str, bytes] = {}
        items: list[tuple[str, int, str]] = []
        size = 0
        for uuid, version, chash in candidates:
            rec = self.store.record_for_sync(uuid)
            photo = rec.get("photo")
            jpeg = self.store.photo(photo) if photo else b""
            item_size = len(json.dumps(rec, ensure_ascii=False).encode()) + len(jpeg) + 300
            if items and size + item_size > max_bytes:
                break
            records.append({"uuid": uuid, "content_hash": chash, "record": rec})
            if jpeg:
                photos[uuid] = jpeg
            items.append((uuid, version, chash))
            size += item_size
        batch_id = str(uuidlib.uuid4())
        body, ctype = wire.encode_batch(batch_id, records, photos)
        digest = hashlib.sha256(body).hexdigest()
        with self.store.transaction():
            outbox.record_batch(self.conn, batch_id, body, digest, ctype, items)
        return {"batch_id": batch_id, "body_sha256": digest, "content_type": ctype, "body": body}

    def _send(self, batch: dict[str, Any], counts: dict[str, int]) -> None:
        path = f"/v1/stations/{self.station_id}/batches"
        body = batch["body"]
        if hashlib.sha256(body).hexdigest() != batch["body_sha256"]:
            raise CentralError("batch_damaged", _("A stored batch is damaged"))
        try:
            resp = self.request(
                "POST",
                path,
                body,
                {"Content-Type": batch["content_type"], "Idempotency-Key": batch["batch_id"]},
            )
        except RetryLater:
            n = self._count_items(batch["batch_id"])
            counts["retry"] += n
            self._adapt(False)
            raise
        if resp.status_code == 413:
            with self.store.transaction():  # the batch goes back and the next one is smaller
                self._abandon(batch["batch_id"], "too_large")
                self._adapt(False)
            counts["retry"] += self._count_items(batch["batch_id"])
            return
        if resp.status_code != 200:
            self._abandon(
                batch["batch_id"],
                self._error_code(resp) or str(resp.status_code),
                reject=resp.status_code in (400, 422),
            )
            return
        doc = self._json(resp)
        try:
            with self.store.transaction():  # the results and the grown batch size together
                result = outbox.apply_results(self.conn, batch["batch_id"], doc)
                self._adapt(True)
        except outbox.BadResponse as exc:
            raise RetryLater(f"bad response: {exc}") from exc
        counts["sent"] += sum(result.values())
        for k, v in result.items():
            counts[k] += v

    def refresh_config(self) -> None:
        """What ``/v1/config`` says beyond the protocol: the key offline exports are sealed to,
        and the version of the city's code tables — fetched, checked and installed when newer
        (sync/code_tables.py). A failure here is logged and never fails the round."""
        from sync import code_tables

        try:
            resp = self.http.get(self.server + "/v1/config", timeout=self.timeout)
            config = resp.json() if resp.status_code == 200 else None
            wanted = code_tables.take_config(self.store, config)
            if wanted is not None:
                resp = self.request("GET", "/v1/code-tables")
                doc = resp.json() if resp.status_code == 200 else None
                code_tables.take_tables(self.store, wanted, doc, self.server)
        except (requests.RequestException, ValueError, RetryLater) as exc:
            log.warning("the central service's configuration was not read: %s", exc)

    def _fetch_result(self, batch: dict[str, Any], counts: dict[str, int]) -> bool:
        """The service's stored result of a batch it may have received another way (an offline
        export imported centrally), applied like an answer; False when it has none."""
        resp = self.request("GET", f"/v1/stations/{self.station_id}/batches/{batch['batch_id']}")
        if resp.status_code != 200:
            return False
        doc = self._json(resp)
        try:
            with self.store.transaction():
                result = outbox.apply_results(self.conn, batch["batch_id"], doc)
        except outbox.BadResponse as exc:
            raise RetryLater(f"bad response: {exc}") from exc
        counts["sent"] += sum(result.values())
        for k, v in result.items():
            counts[k] += v
        return True

    def _count_items(self, batch_id: str) -> int:
        return outbox.batch_size(self.conn, batch_id)

    def _abandon(self, batch_id: str, code: str, reject: bool = False) -> None:
        """The service did not take the batch at all: its records go back to pending (or, for a
        batch it can never accept, are marked for a person to look at)."""
        with self.store.transaction():
            outbox.abandon_batch(self.conn, batch_id, code, reject)

    def pull_changes(self, limit: int = 500) -> int:
        total = 0
        while True:
            cursor = int(outbox.get(self.conn, "cursor", "0") or 0)
            resp = self.request(
                "GET",
                f"/v1/stations/{self.station_id}/changes",
                params={"since": cursor, "limit": limit},
            )
            if resp.status_code != 200:
                raise RetryLater(f"feed HTTP {resp.status_code}")
            doc = self._json(resp)
            if not isinstance(doc, dict):
                raise RetryLater("malformed feed")
            try:
                with self.store.transaction():
                    total += outbox.apply_events(
                        self.conn, doc.get("events"), cursor, doc.get("next")
                    )
            except outbox.BadResponse as exc:
                raise RetryLater(f"bad feed: {exc}") from exc
            if not doc["events"]:
                return total

    def _recover_after_restore(self) -> None:
        """After a restore, ask the service for the truth before sending anything again."""
        if not outbox.restored(self.conn):
            return
        uuids = outbox.unsettled(self.conn)
        known: dict[str, dict[str, Any]] = {}
        for i in range(0, len(uuids), 500):
            body = json.dumps({"uuids": uuids[i : i + 500]}).encode()
            resp = self.request(
                "POST", "/v1/applications:lookup", body, {"Content-Type": "application/json"}
            )
            if resp.status_code != 200:
                raise RetryLater(f"lookup HTTP {resp.status_code}")
            for res in self._json(resp).get("results", []):
                known[res["uuid"]] = res
        with self.store.transaction():
            outbox.settle_after_restore(self.conn, uuids, known)

    def send_handovers(self) -> int:
        """Handovers recorded at the desk go out here (a handover works offline). One the
        service refuses (unknown, not ready) keeps its reason for the sync status screen."""
        sent = 0
        for h in outbox.unsent_handovers(self.conn):
            try:
                self.handover(h["uuid"], h["operator"], h["at"])
            except CentralError as exc:
                if exc.code in ("unknown_application", "not_ready", "bad_request"):
                    with self.store.transaction():
                        outbox.mark_handover(self.conn, h["uuid"], error=exc.code)
                    continue
                raise
            with self.store.transaction():
                outbox.mark_handover(self.conn, h["uuid"])
            sent += 1
        return sent

    def handover(self, uuid: str, operator: str, at: str) -> None:
        body = json.dumps({"uuid": uuid, "at": at, "operator": operator}).encode()
        resp = self.request(
            "POST",
            f"/v1/stations/{self.station_id}/handovers",
            body,
            {"Content-Type": "application/json"},
        )
        if resp.status_code not in (200, 201):
            raise CentralError(
                self._error_code(resp) or "handover_failed",
                _(
                    "The central service did not record the handover (HTTP {status})",
                    status=resp.status_code,
                ),
            )

    def run(
        self, max_attempts: int = 6, sleep: Callable[[float], object] = time.sleep
    ) -> dict[str, int]:
        """Sync until nothing is pending, retrying with backoff; CentralError when it cannot."""
        attempt = 0
        total = {
            "sent": 0,
            "accepted": 0,
            "duplicate": 0,
            "conflict": 0,
            "rejected": 0,
            "retry": 0,
            "pending": 0,
            "events": 0,
            "handovers": 0,
        }
        while True:
            try:
                counts = self.sync_once()
            except RetryLater as exc:
                attempt += 1
                total["retry"] += 1
                with self.store.transaction():
                    outbox.put(self.conn, "last_error", exc.why)
                if attempt >= max_attempts:
                    total["pending"] = outbox.summary(self.conn)["pending"]
                    raise CentralError(
                        "unreachable",
                        _(
                            "The central service is unreachable or failing ({why}); the "
                            "applications stay queued and go out with the next sync",
                            why=exc.why,
                        ),
                    ) from exc
                sleep(backoff_delay(attempt, exc.after))
                continue
            for k, v in counts.items():
                total[k] = v if k == "pending" else total[k] + v
            if counts["pending"] == 0 or counts["sent"] == 0:
                return total
