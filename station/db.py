"""Opening the SQLCipher database and applying the numbered migrations."""

from __future__ import annotations

import logging
import re
from importlib import resources
from pathlib import Path

import sqlcipher3

from station.errors import StorageError
from station.i18n import _
from station.typedefs import Connection

log = logging.getLogger(__name__)

PLAINTEXT_HEADER = b"SQLite format 3\x00"
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every migration, in order."""
    found = []
    for entry in resources.files("station.migrations").iterdir():
        m = MIGRATION_NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _name, _sql in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps: {numbers}")
    return found


def disk_error(exc: BaseException) -> StorageError | None:
    """The typed error for SQLite's "the disk is full" (SQLITE_FULL) or "the disk failed to
    write" (SQLITE_IOERR), else None. The transaction was rolled back: nothing was stored."""
    if not isinstance(exc, sqlcipher3.OperationalError):
        return None
    text = str(exc).lower()
    if "database or disk is full" in text:
        return StorageError(
            "disk_full",
            _(
                "The disk of the data folder is full: nothing was stored. Free some space and "
                "try again"
            ),
        )
    if "disk i/o error" in text:
        return StorageError(
            "disk_error",
            _(
                "The disk of the data folder could not be written: nothing was stored. Check "
                "the disk (station doctor) and try again"
            ),
        )
    return None


def latest_version() -> int:
    return len(migrations())


class StationConnection(sqlcipher3.Connection):  # type: ignore[misc]
    """A SQLCipher connection that carries the key its session signs audit entries with
    (``station.audit``); None for a connection that writes no audit entry."""

    audit_signer: object | None = None


def connect(path: Path, key: bytes, *, create: bool = False) -> Connection:
    """Open (or create) the encrypted database with the raw 256-bit key.

    A database that is missing, plaintext, not ours or damaged raises ``StorageError`` and the
    file is left as it was (no journal-mode change, no write, before the key is proven).
    """
    path = Path(path)
    if not create:
        if not path.exists():
            raise StorageError(
                "no_database",
                _("The station database is missing from the data folder; restore it from a backup"),
            )
        with path.open("rb") as fh:
            head = fh.read(16)
        if head == PLAINTEXT_HEADER or path.stat().st_size < 1024:
            raise StorageError(
                "not_our_database",
                _(
                    "The database file is not this station's encrypted database, or it is "
                    "truncated; it was left untouched"
                ),
            )
    conn = sqlcipher3.connect(
        str(path),
        isolation_level=None,
        check_same_thread=False,
        timeout=10.0,
        factory=StationConnection,
    )
    try:
        # SQLCipher's own log lines on stderr (a damaged page) would bury the station's message
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA cipher_memory_security = OFF")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            raise StorageError(
                "not_our_database",
                _(
                    "The database cannot be decrypted with this station's key: it is not this "
                    "station's database or it is damaged; it was left untouched"
                ),
            ) from exc
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, not left behind
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        if create:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
    except BaseException:
        conn.close()
        raise
    return conn  # type: ignore[no-any-return]


def migrate(conn: Connection, target: int | None = None) -> int:
    """Apply the migrations after the database's ``user_version``, each in one transaction."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    all_migrations = migrations()
    target = len(all_migrations) if target is None else target
    if current > len(all_migrations):
        raise StorageError(
            "database_too_new",
            _("The database was written by a newer version of the station; update the station"),
        )
    for number, name, sql in all_migrations:
        if number <= current or number > target:
            continue
        log.info("applying migration %s", name)
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in split_sql(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current = number
    return current


def split_sql(script: str) -> list[str]:
    """Split a migration script into statements (triggers keep their inner semicolons)."""
    statements: list[str] = []
    buf: list[str] = []
    for line in script.splitlines():
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("--")):
            continue
        buf.append(line)
        text = "\n".join(buf)
        if sqlcipher3.complete_statement(text):
            statements.append(text.strip())
            buf = []
    if "".join(buf).strip():
        statements.append("\n".join(buf).strip())
    return statements


def storage_error(exc: BaseException) -> StorageError | None:
    """A SQLite error as the clear message a person can act on (None: not one)."""
    if not isinstance(exc, sqlcipher3.DatabaseError):
        return None
    text = str(exc).lower()
    if "full" in text:
        return StorageError(
            "disk_full",
            _("The disk is full: nothing was changed; free some disk space and try again"),
        )
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return StorageError(
            "database_damaged",
            _(
                "The station database is damaged (its integrity check fails): stop using this "
                "PC and restore the latest backup on a healthy one ('station doctor' checks it)"
            ),
        )
    return StorageError(
        "database_error", _("The station database cannot be used: {why}", why=str(exc)[:80])
    )


# -- the meta table: the station's own facts (station code, audit head, last backup…) ----------
def meta_get(conn: Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def meta_put(conn: Connection, key: str, value: str) -> None:
    """Inside the caller's transaction."""
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def meta_delete(conn: Connection, key: str) -> None:
    conn.execute("DELETE FROM meta WHERE key = ?", (key,))
