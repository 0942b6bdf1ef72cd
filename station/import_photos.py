"""The photo folder of an import (``station import FILE --photos DIR``): each row's picture,
found by the applicant's ID number (``<ID number>.jpg``), checked and cropped as a still picture
(station/photo_files.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station.errors import FieldError, ValidationError

if TYPE_CHECKING:
    from station.store import Store

Row = tuple[int, list[Any], dict[str, Any], str]  # row number, cells, record, row hash


def photo_for_row(folder: dict[str, Path] | None, record: dict[str, Any]) -> bytes | None:
    """The ID photo made from the folder's picture of this row's applicant (None: no folder,
    or no picture for this ID number); ``ValidationError`` on the field ``photo`` when the
    picture fails its checks."""
    idn = str((record.get("person") or {}).get("id_number") or "").strip().upper()
    found = folder.get(idn) if folder and idn else None
    if found is None:
        return None
    from station.photo_files import photo_from_file

    return photo_from_file(found).jpeg


def photos_for_earlier_rows(
    store: Store,
    rows: list[Row],
    folder: dict[str, Path],
    on_error: Callable[[int, list[Any], list[FieldError]], None],
) -> int:
    """Rows imported before that still wait for their photo get the folder's picture (in the
    caller's transaction); returns how many did. A picture that fails is the row's error."""
    added = 0
    for row_no, cells, record, digest in rows:
        uuid = store.apps.imported_uuid(digest)
        if uuid is None or store.apps.state_of(uuid) != "photo_needed":
            continue
        try:
            jpeg = photo_for_row(folder, record)
        except ValidationError as exc:
            on_error(row_no, cells, exc.errors)
            continue
        if jpeg is not None:
            store.apps.add_photo(uuid, jpeg)
            added += 1
    return added


__all__ = ["photo_for_row", "photos_for_earlier_rows"]
