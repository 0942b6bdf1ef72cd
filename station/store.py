"""The station's encrypted store: one data folder, one SQLCipher database, one operator session.

``Station`` is the data folder (provisioning, login, recovery). ``Store`` is an unlocked database
bound to the operator who unlocked it; every method checks that operator's role before it reads
or writes (station/roles.py), and every change is audited in the same transaction.

A ``Store`` is used from one thread at a time: the CLI uses it directly, the desktop through
``station.worker.DbWorker``, which owns it on a worker thread.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import uuid as uuidlib
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from station import audit as auditlog
from station import db, outbox, roles
from station.errors import (
    AuthError,
    FieldError,
    NotFoundError,
    StorageError,
    UsageError,
    ValidationError,
)
from station.i18n import _
from station.keys import (
    ROLES,
    KeySlots,
    check_password_strength,
    new_db_key,
    new_recovery_code,
)
from station.record import content_hash, mask_id
from station.search import classify, fts_query, fts_text
from station.settings import SETTINGS, check_setting

log = logging.getLogger(__name__)

DB_FILE = "station.db"
KEYSLOT_FILE = "keyslots.json"


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def pack_record(record: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def unpack_record(blob: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(blob))  # type: ignore[no-any-return]


class Station:
    """A station's data folder."""

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / DB_FILE
        self.keyslots = KeySlots(self.data_dir / KEYSLOT_FILE)

    def exists(self) -> bool:
        return self.keyslots.exists()

    def init(self, station_code: str, admin: str, password: str, city: str = "4501") -> str:
        """Create the database, the first technician and the recovery slot; return the code."""
        if not (len(station_code) == 12 and station_code.isascii() and station_code.isdigit()):
            raise UsageError("bad_station_code", _("The station code must be 12 digits"))
        check_setting("station.city", city)
        check_operator_name(admin)
        check_password_strength(password)
        if self.keyslots.exists() or self.db_path.exists():
            raise UsageError("station_exists", _("This data folder already holds a station"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        key = new_db_key()
        recovery = new_recovery_code()
        conn = db.connect(self.db_path, key, create=True)
        try:
            db.migrate(conn)
            now = _now().isoformat(timespec="seconds")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('station_code', ?)", (station_code,)
            )
            conn.execute(
                "INSERT INTO config (key, value, updated_at, updated_by)"
                " VALUES ('station.code', ?, ?, ?), ('station.city', ?, ?, ?)",
                (station_code, now, admin, city, now, admin),
            )
            conn.execute(
                "INSERT INTO operators (name, role, created_at, created_by)"
                " VALUES (?, 'technician', ?, NULL)",
                (admin, now),
            )
            auditlog.append(conn, admin, "station.init", detail={"station_code": station_code})
            conn.execute("COMMIT")
        finally:
            conn.close()
        os.chmod(self.db_path, 0o600)
        self.keyslots.create(key, admin, password, recovery, station_code)
        return recovery

    def login(self, name: str, password: str) -> Store:
        unlocked = self.keyslots.unlock(name, password)
        store = Store(self, unlocked.db_key, unlocked.operator, unlocked.role)
        try:
            row = store.conn.execute(
                "SELECT role, active FROM operators WHERE name = ?", (name,)
            ).fetchone()
            with store.transaction():
                for ev in unlocked.pending_audit:
                    auditlog.append(
                        store.conn,
                        ev.get("operator"),
                        ev["action"],
                        detail=ev.get("detail"),
                        ts=ev.get("ts"),
                    )
                if row is None or not row[1] or row[0] != unlocked.role:
                    auditlog.append(store.conn, name, "login.failed", detail={"reason": "disabled"})
                    raise AuthError("operator_disabled", _("This operator is disabled"))
                auditlog.append(store.conn, name, "login")
        except BaseException:
            store.close()
            raise
        return store

    def open_with_recovery(self, code: str) -> Store:
        """Open with the recovery code (restore, lost passwords): acts as a technician."""
        key = self.keyslots.unlock_recovery(code)
        store = Store(self, key, "recovery", roles.TECHNICIAN)
        with store.transaction():
            auditlog.append(store.conn, None, "login.recovery")
        return store


def check_operator_name(name: str) -> None:
    if not (1 <= len(name) <= 32) or not all(c.isalnum() or c in "._-" for c in name):
        raise UsageError(
            "bad_operator_name", _("An operator name is 1-32 letters, digits, '.', '_' or '-'")
        )


class Store:
    """An unlocked station database, bound to one operator and role."""

    def __init__(self, station: Station, key: bytes, operator: str, role: str) -> None:
        self.station = station
        self._key = key
        self.operator = operator
        self.role = role
        self.conn = db.connect(station.db_path, key)
        try:
            version = db.migrate(self.conn)
            log.debug("database at schema version %d", version)
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'station_code'").fetchone()
        except BaseException:
            self.conn.close()
            raise
        if row is None:
            self.conn.close()
            raise StorageError("not_our_database", _("The database has no station code"))
        self.station_code: str = row[0]
        self._depth = 0

    # -- plumbing ----------------------------------------------------------------------------
    def clone(self) -> Store:
        """Another connection for the same operator (a background thread of its own: sync)."""
        return Store(self.station, self._key, self.operator, self.role)

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:  # noqa: BLE001 - closing twice or after a crash is harmless
            log.debug("closing the database failed", exc_info=True)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """BEGIN IMMEDIATE … COMMIT; nested use joins the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self.conn.execute("COMMIT")

    def require(self, permission: str) -> None:
        roles.require(self.role, permission)

    def can(self, permission: str) -> bool:
        return roles.allowed(self.role, permission)

    def audit(
        self, action: str, record_uuid: str | None = None, detail: dict[str, Any] | None = None
    ) -> None:
        with self.transaction():
            auditlog.append(self.conn, self.operator, action, record_uuid, detail)

    # -- operators ---------------------------------------------------------------------------
    def add_operator(self, name: str, role: str, password: str) -> None:
        self.require("user.manage")
        check_operator_name(name)
        if role not in ROLES:
            raise UsageError("bad_role", _("Unknown role {role!r}", role=role))
        check_password_strength(password)
        with self.transaction():
            exists = self.conn.execute("SELECT 1 FROM operators WHERE name = ?", (name,)).fetchone()
            if exists:
                raise UsageError("operator_exists", _("An operator with this name already exists"))
            self.conn.execute(
                "INSERT INTO operators (name, role, created_at, created_by) VALUES (?, ?, ?, ?)",
                (name, role, _now().isoformat(timespec="seconds"), self.operator),
            )
            auditlog.append(
                self.conn, self.operator, "user.add", detail={"name": name, "role": role}
            )
            # The slot is written last, inside the transaction: if it fails, nothing is committed.
            self.station.keyslots.add_operator(self._key, name, role, password)

    def disable_operator(self, name: str) -> None:
        self.require("user.manage")
        if name == self.operator:
            raise UsageError("disable_self", _("You cannot disable your own account"))
        with self.transaction():
            row = self.conn.execute(
                "SELECT role, active FROM operators WHERE name = ?", (name,)
            ).fetchone()
            if row is None or not row[1]:
                raise UsageError("no_operator", _("No such active operator"))
            if row[0] == roles.TECHNICIAN:
                others = self.conn.execute(
                    "SELECT count(*) FROM operators WHERE role = 'technician' AND active = 1"
                    " AND name != ?",
                    (name,),
                ).fetchone()[0]
                if not others:
                    raise UsageError("last_technician", _("The last technician cannot be disabled"))
            self.conn.execute(
                "UPDATE operators SET active = 0, disabled_at = ? WHERE name = ?",
                (_now().isoformat(timespec="seconds"), name),
            )
            auditlog.append(self.conn, self.operator, "user.disable", detail={"name": name})
            self.station.keyslots.remove_operator(name)

    def list_operators(self) -> list[dict[str, Any]]:
        self.require("user.manage")
        locks = {o["name"]: o["locked_until"] for o in self.station.keyslots.operators()}
        rows = self.conn.execute(
            "SELECT name, role, active, created_at FROM operators ORDER BY name"
        ).fetchall()
        return [
            {
                "name": r[0],
                "role": r[1],
                "active": bool(r[2]),
                "created_at": r[3],
                "locked_until": locks.get(r[0]),
            }
            for r in rows
        ]

    def change_password(self, old: str, new: str) -> None:
        """Rewrap this operator's slot (the old password proves it is them)."""
        self.require("session.own_password")
        if self.operator == "recovery":
            raise UsageError("no_operator", _("The recovery session has no password"))
        check_password_strength(new)
        self.station.keyslots.unlock(self.operator, old)
        with self.transaction():
            auditlog.append(self.conn, self.operator, "user.passwd")
            self.station.keyslots.set_password(self._key, self.operator, new)

    def reset_password(self, name: str, new: str) -> None:
        """A technician sets a new password for an operator who forgot theirs."""
        self.require("user.manage")
        check_password_strength(new)
        with self.transaction():
            auditlog.append(self.conn, self.operator, "user.reset_password", detail={"name": name})
            self.station.keyslots.set_password(self._key, name, new)

    # -- settings ----------------------------------------------------------------------------
    def config_get(self, key: str) -> str | None:
        """The raw value (internal use: drivers, sync); no role check, no audit."""
        row = self.conn.execute("SELECT value FROM config WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return str(row[0])
        setting = SETTINGS.get(key)
        return setting.default if setting else None

    def config_set(self, key: str, value: str, *, internal: bool = False) -> None:
        if not internal:
            self.require("config.write")
        if key in SETTINGS or not internal:
            check_setting(key, value, internal=internal)
        secret = key in SETTINGS and SETTINGS[key].secret
        with self.transaction():
            self.conn.execute(
                "INSERT INTO config (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                (key, value, _now().isoformat(timespec="seconds"), self.operator),
            )
            if not internal:
                detail = {"key": key} if secret else {"key": key, "value": value}
                auditlog.append(self.conn, self.operator, "config.set", detail=detail)

    def config_show(self, key: str) -> str | None:
        """The value as shown to a person: secrets masked."""
        self.require("config.read")
        if key not in SETTINGS:
            check_setting(key, "")
        value = self.config_get(key)
        if value and SETTINGS[key].secret:
            return "*" * len(value)
        return value

    def config_all(self) -> dict[str, str | None]:
        self.require("config.read")
        return {k: self.config_show(k) for k in SETTINGS}

    def settings_map(self) -> dict[str, str]:
        """Every non-secret setting with its default, for device factories."""
        out = {k: s.default for k, s in SETTINGS.items() if s.default is not None}
        for k, v in self.conn.execute("SELECT key, value FROM config"):
            if k in SETTINGS and not SETTINGS[k].secret:
                out[k] = v
        return {k: v for k, v in out.items() if v is not None}

    # -- photos ------------------------------------------------------------------------------
    def put_photo(self, jpeg: bytes) -> str:
        self.require("app.create")
        from station.photo_input import check_photo_jpeg

        check_photo_jpeg(jpeg)  # a real JPEG within the limits, else ValidationError (exit 4)
        sha = hashlib.sha256(jpeg).hexdigest()
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO photos (sha256, jpeg, created_at) VALUES (?, ?, ?)",
                (sha, jpeg, _now().isoformat(timespec="seconds")),
            )
        return sha

    def photo(self, sha256: str) -> bytes:
        row = self.conn.execute("SELECT jpeg FROM photos WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            raise NotFoundError("no_photo", _("The photo is not in the database"))
        return bytes(row[0])

    # -- applications ------------------------------------------------------------------------
    def _next_number(self, day: dt.date) -> str:
        key = day.strftime("%Y%m%d")
        row = self.conn.execute(
            "INSERT INTO number_seq (day, last) VALUES (?, 1) ON CONFLICT (day)"
            " DO UPDATE SET last = last + 1 RETURNING last",
            (key,),
        ).fetchone()
        return f"{self.station_code}{key}{int(row[0]):04d}"

    def save_application(
        self, record: dict[str, Any], photo: bytes | None = None, *, today: dt.date | None = None
    ) -> dict[str, str]:
        """Validate and store a new application; returns its uuid and number."""
        self.require("app.create")
        from station.validation import check_application

        clean = check_application(record, today=today, city=self.config_get("station.city"))
        with self.transaction():
            if photo is not None:
                clean["photo"] = self.put_photo(photo)
            return self._store_new(clean, _now())

    def save_many(
        self, records: list[dict[str, Any]], *, today: dt.date | None = None, source: str = "import"
    ) -> list[dict[str, str] | ValidationError]:
        """Validate every record, then store the valid ones in ONE transaction (imports,
        synthetic data). Returns, per input, the saved ``{uuid, number}`` or its errors."""
        self.require("app.create")
        from station.validation import check_application

        city = self.config_get("station.city")
        results: list[dict[str, str] | ValidationError] = []
        cleaned: list[tuple[int, dict[str, Any]]] = []
        for i, record in enumerate(records):
            try:
                cleaned.append((i, check_application(record, today=today, city=city)))
                results.append({})
            except ValidationError as exc:
                results.append(exc)
        now = _now()
        with self.transaction():
            for i, clean in cleaned:
                results[i] = self._store_new(clean, now, action=f"app.{source}")
        return results

    def _store_new(
        self, clean: dict[str, Any], now: dt.datetime, action: str = "app.create"
    ) -> dict[str, str]:
        """Inside a transaction: number, station keys, insert, outbox, audit."""
        if (
            clean.get("photo")
            and not self.conn.execute(
                "SELECT 1 FROM photos WHERE sha256 = ?", (clean["photo"],)
            ).fetchone()
        ):
            raise UsageError("no_photo", _("The photo is not in the database"))
        clean["uuid"] = str(clean.get("uuid") or uuidlib.uuid4())
        clean["number"] = self._next_number(now.date())
        clean["captured_at"] = now.isoformat(timespec="seconds")
        clean["operator"] = self.operator
        clean.pop("state", None)
        self._insert(clean, now)
        auditlog.append(
            self.conn,
            self.operator,
            action,
            clean["uuid"],
            {"kind": clean["kind"], "number": clean["number"]},
        )
        return {"uuid": clean["uuid"], "number": clean["number"]}

    def _insert(self, rec: dict[str, Any], now: dt.datetime) -> None:
        person = rec.get("person") or {}
        residence = rec.get("residence") or {}
        chash = content_hash(rec)
        cur = self.conn.execute(
            "INSERT INTO applications (uuid, number, version, kind, id_number, name, phone,"
            " birth_date, division_code, community, day, captured_at, operator, updated_at,"
            " photo, content_hash, record) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?)",
            (
                rec["uuid"],
                rec["number"],
                rec["kind"],
                person.get("id_number"),
                person.get("name"),
                person.get("phone"),
                person.get("birth_date"),
                residence.get("division_code"),
                residence.get("community"),
                now.date().isoformat(),
                rec["captured_at"],
                rec["operator"],
                now.isoformat(timespec="seconds"),
                rec.get("photo"),
                chash,
                pack_record(rec),
            ),
        )
        self.conn.execute(
            "INSERT INTO applications_fts (rowid, text) VALUES (?, ?)",
            (cur.lastrowid, _fts_for(rec)),
        )
        _enqueue(self.conn, rec["uuid"], 1, chash)

    def correct_application(
        self, ref: str, record: dict[str, Any], photo: bytes | None = None
    ) -> dict[str, Any]:
        """Store a corrected version of an application (same uuid and number, version + 1)."""
        self.require("app.correct_own")
        from station.validation import check_application

        with self.transaction():
            row = self._row(ref)
            old = unpack_record(row["record"])
            if old["operator"] != self.operator and not self.can("app.correct_any"):
                raise AuthError(
                    "forbidden",
                    _("Only a supervisor may correct another coordinator's application"),
                )
            clean = check_application(record, city=self.config_get("station.city"))
            for key in ("uuid", "number", "captured_at", "operator"):
                clean[key] = old[key]
            if photo is not None:
                clean["photo"] = self.put_photo(photo)
            elif "photo" not in clean and old.get("photo"):
                clean["photo"] = old["photo"]
            clean.pop("state", None)
            chash = content_hash(clean)
            if chash == row["content_hash"]:
                return {
                    "uuid": old["uuid"],
                    "number": old["number"],
                    "version": row["version"],
                    "changed": False,
                }
            now = _now()
            version = row["version"] + 1
            self.conn.execute(
                "INSERT INTO application_versions (uuid, version, content_hash, record, operator,"
                " saved_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    old["uuid"],
                    row["version"],
                    row["content_hash"],
                    row["record"],
                    old["operator"],
                    row["updated_at"],
                ),
            )
            person, residence = clean.get("person") or {}, clean.get("residence") or {}
            self.conn.execute("DELETE FROM applications_fts WHERE rowid = ?", (row["id"],))
            self.conn.execute(
                "UPDATE applications SET version = ?, kind = ?, id_number = ?, name = ?,"
                " phone = ?, birth_date = ?, division_code = ?, community = ?, updated_at = ?,"
                " photo = ?, content_hash = ?, record = ? WHERE id = ?",
                (
                    version,
                    clean["kind"],
                    person.get("id_number"),
                    person.get("name"),
                    person.get("phone"),
                    person.get("birth_date"),
                    residence.get("division_code"),
                    residence.get("community"),
                    now.isoformat(timespec="seconds"),
                    clean.get("photo"),
                    chash,
                    pack_record(clean),
                    row["id"],
                ),
            )
            self.conn.execute(
                "INSERT INTO applications_fts (rowid, text) VALUES (?, ?)",
                (row["id"], _fts_for(clean)),
            )
            _enqueue(self.conn, old["uuid"], version, chash)
            auditlog.append(
                self.conn, self.operator, "app.correct", old["uuid"], {"version": version}
            )
        return {"uuid": old["uuid"], "number": old["number"], "version": version, "changed": True}

    _COLUMNS = (
        "id",
        "uuid",
        "number",
        "version",
        "kind",
        "state",
        "captured_at",
        "operator",
        "updated_at",
        "content_hash",
        "record",
        "purged",
    )

    def _row(self, ref: str) -> dict[str, Any]:
        ref = ref.strip()
        column = "uuid" if "-" in ref else "number"
        row = self.conn.execute(
            f"SELECT {', '.join(self._COLUMNS)} FROM applications WHERE {column} = ?", (ref,)
        ).fetchone()
        if row is None:
            raise NotFoundError("no_application", _("No application with this reference"))
        return dict(zip(self._COLUMNS, row, strict=True))

    def get_application(self, ref: str, *, audit_view: bool = True) -> dict[str, Any]:
        """The full record (with station keys, version and state). Viewing is audited."""
        self.require("app.view")
        row = self._row(ref)
        rec = unpack_record(row["record"])
        rec["version"] = row["version"]
        rec["state"] = row["state"]
        if audit_view:
            self.audit("app.view", rec["uuid"])
        return rec

    def record_for_sync(self, uuid: str) -> dict[str, Any]:
        """The record as sent to the central service (no role check: sync runs as any role)."""
        self.require("sync.run")
        row = self._row(uuid)
        return unpack_record(row["record"])

    def history(self, ref: str) -> list[dict[str, Any]]:
        self.require("app.view")
        row = self._row(ref)
        return auditlog.history(self.conn, row["uuid"])

    def sync_state(self, ref: str) -> dict[str, Any] | None:
        """The record's upload state and the service's events (None: not queued)."""
        self.require("app.view")
        row = self._row(ref)
        return outbox.record_state(self.conn, row["uuid"])

    def versions(self, ref: str) -> list[dict[str, Any]]:
        self.require("app.view")
        row = self._row(ref)
        rows = self.conn.execute(
            "SELECT version, record, operator, saved_at FROM"
            " application_versions WHERE uuid = ? ORDER BY version",
            (row["uuid"],),
        ).fetchall()
        return [
            {"version": v, "record": unpack_record(r), "operator": o, "saved_at": s}
            for v, r, o, s in rows
        ]

    _SUMMARY = (
        "uuid",
        "number",
        "version",
        "kind",
        "state",
        "id_number",
        "name",
        "phone",
        "division_code",
        "community",
        "captured_at",
        "operator",
    )

    def _summaries(self, where: str, params: tuple[Any, ...], limit: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            f"SELECT {', '.join(self._SUMMARY)} FROM applications WHERE {where}"
            f" ORDER BY captured_at DESC, id DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
        out = []
        for r in rows:
            d = dict(zip(self._SUMMARY, r, strict=True))
            d["id_masked"] = mask_id(d.pop("id_number"))
            phone = d.pop("phone") or ""
            d["phone_masked"] = phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else phone
            out.append(d)
        return out

    def search(self, text: str, limit: int = 50) -> list[dict[str, Any]]:
        """Find by ID number, phone or application number (whole or prefix), or by any part of
        a name or address. Results carry masked ID numbers and phones."""
        self.require("app.search")
        limit = max(1, min(int(limit), 500))
        q = text.strip()
        if not q:
            return []
        if classify(q) == "digits":
            q = q.replace(" ", "").upper()
            if len(q) == 18:
                return self._summaries("id_number = ?", (q,), limit)
            hi = q + "\uffff"
            found = self._summaries("id_number >= ? AND id_number < ?", (q, hi), limit)
            found += self._summaries("phone >= ? AND phone < ?", (q, hi), limit)
            found += self._summaries("number >= ? AND number < ?", (q, hi), limit)
            unique: dict[str, dict[str, Any]] = {}
            for d in found:
                unique.setdefault(d["uuid"], d)
            return list(unique.values())[:limit]
        match = fts_query(q)
        if match is None:
            return []
        return self._summaries(
            "id IN (SELECT rowid FROM applications_fts WHERE applications_fts MATCH ? LIMIT 2000)",
            (match,),
            limit,
        )

    def list_applications(
        self, day: dt.date | None = None, limit: int = 200, operator: str | None = None
    ) -> list[dict[str, Any]]:
        self.require("app.search")
        where, params = "1", cast(tuple[Any, ...], ())
        if day is not None:
            where, params = "day = ?", (day.isoformat(),)
        if operator:
            where += " AND operator = ?"
            params = (*params, operator)
        return self._summaries(where, params, limit)

    def possible_duplicates(
        self, record: dict[str, Any], exclude: str | None = None
    ) -> list[dict[str, Any]]:
        """Applications of the same person already at this station: the same ID number, or the
        same name and birth date (a mistyped number). For the intake's warning and the review."""
        self.require("app.search")
        person = record.get("person") or {}
        idn = str(person.get("id_number") or "").strip().upper()
        name, birth = person.get("name"), person.get("birth_date")
        unique: dict[str, dict[str, Any]] = {}
        if idn:
            for d in self._summaries("id_number = ? AND purged = 0", (idn,), 20):
                unique.setdefault(d["uuid"], dict(d, match="id_number"))
        if name and birth:
            for d in self._summaries(
                "name = ? AND birth_date = ? AND purged = 0", (name, birth), 20
            ):
                unique.setdefault(d["uuid"], dict(d, match="name_birth_date"))
        unique.pop(exclude or "", None)
        return list(unique.values())

    def count_for_day(self, day: dt.date) -> int:
        self.require("app.search")
        return int(
            self.conn.execute(
                "SELECT count(*) FROM applications WHERE day = ?", (day.isoformat(),)
            ).fetchone()[0]
        )

    # -- drafts --------------------------------------------------------------------------------
    def save_draft(self, form: str, data: dict[str, Any]) -> None:
        """What the operator has typed so far (crash- and lock-safe); not audited."""
        self.require("app.create")
        with self.transaction():
            self.conn.execute(
                "INSERT INTO drafts (operator, form, data, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (operator, form) DO UPDATE SET data = excluded.data,"
                " updated_at = excluded.updated_at",
                (
                    self.operator,
                    form,
                    json.dumps(data, ensure_ascii=False),
                    _now().isoformat(timespec="seconds"),
                ),
            )

    def load_draft(self, form: str) -> dict[str, Any] | None:
        self.require("app.create")
        row = self.conn.execute(
            "SELECT data FROM drafts WHERE operator = ? AND form = ?", (self.operator, form)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def clear_draft(self, form: str) -> None:
        self.require("app.create")
        with self.transaction():
            self.conn.execute(
                "DELETE FROM drafts WHERE operator = ? AND form = ?", (self.operator, form)
            )

    # -- endorsements ------------------------------------------------------------------------
    def endorse_key(self) -> str:
        """The configured K_endorse (hex) for the card driver; never shown or logged."""
        self.require("endorse")
        key = self.config_get("permit.endorse_key")
        if not key:
            raise UsageError(
                "no_endorse_key",
                _(
                    "No endorsement key is set: a technician sets it with 'station config set "
                    "permit.endorse_key'"
                ),
            )
        return key

    def begin_endorsement(
        self, card: dict[str, Any], year: int, on: dt.date, application: str | None = None
    ) -> None:
        """Before the card is written: the endorsement as 'writing' (so that nothing can be on a
        card without being recorded). A year already done for this card is refused."""
        self.require("endorse")
        person = card.get("person") or {}
        permit = card.get("permit") or {}
        with self.transaction():
            row = self.conn.execute(
                "SELECT state FROM endorsements WHERE permit_number = ? AND year = ?",
                (permit.get("number", ""), year),
            ).fetchone()
            if row is not None and row[0] == "done":
                error = ValidationError(
                    [
                        FieldError(
                            "permit.endorsements",
                            "already_endorsed",
                            _(
                                "This card is already endorsed for {year} at this station",
                                year=year,
                            ),
                        )
                    ]
                )
                error.code = "already_endorsed"
                raise error
            self.conn.execute(
                "INSERT INTO endorsements (id_number, permit_number, year, endorsed_on, station,"
                " operator, recorded_at, application, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                " 'writing') ON CONFLICT (permit_number, year) DO UPDATE SET state = 'writing',"
                " endorsed_on = excluded.endorsed_on, operator = excluded.operator,"
                " recorded_at = excluded.recorded_at, application = excluded.application",
                (
                    person.get("id_number", ""),
                    permit.get("number", ""),
                    year,
                    on.isoformat(),
                    self.station_code,
                    self.operator,
                    _now().isoformat(timespec="seconds"),
                    application,
                ),
            )

    def finish_endorsement(
        self, card: dict[str, Any], year: int, outcome: str, application: str | None = None
    ) -> None:
        """After the write: ``done`` (the card accepted it: audited), ``failed`` (the card
        certainly has nothing: the row goes) or ``uncertain`` (pulled mid-write: kept until the
        card is read again)."""
        self.require("endorse")
        number = (card.get("permit") or {}).get("number", "")
        with self.transaction():
            if outcome == "failed":
                self.conn.execute(
                    "DELETE FROM endorsements WHERE permit_number = ? AND year = ?"
                    " AND state != 'done'",
                    (number, year),
                )
                auditlog.append(
                    self.conn, self.operator, "card.endorse_failed", application, {"year": year}
                )
                return
            self.conn.execute(
                "UPDATE endorsements SET state = ? WHERE permit_number = ? AND year = ?",
                (outcome, number, year),
            )
            auditlog.append(
                self.conn,
                self.operator,
                "card.endorse" if outcome == "done" else "card.endorse_uncertain",
                application,
                {"year": year},
            )

    def settle_endorsements(self, card: dict[str, Any]) -> None:
        """A card read again settles its uncertain endorsements: on the card → done, else gone."""
        number = (card.get("permit") or {}).get("number", "")
        years = {
            int(e.get("year", 0)) for e in (card.get("permit") or {}).get("endorsements") or []
        }
        rows = self.conn.execute(
            "SELECT year, application FROM endorsements WHERE"
            " permit_number = ? AND state IN ('uncertain', 'writing')",
            (number,),
        ).fetchall()
        for year, application in rows:
            self.finish_endorsement(card, year, "done" if year in years else "failed", application)

    def record_endorsement(
        self, card: dict[str, Any], year: int, on: dt.date, application: str | None = None
    ) -> dict[str, Any]:
        """Record an endorsement the card has accepted (audited)."""
        self.begin_endorsement(card, year, on, application)
        self.finish_endorsement(card, year, "done", application)
        return {"year": year, "station": self.station_code, "date": on.isoformat()}

    def endorsements_of(self, id_number: str) -> list[dict[str, Any]]:
        self.require("app.view")
        rows = self.conn.execute(
            "SELECT year, endorsed_on, station, operator FROM endorsements"
            " WHERE id_number = ? AND state = 'done' ORDER BY year",
            (id_number,),
        ).fetchall()
        return [{"year": r[0], "date": r[1], "station": r[2], "operator": r[3]} for r in rows]

    # -- audit -------------------------------------------------------------------------------
    def verify_audit(self) -> auditlog.VerifyResult:
        self.require("audit.verify")
        return auditlog.verify(self.conn)


def _fts_for(rec: dict[str, Any]) -> str:
    person = rec.get("person") or {}
    residence = rec.get("residence") or {}
    return fts_text(
        person.get("name"),
        person.get("hukou_address"),
        residence.get("address"),
        residence.get("community"),
    )


def _enqueue(conn: Any, uuid: str, version: int, chash: str) -> None:
    """Hand the new version to the sync outbox in the same transaction."""
    outbox.enqueue(conn, uuid, version, chash)
