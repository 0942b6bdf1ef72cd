"""``station sync --export DIR``: a station without network writes what the next sync would
send — the very batches, with the exact bytes and signatures an upload carries, and the
handovers recorded at the desk — to a folder (a USB stick), sealed to the central service's
export key (sync/EXPORT.md). The central service takes them in with ``station central import``.

The batches are made by the client's own batch builder (``SyncClient._next_batch``: recorded in
the outbox's ``batches`` table before anything is written, the records in flight) and signed by
its signer (``SyncClient.signed_headers``). Each file is written atomically (a full disk leaves
no file under its final name); a batch is marked exported only once its file is complete, and
the manifest comes last. Exporting again writes the unanswered batches again (same bytes,
fresh signatures): the service's idempotency makes a second copy harmless. The next online
sync asks the service for each exported batch's stored result before sending it again.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from station import outbox
from station.errors import StationError, UsageError
from station.fsutil import atomic_write
from station.i18n import _
from station.store import Store
from sync import sealed
from sync.client import START_BYTES, START_RECORDS, SyncClient

EXPORT_FORMAT = "station-export"
MANIFEST_FORMAT = "station-export-manifest"
SUFFIX = ".stx"


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _request(client: SyncClient, path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    signed = client.signed_headers("POST", path, body)
    return {
        "method": "POST",
        "path": path,
        "query": "",
        "headers": {k.lower(): v for k, v in {**signed, **headers}.items()},
        "body": base64.b64encode(body).decode(),
    }


def _sealed_file(
    client: SyncClient, kind: str, requests: list[dict[str, Any]], key: bytes
) -> bytes:
    doc = {
        "format": EXPORT_FORMAT,
        "version": 1,
        "kind": kind,
        "station_id": client.station_id,
        "station_code": client.store.station_code,
        "created_at": _now(),
        "requests": requests,
    }
    return sealed.seal(json.dumps(doc, ensure_ascii=False).encode(), key)


def export_key(store: Store) -> bytes:
    value = outbox.get(store.conn, "export_key")
    if not value:
        raise UsageError(
            "no_export_key",
            _(
                "The central service's export key is not known yet: sync online once (or enrol "
                "again) before exporting"
            ),
        )
    return base64.b64decode(value)


def export(store: Store, folder: Path) -> dict[str, Any]:
    """Write every unsent batch and handover to ``folder``; what was written."""
    store.require("sync.run")
    folder = Path(folder)
    if not folder.is_dir():
        raise StationError(
            "no_folder",
            _(
                "The folder {folder} does not exist (a USB stick not plugged in?); create it or "
                "choose another",
                folder=folder,
            ),
        )
    client = SyncClient(store)
    key = export_key(store)
    with store.transaction():
        # failed rounds while offline halved the batch size down to single records; the stick
        # takes batches of the starting size (the online sync grows back from there too)
        outbox.put(store.conn, "batch_records", str(START_RECORDS))
        outbox.put(store.conn, "batch_bytes", str(START_BYTES))
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    code = store.station_code
    files: list[dict[str, Any]] = []
    # one batch in memory at a time: weeks of photos do not fit
    for batch in _batches(store, client):
        body = batch["body"]
        if hashlib.sha256(body).hexdigest() != batch["body_sha256"]:
            raise StationError("batch_damaged", _("A stored batch is damaged"))
        request = _request(
            client,
            f"/v1/stations/{client.station_id}/batches",
            body,
            {"Content-Type": batch["content_type"], "Idempotency-Key": batch["batch_id"]},
        )
        name = f"{code}-{batch['batch_id']}{SUFFIX}"
        data = _sealed_file(client, "batch", [request], key)
        _write(folder / name, data)
        with store.transaction():
            outbox.mark_exported(store.conn, batch["batch_id"], _now())
        files.append(
            {
                "name": name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
                "kind": "batch",
                "batch_id": batch["batch_id"],
                "records": outbox.batch_size(store.conn, batch["batch_id"]),
            }
        )
    handovers = outbox.unsent_handovers(store.conn)
    if handovers:
        hpath = f"/v1/stations/{client.station_id}/handovers"
        requests = [
            _request(
                client,
                hpath,
                json.dumps({"uuid": h["uuid"], "at": h["at"], "operator": h["operator"]}).encode(),
                {"Content-Type": "application/json"},
            )
            for h in handovers
        ]
        name = f"{code}-handovers-{stamp}{SUFFIX}"
        data = _sealed_file(client, "handovers", requests, key)
        _write(folder / name, data)
        files.append(
            {
                "name": name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
                "kind": "handovers",
                "handovers": len(handovers),
            }
        )
    if not files:
        return {
            "folder": str(folder),
            "manifest": None,
            "batches": 0,
            "records": 0,
            "handovers": 0,
            "files": [],
        }
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": 1,
        "station_id": client.station_id,
        "station_code": code,
        "created_at": _now(),
        "files": files,
    }
    manifest_name = f"manifest-{code}-{stamp}.json"
    _write(folder / manifest_name, json.dumps(manifest, indent=1).encode())
    summary = {
        "folder": str(folder),
        "manifest": manifest_name,
        "batches": sum(1 for f in files if f["kind"] == "batch"),
        "records": sum(f.get("records", 0) for f in files),
        "handovers": len(handovers),
        "files": [f["name"] for f in files],
    }
    store.audit(
        "sync.export",
        detail={k: summary[k] for k in ("manifest", "batches", "records", "handovers")},
    )
    return summary


def _batches(store: Store, client: SyncClient) -> Iterator[dict[str, Any]]:
    """The unanswered batches as stored (the same bytes), then new ones from the pending
    records — each recorded in the outbox before it is handed out."""
    for batch_id in outbox.open_batch_ids(store.conn):
        yield outbox.stored_batch(store.conn, batch_id)
    while (batch := client._next_batch()) is not None:
        yield batch


def _write(path: Path, data: bytes) -> None:
    """Atomically (temporary file, fsync, rename): a full disk leaves no file by this name."""
    try:
        atomic_write(path, data, 0o600)
    except OSError as exc:
        raise StationError(
            "cannot_write",
            _("Cannot write {file}: {why}", file=path.name, why=exc.strerror or type(exc).__name__),
        ) from exc


__all__ = ["EXPORT_FORMAT", "MANIFEST_FORMAT", "SUFFIX", "export"]
