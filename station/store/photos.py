"""The photos of applications: the ``photos`` table, the photo a card needs (an application
that prints a card waits in the state ``photo_needed`` until it has one: station/cards.py), and
the review flag of a photo kept although a check failed. A part of ``store.apps``."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, cast

from station import audit as auditlog
from station import outbox
from station.errors import NotFoundError, UsageError
from station.i18n import _
from station.store.base import Manager
from station.store.records import stamp, unpack_application
from station.typedefs import ApplicationRecord, Correction

PHOTO_NEEDED = "photo_needed"  # the state of an application that waits for its photo


class Photos(Manager):
    if TYPE_CHECKING:

        def _row(self, ref: str) -> dict[str, Any]: ...

        def _write_version(
            self, row: dict[str, Any], old: ApplicationRecord, clean: ApplicationRecord
        ) -> int | None: ...

    # -- photos ------------------------------------------------------------------------------
    def put_photo(self, jpeg: bytes) -> str:
        self.require("app.create")
        from station.photo_input import check_photo_jpeg

        check_photo_jpeg(jpeg)  # a real JPEG within the limits, else ValidationError (exit 4)
        sha = hashlib.sha256(jpeg).hexdigest()
        with self.store.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO photos (sha256, jpeg, created_at) VALUES (?, ?, ?)",
                (sha, jpeg, stamp()),
            )
        return sha

    def photo(self, sha256: str) -> bytes:
        row = self.conn.execute("SELECT jpeg FROM photos WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            raise NotFoundError("no_photo", _("The photo is not in the database"))
        return bytes(row[0])

    # -- the photo a card needs ------------------------------------------------------------------
    def add_photo(
        self, ref: str, jpeg: bytes, *, photo_override: list[str] | None = None
    ) -> Correction:
        """The photo of an application that has none and has not reached the service (it
        waits for one, or the service refused it for the missing photo): a new version with
        the photo, which then goes out with the next sync. Any coordinator may add it (the
        import of a registration drive is one person's, the photos come later); audited, and
        a photo kept although a check failed is flagged for the review, in one transaction."""
        self.require("app.create")
        with self.store.transaction():
            row = self._row(ref)
            old = unpack_application(row["record"])
            sent = outbox.record_state(self.conn, row["uuid"])
            if row["purged"] or old.get("photo"):
                raise UsageError(
                    "has_photo",
                    _(
                        "This application already has a photo; a new photo is a change of the "
                        "record ('station app change NUMBER FILE --photo JPEG')"
                    ),
                )
            waiting = row["state"] == PHOTO_NEEDED  # e.g. a change of address after a sync
            refused = sent is not None and sent["code"] == "photo_required"
            done = sent is not None and sent["state"] not in ("pending", "rejected")
            if done and not (waiting or refused):
                raise UsageError(
                    "photo_not_needed",
                    _("This application has gone to the central service without a photo"),
                )
            clean = dict(old)
            clean["photo"] = self.put_photo(jpeg)
            version = self._write_version(row, old, cast(ApplicationRecord, clean))
            if version is None:  # pragma: no cover - a new photo always changes the hash
                raise AssertionError("the photo changed nothing")
            auditlog.append(
                self.conn,
                self.operator,
                "app.photo",
                old["uuid"],
                {"version": version, "override": photo_override is not None},
            )
            if photo_override is not None:
                self.note_photo_override(old["uuid"], photo_override)
        return {"uuid": old["uuid"], "number": old["number"], "version": version, "changed": True}

    def photo_needed_count(self) -> int:
        """Applications waiting for a photo before they may go to the service."""
        self.require("app.search")
        return int(
            self.conn.execute(
                "SELECT count(*) FROM applications WHERE state = ?", (PHOTO_NEEDED,)
            ).fetchone()[0]
        )

    # -- review flags --------------------------------------------------------------------------
    def note_photo_override(self, uuid: str, reasons: list[str]) -> None:
        """A photo kept although a check failed: a flag for the supervisor's review."""
        with self.store.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO photo_overrides (uuid, reasons) VALUES (?, ?)",
                (uuid, json.dumps(reasons, ensure_ascii=False)),
            )

    def photo_overrides(self, uuids: list[str]) -> dict[str, list[str]]:
        """The override reasons of those of ``uuids`` that have one."""
        out: dict[str, list[str]] = {}
        for i in range(0, len(uuids), 500):
            part = uuids[i : i + 500]
            marks = ",".join("?" * len(part))
            for uuid, reasons in self.conn.execute(
                f"SELECT uuid, reasons FROM photo_overrides WHERE uuid IN ({marks})", part
            ):
                out[uuid] = json.loads(reasons)
        return out
