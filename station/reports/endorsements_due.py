"""Permits whose yearly endorsement falls due in the next 30 days (station/cards.py: once a
year, in the month before each anniversary of the card's issue date).

The station knows two kinds of cards and their issue dates:

- the cards produced for its own applications: the issue date is the day the central service
  reported the card produced (its latest ``card_produced`` event; ``ready_for_pickup`` or
  ``collected`` when the feed skipped that step);
- the permits endorsed at this station: the issue date the card itself carries, recorded with
  the endorsement.

A holder is listed once (by person key, store/upkeep.py), when the next anniversary is at most
30 days away and no endorsement for that year is recorded here; holders who moved out (their
latest application is a move-out) are not listed. A holder whose record was purged after
retention is listed by application number and community only: the station no longer knows
whom to call.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypedDict

from station.cards import DUE_WINDOW_DAYS, endorsement_due, window_opens
from station.record import mask_id

if TYPE_CHECKING:
    from pathlib import Path

    from station.store import Store

CARD_EVENTS = ("card_produced", "ready_for_pickup", "collected")
Holder = tuple[Any, Any, Any, Any, Any, Any]  # number, name, ID number, phone, community, address


class DueItem(TypedDict):
    number: str  # the application number (or the permit number of a card endorsed here)
    name: str
    id_masked: str
    phone: str
    community: str
    address: str
    issue_date: str
    due: str  # the anniversary: the endorsement must be done by then
    opens: str  # the first day it may be done
    days_left: int
    source: str  # "produced" (a card made for this station) or "endorsed" (endorsed here)


def _day(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def endorsements_due(
    store: Store, today: dt.date | None = None, window: int = DUE_WINDOW_DAYS
) -> list[DueItem]:
    """The list (module docstring), soonest first."""
    store.require("app.search")
    today = today or dt.date.today()
    conn = store.conn
    moved = {
        str(key)
        for (key,) in conn.execute(
            "SELECT k FROM (SELECT coalesce(person_key, uuid) AS k, kind, row_number() OVER ("
            " PARTITION BY coalesce(person_key, uuid) ORDER BY written DESC, id DESC) AS rn"
            " FROM applications) WHERE rn = 1 AND kind = 'deregistration'"
        )
    }
    endorsed = {
        (store.person_key(idn), int(year))
        for idn, year in conn.execute(
            "SELECT id_number, year FROM endorsements WHERE state = 'done'"
        )
    }
    from station.store import unpack_record

    # each holder's newest card: (issue date, what the list shows of the holder, source)
    cards: dict[str, tuple[dt.date, Holder, str]] = {}
    marks = ",".join("?" * len(CARD_EVENTS))
    for number, key, name, idn, phone, community, blob, purged, kind, made, seen in conn.execute(
        "SELECT a.number, coalesce(a.person_key, a.uuid), a.name, a.id_number, a.phone,"
        " a.community, a.record, a.purged, a.kind, max(CASE WHEN e.type = 'card_produced'"
        " THEN e.at END), min(e.at) FROM status_events e JOIN applications a ON a.uuid = e.uuid"
        f" WHERE e.type IN ({marks}) GROUP BY a.uuid",
        CARD_EVENTS,
    ).fetchall():
        issued = _day(made or seen)
        if issued is None or kind == "deregistration":
            continue
        if key not in cards or cards[key][0] < issued:
            address = "" if purged else (unpack_record(blob).get("residence") or {}).get("address")
            cards[key] = (issued, (number, name, idn, phone, community, address), "produced")
    for idn, permit, issue in conn.execute(
        "SELECT id_number, permit_number, max(issue_date) FROM endorsements WHERE state = 'done'"
        " AND issue_date IS NOT NULL GROUP BY permit_number"
    ):
        key = store.person_key(idn) or str(permit)
        issued = _day(issue)
        if issued is None or (key in cards and cards[key][0] >= issued):
            continue
        holder: Holder = (permit, None, idn, None, None, None)
        app = conn.execute(
            "SELECT name, phone, community, record FROM applications WHERE person_key = ?"
            " AND purged = 0 ORDER BY written DESC LIMIT 1",
            (key,),
        ).fetchone()
        if app is not None:
            address = (unpack_record(app[3]).get("residence") or {}).get("address")
            holder = (permit, app[0], idn, app[1], app[2], address)
        cards[key] = (issued, holder, "endorsed")
    found: dict[str, DueItem] = {}
    for key, (issued, holder, source) in cards.items():
        due = endorsement_due(issued, today, window)
        if key in moved or due is None or (key, due.year) in endorsed:
            continue
        found[key] = _item(*holder, issued, due, today, source)
    return sorted(found.values(), key=lambda i: (i["due"], i["number"]))


def _item(
    number: Any,
    name: Any,
    idn: Any,
    phone: Any,
    community: Any,
    address: Any,
    issued: dt.date,
    due: dt.date,
    today: dt.date,
    source: str,
) -> DueItem:
    return {
        "number": str(number or ""),
        "name": str(name or ""),
        "id_masked": mask_id(idn),
        "phone": str(phone or ""),
        "community": str(community or ""),
        "address": str(address or ""),
        "issue_date": issued.isoformat(),
        "due": due.isoformat(),
        "opens": window_opens(due).isoformat(),
        "days_left": (due - today).days,
        "source": source,
    }


def write_due(items: list[DueItem], path: Path) -> None:
    """The list as XLSX or CSV (by the file's suffix), every cell stored as text where a
    spreadsheet would take it for a formula (station/spreadsheet.py)."""
    import csv
    import io

    from station.fsutil import atomic_output
    from station.i18n import _
    from station.spreadsheet import append_row, csv_cell, save_workbook

    header = [
        _("Application no."),
        _("Name"),
        _("ID number"),
        _("Phone"),
        _("Community"),
        _("Address"),
        _("Card issued"),
        _("Endorsement due by"),
        _("Can be done from"),
        _("Days left"),
    ]
    keys = (
        "number",
        "name",
        "id_masked",
        "phone",
        "community",
        "address",
        "issue_date",
        "due",
        "opens",
        "days_left",
    )
    rows = [[item[k] for k in keys] for item in items]  # type: ignore[literal-required]

    def write_csv(tmp: Path) -> None:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(header)
        w.writerows([[csv_cell(v) for v in row] for row in rows])
        tmp.write_bytes(buf.getvalue().encode("utf-8-sig"))

    def write_xlsx(tmp: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = _("Endorsements due")[:30]
        append_row(ws, header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(ws, row)
        ws.freeze_panes = "A2"
        for col, width in zip("ABCDEFGHIJ", (24, 10, 22, 14, 14, 30, 12, 14, 14, 8), strict=True):
            ws.column_dimensions[col].width = width
        save_workbook(wb, tmp)

    atomic_output(path, write_csv if path.suffix.lower() == ".csv" else write_xlsx)


__all__ = ["DueItem", "endorsements_due", "write_due"]
