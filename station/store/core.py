"""``Store``: an unlocked station database bound to one operator and role — the connection,
transactions, role checks, the audit log, and the managers that work on the tables."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from station import audit as auditlog
from station import db, roles, trust
from station.errors import StorageError, ValidationError
from station.i18n import _
from station.keys import SessionKeys
from station.store import upkeep
from station.store.applications import Applications
from station.store.config import Config
from station.store.drafts import Drafts
from station.store.endorsements import Endorsements
from station.store.operators import Operators
from station.store.profiles import Profiles
from station.store.referrals import Referrals
from station.store.review import Review
from station.store.vault import Vault
from station.typedefs import (
    ApplicationRecord,
    ApplicationSummary,
    Connection,
    Correction,
    EndorsementEntry,
    Operator,
    PermitCardRecord,
    RecordedEndorsement,
    SavedApplication,
    Version,
)

if TYPE_CHECKING:
    from station.profile import Profile
    from station.store.station import Station

log = logging.getLogger(__name__)


class Store:
    """An unlocked station database, bound to one operator and role.

    The tables are worked on by its managers (``operators``, ``config``, ``apps``, ``drafts``,
    ``endorsements``, ``review``, ``profiles``, ``referrals``); the methods below the plumbing are the store's
    long-standing interface, kept as one-line delegates so that the desktop, the CLI and the
    tests did not change."""

    def __init__(
        self,
        station: Station,
        key: bytes,
        operator: str,
        role: str,
        keys: SessionKeys | None = None,
    ) -> None:
        self.station = station
        self._key = key
        self.operator = operator
        self.role = role
        self.keys = keys or SessionKeys()
        self.conn = db.connect(station.db_path, key)
        try:
            version = db.migrate(self.conn)
            log.debug("database at schema version %d", version)
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'station_code'").fetchone()
            pinned = trust.station_public_key(self.conn)
        except BaseException:
            self.conn.close()
            raise
        if row is None:
            self.conn.close()
            raise StorageError("not_our_database", _("The database has no station code"))
        if pinned != self.keys.station_public_key:
            self.conn.close()
            raise StorageError(
                "station_key_mismatch",
                _(
                    "The key-slot file and the database name different station keys (files "
                    "from two stations, or one of them was tampered with): a technician "
                    "restores both from one backup; nothing was changed"
                ),
            )
        self.conn.audit_signer = self.keys.signer  # type: ignore[attr-defined]
        self.station_code: str = row[0]
        self._depth = 0
        self.operators = Operators(self)
        self.config = Config(self)
        self.apps = Applications(self)
        self.drafts = Drafts(self)
        self.endorsements = Endorsements(self)
        self.review = Review(self)
        self.vault = Vault(self)
        self.profiles = Profiles(self)
        self.referrals = Referrals(self)
        self._person_secret: bytes | None = None
        try:
            upkeep.backfill(self)  # once, after migration 0012
        except BaseException:
            self.conn.close()
            raise

    # -- plumbing ----------------------------------------------------------------------------
    @property
    def db_key(self) -> bytes:
        """The raw database key (backups copy the database with it; never shown or logged)."""
        return self._key

    def clone(self) -> Store:
        """Another connection for the same operator (a background thread of its own: sync)."""
        return Store(self.station, self._key, self.operator, self.role, self.keys)

    def set_keys(self, keys: SessionKeys) -> None:
        """The session's keys after a rotation (enrolment) re-issued its certificate."""
        self.keys = keys
        self.conn.audit_signer = keys.signer  # type: ignore[attr-defined]

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
    def transaction(self) -> Iterator[Connection]:
        """BEGIN IMMEDIATE … COMMIT; nested use joins the outer transaction. A full disk (at a
        statement or at COMMIT) rolls back and raises ``StorageError`` ``disk_full``."""
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
            self.conn.execute("COMMIT")
        except BaseException as exc:
            self._depth = 0
            if self.conn.in_transaction:  # SQLite may have rolled back already (a full disk)
                self.conn.execute("ROLLBACK")
            typed = db.disk_error(exc)
            if typed is not None:
                raise typed from exc
            raise
        self._depth = 0

    def require(self, permission: str) -> None:
        roles.require(self.role, permission)

    def person_key(self, id_number: str | None) -> str | None:
        """The keyed hash of an ID number that reports count persons by (store/upkeep.py)."""
        if self._person_secret is None:
            self._person_secret = upkeep.secret(self)
        return upkeep.person_key(self._person_secret, id_number)

    def can(self, permission: str) -> bool:
        return roles.allowed(self.role, permission)

    def audit(
        self, action: str, record_uuid: str | None = None, detail: dict[str, Any] | None = None
    ) -> None:
        with self.transaction():
            auditlog.append(self.conn, self.operator, action, record_uuid, detail)

    def verify_audit(self) -> auditlog.VerifyResult:
        self.require("audit.verify")
        return auditlog.verify(self.conn)

    # -- operators (store.operators) -----------------------------------------------------------
    def add_operator(self, name: str, role: str, password: str) -> None:
        self.operators.add(name, role, password)

    def disable_operator(self, name: str) -> None:
        self.operators.disable(name)

    def list_operators(self) -> list[Operator]:
        return self.operators.all()

    def change_password(self, old: str, new: str) -> None:
        self.operators.change_password(old, new)

    def reset_password(self, name: str, new: str) -> None:
        self.operators.reset_password(name, new)

    # -- settings (store.config) ---------------------------------------------------------------
    def config_get(self, key: str) -> str | None:
        return self.config.get(key)

    def config_set(self, key: str, value: str, *, internal: bool = False) -> None:
        self.config.set(key, value, internal=internal)

    def config_set_many(self, values: Mapping[str, str], *, internal: bool = False) -> None:
        self.config.set_many(values, internal=internal)

    def config_show(self, key: str) -> str | None:
        return self.config.show(key)

    def config_all(self) -> dict[str, str | None]:
        return self.config.all()

    def settings_map(self) -> dict[str, str]:
        return self.config.settings_map()

    # -- the station profile (store.profiles) --------------------------------------------------
    def station_profile(self) -> Profile | None:
        """The loaded profile (the city's streets and communities), None before one is."""
        return self.profiles.current()

    def places(self) -> dict[str, Any]:
        """What validation checks a residence against: ``check_application(record,
        **store.places())`` — the loaded profile and the station's city."""
        return {"profile": self.profiles.current(), "city": self.config.get("station.city")}

    # -- applications and photos (store.apps) --------------------------------------------------
    def put_photo(self, jpeg: bytes) -> str:
        return self.apps.put_photo(jpeg)

    def photo(self, sha256: str) -> bytes:
        return self.apps.photo(sha256)

    def save_application(
        self,
        record: dict[str, Any],
        photo: bytes | None = None,
        *,
        today: dt.date | None = None,
        photo_override: list[str] | None = None,
    ) -> SavedApplication:
        return self.apps.save(record, photo, today=today, photo_override=photo_override)

    def save_many(
        self,
        records: list[dict[str, Any]],
        *,
        today: dt.date | None = None,
        source: str = "import",
        photos: list[bytes | None] | None = None,
    ) -> list[SavedApplication | ValidationError]:
        return self.apps.save_many(records, today=today, source=source, photos=photos)

    def correct_application(
        self,
        ref: str,
        record: dict[str, Any],
        photo: bytes | None = None,
        *,
        photo_override: list[str] | None = None,
    ) -> Correction:
        return self.apps.correct(ref, record, photo, photo_override=photo_override)

    def get_application(self, ref: str, *, audit_view: bool = True) -> ApplicationRecord:
        return self.apps.get(ref, audit_view=audit_view)

    def record_for_sync(self, uuid: str) -> ApplicationRecord:
        return self.apps.record_for_sync(uuid)

    def history(self, ref: str) -> list[dict[str, Any]]:
        return self.apps.history(ref)

    def sync_state(self, ref: str) -> dict[str, Any] | None:
        return self.apps.sync_state(ref)

    def versions(self, ref: str) -> list[Version]:
        return self.apps.versions(ref)

    def search(self, text: str, limit: int = 50) -> list[ApplicationSummary]:
        return self.apps.search(text, limit)

    def list_applications(
        self, day: dt.date | None = None, limit: int = 200, operator: str | None = None
    ) -> list[ApplicationSummary]:
        return self.apps.browse(day, limit, operator)

    def possible_duplicates(
        self, record: dict[str, Any], exclude: str | None = None
    ) -> list[ApplicationSummary]:
        return self.apps.possible_duplicates(record, exclude)

    def count_for_day(self, day: dt.date) -> int:
        return self.apps.count_for_day(day)

    # -- drafts (store.drafts) -----------------------------------------------------------------
    def save_draft(self, form: str, data: dict[str, Any]) -> None:
        self.drafts.save(form, data)

    def load_draft(self, form: str) -> dict[str, Any] | None:
        return self.drafts.load(form)

    def clear_draft(self, form: str) -> None:
        self.drafts.clear(form)

    # -- endorsements (store.endorsements) -----------------------------------------------------
    def endorse_key(self) -> str:
        return self.endorsements.key()

    def begin_endorsement(
        self, card: PermitCardRecord, year: int, on: dt.date, application: str | None = None
    ) -> None:
        self.endorsements.begin(card, year, on, application)

    def finish_endorsement(
        self, card: PermitCardRecord, year: int, outcome: str, application: str | None = None
    ) -> None:
        self.endorsements.finish(card, year, outcome, application)

    def settle_endorsements(self, card: PermitCardRecord) -> None:
        self.endorsements.settle(card)

    def record_endorsement(
        self, card: PermitCardRecord, year: int, on: dt.date, application: str | None = None
    ) -> EndorsementEntry:
        return self.endorsements.record(card, year, on, application)

    def endorsements_of(self, id_number: str) -> list[RecordedEndorsement]:
        return self.endorsements.of(id_number)
