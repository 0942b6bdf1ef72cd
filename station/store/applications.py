"""Applications: the ``applications`` rows with their search text and older versions, the
photos they point to, the day's number sequence, and the lookups the desk needs."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from typing import Any, cast

from station import audit as auditlog
from station import outbox, trust
from station.cards import needs_photo
from station.errors import AuthError, FieldError, NotFoundError, UsageError, ValidationError
from station.i18n import _
from station.record import content_hash, mask_id
from station.search import classify, fts_query
from station.store.photos import PHOTO_NEEDED, Photos
from station.store.records import fts_for, now, pack_record, stamp, unpack_application
from station.typedefs import (
    ApplicationRecord,
    ApplicationSummary,
    Correction,
    SavedApplication,
    Version,
)

# the next value of ``applications.written``: versions in the order they were written
_NEXT_WRITTEN = "(SELECT coalesce(max(written), 0) + 1 FROM applications)"
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


def _check_new(record: Any, today: dt.date | None, places: dict[str, Any]) -> ApplicationRecord:
    """A new application, validated; the station's own keys given by the caller are refused
    with the other problems (``given_station_keys``)."""
    from station.validation import check_application, given_station_keys

    refused = given_station_keys(record)
    try:
        clean = check_application(record, today=today, **places)
    except ValidationError as exc:
        raise ValidationError(refused + exc.errors) from None
    if refused:
        raise ValidationError(refused)
    return clean


def _same_application(record: Any, old: ApplicationRecord, new_photo: bool) -> None:
    """A new version names the application it corrects, if at all, by its own uuid and number,
    and keeps its stored photo unless a new picture comes with it: a hash is never trusted."""
    from station.validation import MESSAGES

    if not isinstance(record, dict):
        return
    problems = [
        FieldError(key, "other_application", _(MESSAGES["other_application"]))
        for key in ("uuid", "number")
        if record.get(key) is not None and record.get(key) != old.get(key)
    ]
    given = record.get("photo")
    if not new_photo and given is not None and given != old.get("photo"):
        problems.append(FieldError("photo", "photo_unknown", _(MESSAGES["photo_unknown"])))
    if problems:
        raise ValidationError(problems)


class Applications(Photos):
    # -- saving ------------------------------------------------------------------------------
    def _next_number(self, day: dt.date) -> str:
        key = day.strftime("%Y%m%d")
        row = self.conn.execute(
            "INSERT INTO number_seq (day, last) VALUES (?, 1) ON CONFLICT (day)"
            " DO UPDATE SET last = last + 1 RETURNING last",
            (key,),
        ).fetchone()
        return f"{self.store.station_code}{key}{int(row[0]):04d}"

    def save(
        self,
        record: dict[str, Any],
        photo: bytes | None = None,
        *,
        today: dt.date | None = None,
        photo_override: list[str] | None = None,
    ) -> SavedApplication:
        """Validate and store a new application; returns its uuid and number. With
        ``photo_override`` (the reasons a photo was kept although a check failed), the review
        flag is stored in the same transaction: the record and its flag, or neither."""
        self.require("app.create")
        clean = _check_new(record, today, self.store.places())
        with self.store.transaction():
            if photo is not None:
                clean["photo"] = self.put_photo(photo)
            saved = self._store_new(clean, now())
            if photo_override is not None:
                self.note_photo_override(saved["uuid"], photo_override)
            return saved

    def save_many(
        self,
        records: list[dict[str, Any]],
        *,
        today: dt.date | None = None,
        source: str = "import",
        photos: list[bytes | None] | None = None,
    ) -> list[SavedApplication | ValidationError]:
        """Validate every record, then store the valid ones in ONE transaction (imports,
        synthetic data). ``photos`` (one per record, or None) are stored with the valid ones
        only. Returns, per input, the saved ``{uuid, number}`` or its errors."""
        self.require("app.create")
        places = self.store.places()
        results: list[SavedApplication | ValidationError | None] = []
        cleaned: list[tuple[int, ApplicationRecord]] = []
        for i, record in enumerate(records):
            try:
                cleaned.append((i, _check_new(record, today, places)))
                results.append(None)
            except ValidationError as exc:
                results.append(exc)
        at = now()
        with self.store.transaction():
            for i, clean in cleaned:
                jpeg = photos[i] if photos is not None else None
                if jpeg is not None:
                    clean["photo"] = self.put_photo(jpeg)
                results[i] = self._store_new(clean, at, action=f"app.{source}")
        return [r for r in results if r is not None]

    def _store_new(
        self, clean: ApplicationRecord, at: dt.datetime, action: str = "app.create"
    ) -> SavedApplication:
        """Inside a transaction: number, station keys, insert, outbox, audit."""
        if (
            clean.get("photo")
            and not self.conn.execute(
                "SELECT 1 FROM photos WHERE sha256 = ?", (clean["photo"],)
            ).fetchone()
        ):
            raise UsageError("no_photo", _("The photo is not in the database"))
        clean["uuid"] = str(uuidlib.uuid4())  # the station's, never the caller's
        clean["number"] = self._next_number(at.date())
        clean["captured_at"] = at.isoformat(timespec="seconds")
        clean["operator"] = self.operator
        clean.pop("state", None)
        self._insert(clean, at)
        auditlog.append(
            self.conn,
            self.operator,
            action,
            clean["uuid"],
            {"kind": clean["kind"], "number": clean["number"]},
        )
        return {"uuid": clean["uuid"], "number": clean["number"]}

    def _insert(self, rec: ApplicationRecord, at: dt.datetime) -> None:
        person = rec.get("person") or {}
        residence = rec.get("residence") or {}
        chash = content_hash(rec)
        waiting = needs_photo(rec)
        cur = self.conn.execute(
            "INSERT INTO applications (uuid, number, version, kind, state, id_number, name,"
            " phone, birth_date, division_code, community, day, captured_at, operator,"
            " updated_at, photo, content_hash, record, person_key, marital, written) VALUES"
            f" (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {_NEXT_WRITTEN})",
            (
                rec["uuid"],
                rec["number"],
                rec["kind"],
                PHOTO_NEEDED if waiting else "saved",
                person.get("id_number"),
                person.get("name"),
                person.get("phone"),
                person.get("birth_date"),
                residence.get("division_code"),
                residence.get("community"),
                at.date().isoformat(),
                rec["captured_at"],
                rec["operator"],
                at.isoformat(timespec="seconds"),
                rec.get("photo"),
                chash,
                pack_record(rec),
                self.store.person_key(person.get("id_number")),
                person.get("marital"),
            ),
        )
        self.conn.execute(
            "INSERT INTO applications_fts (rowid, text) VALUES (?, ?)",
            (cur.lastrowid, fts_for(rec)),
        )
        self.store.referrals.sync(rec["uuid"], rec.get("services") or [], at.date().isoformat())
        # the new version goes to the sync outbox in the same transaction, unless it prints a
        # card and has no photo: then it waits for one (station/cards.py)
        if not waiting:
            outbox.enqueue(self.conn, rec["uuid"], 1, chash)

    def correct(
        self,
        ref: str,
        record: dict[str, Any],
        photo: bytes | None = None,
        *,
        photo_override: list[str] | None = None,
    ) -> Correction:
        """Store a corrected version of an application (same uuid and number, version + 1);
        ``photo_override`` as for :meth:`save`, in the same transaction."""
        with self.store.transaction():
            result = self._correct(ref, record, photo)
            if photo_override is not None:
                self.note_photo_override(result["uuid"], photo_override)
        return result

    def _correct(self, ref: str, record: dict[str, Any], photo: bytes | None = None) -> Correction:
        self.require("app.correct_own")
        from station.validation import check_application

        with self.store.transaction():
            row = self._row(ref)
            old = unpack_application(row["record"])
            if old["operator"] != self.operator and not self.store.can("app.correct_any"):
                raise AuthError(
                    "forbidden",
                    _("Only a supervisor may correct another coordinator's application"),
                )
            _same_application(record, old, photo is not None)
            clean = check_application(record, **self.store.places())
            for key in ("uuid", "number", "captured_at", "operator"):
                clean[key] = old[key]
            if photo is not None:
                clean["photo"] = self.put_photo(photo)
            elif "photo" not in clean and old.get("photo"):
                clean["photo"] = old["photo"]
            clean.pop("state", None)
            version = self._write_version(row, old, clean)
            if version is None:
                return {
                    "uuid": old["uuid"],
                    "number": old["number"],
                    "version": row["version"],
                    "changed": False,
                }
            auditlog.append(
                self.conn, self.operator, "app.correct", old["uuid"], {"version": version}
            )
        return {"uuid": old["uuid"], "number": old["number"], "version": version, "changed": True}

    # -- numbers the central service already holds ----------------------------------------------
    def renumber(self, uuid: str) -> str:
        """Give ``uuid`` the next free number of its day (the service holds its number under
        another application: a clone's, or a restored copy's). A new version goes out with the
        next batch, and the coordinator is asked to print the receipt again. Inside the sync's
        transaction; sync runs as any role."""
        self.require("sync.run")
        with self.store.transaction():
            row = self._row(uuid)
            rec = unpack_application(row["record"])
            old = str(rec["number"])
            day = old[len(self.store.station_code) :][:8]
            try:
                on = dt.datetime.strptime(day, "%Y%m%d").date()
            except ValueError:
                on = dt.date.fromisoformat(str(rec["captured_at"])[:10])
            rec["number"] = self._next_number(on)
            chash = content_hash(rec)
            version = row["version"] + 1
            self.conn.execute(
                "INSERT INTO application_versions (uuid, version, content_hash, record, operator,"
                " saved_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    uuid,
                    row["version"],
                    row["content_hash"],
                    row["record"],
                    rec["operator"],
                    row["updated_at"],
                ),
            )
            self.conn.execute(
                "UPDATE applications SET number = ?, version = ?, content_hash = ?, record = ?,"
                " updated_at = ? WHERE id = ?",
                (rec["number"], version, chash, pack_record(rec), stamp(), row["id"]),
            )
            outbox.enqueue(self.conn, uuid, version, chash)
            trust.add_renumbered(self.conn, uuid, old, rec["number"])
            auditlog.append(
                self.conn,
                self.operator,
                "app.renumber",
                uuid,
                {"old": old, "new": rec["number"], "version": version},
            )
        return str(rec["number"])

    def raise_sequences(self, sequences: dict[str, int]) -> None:
        """Continue each day's numbers above ``sequences`` (day ``YYYYMMDD`` → the highest
        sequence the service has seen for this station code); inside the caller's transaction."""
        for day, last in sequences.items():
            self.conn.execute(
                "INSERT INTO number_seq (day, last) VALUES (?, ?) ON CONFLICT (day)"
                " DO UPDATE SET last = max(last, excluded.last)",
                (day, last),
            )

    def _write_version(
        self, row: dict[str, Any], old: ApplicationRecord, clean: ApplicationRecord
    ) -> int | None:
        """Inside a transaction: ``clean`` as the next version of the application in ``row``
        (the current one moves to ``application_versions``), its referrals, and the outbox —
        or, when it prints a card without a photo, the state ``photo_needed`` instead (an
        older version still waiting in the outbox is held there: ``outbox.pending`` skips the
        applications that wait for a photo). None when nothing changed."""
        chash = content_hash(clean)
        if chash == row["content_hash"]:
            return None
        version = int(row["version"]) + 1
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
        # the version the service holds: none while the application has waited for a photo
        held = None if row["state"] == PHOTO_NEEDED else old
        waiting = needs_photo(clean, held)
        state = PHOTO_NEEDED if waiting else ("saved" if held is None else row["state"])
        person, residence = clean.get("person") or {}, clean.get("residence") or {}
        self.conn.execute("DELETE FROM applications_fts WHERE rowid = ?", (row["id"],))
        self.conn.execute(
            "UPDATE applications SET version = ?, kind = ?, state = ?, id_number = ?, name = ?,"
            " phone = ?, birth_date = ?, division_code = ?, community = ?, updated_at = ?,"
            " photo = ?, content_hash = ?, record = ?, person_key = ?, marital = ?,"
            f" written = {_NEXT_WRITTEN} WHERE id = ?",
            (
                version,
                clean["kind"],
                state,
                person.get("id_number"),
                person.get("name"),
                person.get("phone"),
                person.get("birth_date"),
                residence.get("division_code"),
                residence.get("community"),
                stamp(),
                clean.get("photo"),
                chash,
                pack_record(clean),
                self.store.person_key(person.get("id_number")),
                person.get("marital"),
                row["id"],
            ),
        )
        self.conn.execute(
            "INSERT INTO applications_fts (rowid, text) VALUES (?, ?)",
            (row["id"], fts_for(clean)),
        )
        self.store.referrals.sync(old["uuid"], clean.get("services") or [], stamp()[:10])
        if not waiting:
            outbox.enqueue(self.conn, old["uuid"], version, chash)
        return version

    # -- imported rows, kept with the applications they belong to ------------------------------
    def imported(self, row_hashes: list[str]) -> set[str]:
        """Those of the spreadsheet rows' hashes that an earlier import already saved."""
        seen: set[str] = set()
        for digest in row_hashes:
            if self.conn.execute(
                "SELECT 1 FROM imported_rows WHERE row_hash = ?", (digest,)
            ).fetchone():
                seen.add(digest)
        return seen

    def imported_uuid(self, row_hash: str) -> str | None:
        """The application an earlier import saved from this spreadsheet row."""
        row = self.conn.execute(
            "SELECT uuid FROM imported_rows WHERE row_hash = ?", (row_hash,)
        ).fetchone()
        return None if row is None else str(row[0])

    def state_of(self, uuid: str) -> str | None:
        row = self.conn.execute("SELECT state FROM applications WHERE uuid = ?", (uuid,)).fetchone()
        return None if row is None else str(row[0])

    def note_imported(self, rows: list[tuple[str, str]], source: str) -> None:
        """(row hash, uuid) of spreadsheet rows just saved, in the caller's transaction, so that
        importing the same file again skips them."""
        at = stamp()
        with self.store.transaction():
            for digest, uuid in rows:
                self.conn.execute(
                    "INSERT OR IGNORE INTO imported_rows (row_hash, uuid, source, imported_at)"
                    " VALUES (?, ?, ?, ?)",
                    (digest, uuid, source, at),
                )

    # -- one application -----------------------------------------------------------------------
    def _row(self, ref: str) -> dict[str, Any]:
        ref = ref.strip()
        column = "uuid" if "-" in ref else "number"
        row = self.conn.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM applications WHERE {column} = ?", (ref,)
        ).fetchone()
        if row is None:
            raise NotFoundError("no_application", _("No application with this reference"))
        return dict(zip(_COLUMNS, row, strict=True))

    def get(self, ref: str, *, audit_view: bool = True) -> ApplicationRecord:
        """The full record (with station keys, version and state). Viewing is audited."""
        self.require("app.view")
        row = self._row(ref)
        rec = unpack_application(row["record"])
        rec["version"] = row["version"]
        rec["state"] = row["state"]
        if audit_view:
            self.store.audit("app.view", rec["uuid"])
        return rec

    def record_for_sync(self, uuid: str) -> ApplicationRecord:
        """The record as sent to the central service (no role check: sync runs as any role)."""
        self.require("sync.run")
        row = self._row(uuid)
        return unpack_application(row["record"])

    def history(self, ref: str) -> list[dict[str, Any]]:
        self.require("app.view")
        row = self._row(ref)
        return auditlog.history(self.conn, row["uuid"])

    def sync_state(self, ref: str) -> dict[str, Any] | None:
        """The record's upload state and the service's events (None: not queued)."""
        self.require("app.view")
        row = self._row(ref)
        return outbox.record_state(self.conn, row["uuid"])

    def versions(self, ref: str) -> list[Version]:
        self.require("app.view")
        row = self._row(ref)
        rows = self.conn.execute(
            "SELECT version, record, operator, saved_at FROM"
            " application_versions WHERE uuid = ? ORDER BY version",
            (row["uuid"],),
        ).fetchall()
        return [
            {"version": v, "record": unpack_application(r), "operator": o, "saved_at": s}
            for v, r, o, s in rows
        ]

    # -- finding applications ------------------------------------------------------------------
    def _summaries(
        self, where: str, params: tuple[Any, ...], limit: int
    ) -> list[ApplicationSummary]:
        rows = self.conn.execute(
            f"SELECT {', '.join(_SUMMARY)} FROM applications WHERE {where}"
            f" ORDER BY captured_at DESC, id DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
        out = []
        for r in rows:
            d = dict(zip(_SUMMARY, r, strict=True))
            d["id_masked"] = mask_id(d.pop("id_number"))
            phone = d.pop("phone") or ""
            d["phone_masked"] = phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else phone
            out.append(cast(ApplicationSummary, d))
        return out

    def search(self, text: str, limit: int = 50) -> list[ApplicationSummary]:
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
            unique: dict[str, ApplicationSummary] = {}
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

    def browse(
        self,
        day: dt.date | None = None,
        limit: int = 200,
        operator: str | None = None,
        *,
        photo_needed: bool = False,
    ) -> list[ApplicationSummary]:
        """The newest applications (of a day, of an operator; ``photo_needed``: only those
        waiting for a photo)."""
        self.require("app.search")
        where, params = "1", cast(tuple[Any, ...], ())
        if day is not None:
            where, params = "day = ?", (day.isoformat(),)
        if photo_needed:
            where += " AND state = ?"
            params = (*params, PHOTO_NEEDED)
        if operator:
            where += " AND operator = ?"
            params = (*params, operator)
        return self._summaries(where, params, limit)

    def possible_duplicates(
        self, record: dict[str, Any] | ApplicationRecord, exclude: str | None = None
    ) -> list[ApplicationSummary]:
        """Applications of the same person already at this station: the same ID number, or the
        same name and birth date (a mistyped number). For the intake's warning and the review."""
        self.require("app.search")
        person = record.get("person") if isinstance(record, dict) else None
        person = person if isinstance(person, dict) else {}
        raw_id, name, birth = (person.get(k) for k in ("id_number", "name", "birth_date"))
        idn = raw_id.strip().upper() if isinstance(raw_id, str) else ""
        unique: dict[str, ApplicationSummary] = {}
        if idn:
            for d in self._summaries("id_number = ? AND purged = 0", (idn,), 20):
                unique.setdefault(d["uuid"], {**d, "match": "id_number"})
        if isinstance(name, str) and isinstance(birth, str) and name and birth:  # not yet valid
            for d in self._summaries(
                "name = ? AND birth_date = ? AND purged = 0", (name, birth), 20
            ):
                unique.setdefault(d["uuid"], {**d, "match": "name_birth_date"})
        unique.pop(exclude or "", None)
        return list(unique.values())

    def count_for_day(self, day: dt.date) -> int:
        self.require("app.search")
        return int(
            self.conn.execute(
                "SELECT count(*) FROM applications WHERE day = ?", (day.isoformat(),)
            ).fetchone()[0]
        )
