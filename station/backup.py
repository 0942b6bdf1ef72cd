"""Backup and restore of a whole station.

A backup is a tar file holding ``manifest.json`` (station code, time, schema version, counts,
SHA-256 of every member), ``station.db`` (an online, consistent copy made with SQLite's backup
API — still SQLCipher-encrypted with the station key) and ``keyslots.json`` (the wrapped keys).
Nothing in it is readable without an operator password or the recovery code.

Restore goes into an empty data folder: the manifest hashes are checked, the recovery code must
unwrap the key and open the copied database (``integrity_check``), and only then are the files
moved into place; a wrong code or a damaged file leaves the folder as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import sqlcipher3

from station import audit as auditlog
from station import db, outbox, trust
from station.errors import AuthError, StorageError, UsageError
from station.fsutil import fsync_dir
from station.i18n import _
from station.keys import KeySlots
from station.store import DB_FILE, KEYSLOT_FILE, Store

FORMAT = "intake-station-backup/1"
SUFFIX = ".stbk"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def create_backup(store: Store, out: Path) -> dict[str, Any]:
    """Write a consistent backup of the station to ``out`` (atomically)."""
    store.require("backup")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=out.parent) as tmp_name:
        tmp = Path(tmp_name)
        copy = tmp / DB_FILE
        target = sqlcipher3.connect(str(copy))
        try:
            target.execute(f"PRAGMA key = \"x'{store.db_key.hex()}'\"")
            # The backup API copies a consistent snapshot while other writers keep going.
            store.conn.backup(target, pages=4096)
            target.execute("PRAGMA journal_mode = DELETE")
            check = target.execute("PRAGMA quick_check").fetchone()[0]
        except sqlcipher3.OperationalError as exc:  # the copy's disk is full or read-only
            raise StorageError(
                "backup_unwritable",
                _("The backup cannot be written to {folder}: {why}", folder=out.parent, why=exc),
            ) from exc
        finally:
            target.close()
        if check != "ok":
            raise StorageError("backup_inconsistent", _("The backup copy failed its check"))
        shutil.copyfile(store.station.keyslots.path, tmp / KEYSLOT_FILE)
        counts = {
            "applications": store.conn.execute("SELECT count(*) FROM applications").fetchone()[0],
            "photos": store.conn.execute("SELECT count(*) FROM photos").fetchone()[0],
            "audit": store.conn.execute("SELECT count(*) FROM audit").fetchone()[0],
        }
        manifest = {
            "format": FORMAT,
            "station_code": store.station_code,
            "created_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "schema_version": store.conn.execute("PRAGMA user_version").fetchone()[0],
            "counts": counts,
            "files": {
                name: {"sha256": _sha256(tmp / name), "bytes": (tmp / name).stat().st_size}
                for name in (DB_FILE, KEYSLOT_FILE)
            },
        }
        buf = tmp / "backup.tar"
        with tarfile.open(buf, "w") as tar:
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            for name in (DB_FILE, KEYSLOT_FILE):
                tar.add(tmp / name, arcname=name)
        os.chmod(buf, 0o600)  # encrypted, but only for the station's own user
        with buf.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(buf, out)
        fsync_dir(out.parent)
    with store.transaction():
        db.meta_put(store.conn, "last_backup_at", manifest["created_at"])
        auditlog.append(
            store.conn,
            store.operator,
            "backup.create",
            detail={"applications": counts["applications"]},
        )
    return {"out": str(out), "bytes": out.stat().st_size, **manifest}


def rotate(folder: Path, station_code: str, keep: int) -> list[str]:
    """Keep the newest ``keep`` backups of this station in ``folder``; return those removed."""
    mine = sorted(folder.glob(f"station-{station_code}-*{SUFFIX}"))
    removed = []
    for old in mine[:-keep] if keep > 0 else []:
        old.unlink()
        removed.append(old.name)
    return removed


def backup_to_folder(store: Store, folder: Path, keep: int = 7) -> dict[str, Any]:
    folder = Path(folder)
    name = f"station-{store.station_code}-{dt.datetime.now():%Y%m%d-%H%M%S}{SUFFIX}"
    result = create_backup(store, folder / name)
    result["removed"] = rotate(folder, store.station_code, keep)
    return result


def scheduled_backup(
    store: Store, now: dt.datetime | None = None, every: dt.timedelta = dt.timedelta(days=1)
) -> dict[str, Any] | None:
    """The daily backup to ``backup.folder`` (a folder or USB stick), when one is due.

    Called by the desktop on a timer; any operator's session may run it (the backup is
    encrypted and holds nothing readable), so the check below does not require a role.
    Returns the result, or None when no folder is set or the last backup is recent."""
    folder = store.config_get("backup.folder")
    if not folder:
        return None
    now = now or dt.datetime.now().astimezone()
    last = db.meta_get(store.conn, "last_backup_at")
    if last and now - dt.datetime.fromisoformat(last) < every:
        return None
    if not Path(folder).is_dir():
        raise StorageError(
            "backup_folder_missing",
            _("The backup folder {folder} is not there (USB stick not plugged in?)", folder=folder),
        )
    role = store.role
    try:
        store.role = "technician"  # the scheduled job, not the operator, makes this backup
        return backup_to_folder(store, Path(folder))
    finally:
        store.role = role


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest: dict[str, Any] = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise StorageError(
            "backup_damaged", _("The file is not a station backup or it is damaged")
        ) from exc
    if manifest.get("format") != FORMAT:
        raise StorageError("backup_damaged", _("The file is not a station backup or it is damaged"))
    return manifest


def restore_backup(path: Path, data_dir: Path, recovery_code: str) -> dict[str, Any]:
    """Restore into an empty ``data_dir``; nothing is changed unless every check passes."""
    path, data_dir = Path(path), Path(data_dir)
    if data_dir.exists() and any(data_dir.iterdir()):
        raise UsageError(
            "folder_not_empty",
            _("Restore needs an empty data folder; {folder} is not empty", folder=data_dir),
        )
    manifest = read_manifest(path)
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    try:
        with tarfile.open(path, "r") as tar:
            for name in (DB_FILE, KEYSLOT_FILE):
                member = tar.extractfile(name)
                if member is None:
                    raise StorageError(
                        "backup_damaged", _("The file is not a station backup or it is damaged")
                    )
                with (staging / name).open("wb") as fh:
                    shutil.copyfileobj(member, fh)
        for name, meta in manifest["files"].items():
            if _sha256(staging / name) != meta["sha256"]:
                raise StorageError(
                    "backup_damaged",
                    _("The backup is damaged: {name} does not match its manifest", name=name),
                )
        key, session = KeySlots(staging / KEYSLOT_FILE).unlock_recovery(recovery_code)
        conn = db.connect(staging / DB_FILE, key)
        conn.audit_signer = session.signer  # type: ignore[attr-defined]
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise StorageError(
                    "backup_damaged", _("The database in the backup fails its integrity check")
                )
            db.migrate(conn)
            pinned = trust.station_public_key(conn)
            if pinned != session.station_public_key or (pinned and session.signer is None):
                raise StorageError(
                    "backup_damaged",
                    _(
                        "The backup's key-slot file and database do not belong together (or "
                        "its recovery slot cannot open the vault)"
                    ),
                )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('restored_from', ?)",
                (
                    json.dumps(
                        {
                            "created_at": manifest["created_at"],
                            "restored_at": dt.datetime.now()
                            .astimezone()
                            .isoformat(timespec="seconds"),
                        }
                    ),
                ),
            )
            # One identity per station: this copy sends nothing until a technician enrols it
            # again (a new station key; the central service retires the old one, so the PC
            # the backup came from cannot upload either).
            trust.require_reenrolment(conn, "restored")
            auditlog.append(
                conn, None, "backup.restore", detail={"backup_created_at": manifest["created_at"]}
            )
            conn.execute("COMMIT")
        finally:
            conn.close()
        for name in (DB_FILE, KEYSLOT_FILE):
            os.chmod(staging / name, 0o600)  # as 'init' makes them
            os.replace(staging / name, data_dir / name)
        os.chmod(data_dir, 0o700)
        fsync_dir(data_dir)
    except AuthError:
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {
        "data_dir": str(data_dir),
        "station_code": manifest["station_code"],
        "counts": manifest["counts"],
        "backup_created_at": manifest["created_at"],
        "reenrol_required": True,
    }


def is_restored(store: Store) -> bool:
    """True until sync has asked the service for the truth after a restore."""
    return outbox.restored(store.conn)


__all__ = [
    "create_backup",
    "backup_to_folder",
    "restore_backup",
    "read_manifest",
    "rotate",
    "is_restored",
]
