"""How an application record is kept in its row: compressed canonical JSON, the search text."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Mapping
from typing import Any, cast

from station.search import fts_text
from station.typedefs import ApplicationRecord


def now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def stamp() -> str:
    """The current local time as stored in the tables (seconds, with the UTC offset)."""
    return now().isoformat(timespec="seconds")


def pack_record(record: Mapping[str, Any]) -> bytes:
    return zlib.compress(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def unpack_record(blob: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(blob))  # type: ignore[no-any-return]


def unpack_application(blob: bytes) -> ApplicationRecord:
    """A stored record: it was validated when it was saved (a purged one is a tombstone with
    a subset of the keys)."""
    return cast(ApplicationRecord, unpack_record(blob))


def fts_for(rec: Mapping[str, Any]) -> str:
    """The full-text search document of a record: names and addresses."""
    person = rec.get("person") or {}
    residence = rec.get("residence") or {}
    return fts_text(
        person.get("name"),
        person.get("hukou_address"),
        residence.get("address"),
        residence.get("community"),
    )
