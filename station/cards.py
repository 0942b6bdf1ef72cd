"""What the residence-permit card carries, and what follows from it.

The card carries (specs/reference-data.md) the holder's name, sex, ethnic group, birth date, ID
number, photo, hukou address and residence address, the issuing authority and the issue date.
Two rules of the station and of the central service come from that list:

- **Which versions of an application print a card** (``prints_card``), and so need an accepted
  photo before they may go to the service. A ``new`` registration and a ``replacement`` always
  do. A ``change`` does when it changes what the card shows: the name, sex, ethnic group, birth
  date, ID number or hukou address, or the residence address — the district (whose public
  security bureau is the issuing authority on the card), the community or the street address. A
  change of phone, employer, dwelling, household members or services does not; nor do an
  ``endorsement`` (written onto the card the holder has) or a ``deregistration``. A change that
  the service receives as the first version of an application (the earlier ones never left the
  station: they waited for a photo) prints the card, whatever it changed.
- **When a card's yearly endorsement falls due** (``endorsement_due``): once a year, in the month
  before each anniversary of the card's issue date (the anniversary of residence the card
  records); the endorsement of the year in which the anniversary falls covers it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from station.record import get_path

# What the card shows, as the record's dotted paths (the photo is the record's ``photo`` key).
CARD_FIELDS = (
    "person.name",
    "person.sex",
    "person.ethnic",
    "person.birth_date",
    "person.id_number",
    "person.hukou_address",
    "residence.division_code",
    "residence.community",
    "residence.address",
)
CARD_KINDS = ("new", "replacement")  # always a new card
DUE_WINDOW_DAYS = 30  # the list of endorsements falling due looks this far ahead


def card_fields_changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The card's fields whose values differ between two versions of a record."""
    return [path for path in CARD_FIELDS if get_path(before, path) != get_path(after, path)]


def prints_card(record: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> bool:
    """Does this version lead to a new card? ``previous`` is the version the service already
    holds (``None``: this is the first version it will receive)."""
    kind = record.get("kind")
    if kind in CARD_KINDS:
        return True
    if kind == "change":
        return previous is None or bool(card_fields_changed(previous, record))
    return False


def needs_photo(record: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> bool:
    """A version that prints a card and has no photo: it may not go to the service."""
    return prints_card(record, previous) and not record.get("photo")


# -- the yearly endorsement ---------------------------------------------------------------------
def anniversary(issued: dt.date, year: int) -> dt.date:
    """The issue date's anniversary in ``year`` (29 February falls on the 28th)."""
    try:
        return issued.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def next_anniversary(issued: dt.date, today: dt.date) -> dt.date:
    """The first anniversary of the issue date on or after ``today`` (never the issue day)."""
    year = max(today.year, issued.year + 1)
    day = anniversary(issued, year)
    if day < today:
        day = anniversary(issued, year + 1)
    return day


def window_opens(due: dt.date) -> dt.date:
    """The first day of the month before ``due`` in which the endorsement may be done."""
    month = due.month - 1 or 12
    year = due.year if due.month > 1 else due.year - 1
    for day in (due.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")  # pragma: no cover


def endorsement_due(
    issued: dt.date, today: dt.date, window: int = DUE_WINDOW_DAYS
) -> dt.date | None:
    """The anniversary whose endorsement falls due within ``window`` days of ``today`` (the
    endorsement of that anniversary's year), or None."""
    due = next_anniversary(issued, today)
    return due if (due - today).days <= window else None


__all__ = [
    "CARD_FIELDS",
    "CARD_KINDS",
    "DUE_WINDOW_DAYS",
    "anniversary",
    "card_fields_changed",
    "endorsement_due",
    "needs_photo",
    "next_anniversary",
    "prints_card",
    "window_opens",
]
