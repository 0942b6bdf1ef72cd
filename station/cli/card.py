"""``station card read`` and ``station card endorse``: the card readers from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from typing import Any

from station.cli.context import Context
from station.errors import DeviceError
from station.i18n import _


def register(sub: Any) -> None:
    card = sub.add_parser("card", help=_("ID cards and residence-permit cards"))
    csub = card.add_subparsers(dest="card_command", required=True, metavar=_("ACTION"))
    p = csub.add_parser(
        "read",
        help=_(
            "read the card presented: --reader names a PC/SC reader (permit card), --port a serial "
            "port (ID card); without either, the readers configured for this station"
        ),
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--reader", metavar="NAME", help=_("PC/SC reader (permit card)"))
    where.add_argument("--port", metavar="DEVICE", help=_("serial port (ID card reader)"))
    p.add_argument(
        "--wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help=_("seconds to wait for a card (default 10), then exit 5"),
    )
    p.set_defaults(func=cmd_read)
    p = csub.add_parser(
        "endorse",
        help=_(
            "write this year's endorsement to the permit card on the reader and record it "
            "(exit 4 when the year is already endorsed)"
        ),
    )
    p.add_argument("--year", type=int, required=True)
    p.add_argument(
        "--reader",
        metavar="NAME",
        help=_("PC/SC reader (default: the setting permit.reader or the first one)"),
    )
    p.add_argument("--wait", type=float, default=10.0, metavar="SECONDS")
    p.set_defaults(func=cmd_endorse)


def _settings(ctx: Context) -> dict[str, str]:
    if getattr(ctx.args, "user", None) or os.environ.get("STATION_USER"):
        settings: dict[str, str] = ctx.session().settings_map()
        return settings
    return {}


def _summary(doc: dict[str, Any]) -> str:
    person = doc.get("person") or {}
    from station.record import mask_id

    lines = [f"{person.get('name', '')}  {mask_id(person.get('id_number'))}"]
    if "permit" in doc:
        years = [str(e["year"]) for e in doc["permit"].get("endorsements", [])]
        lines.append(
            _(
                "permit {number}, endorsed: {years}",
                number=doc["permit"].get("number"),
                years=", ".join(years) or "-",
            )
        )
    return "\n".join(lines)


def cmd_read(ctx: Context, args: argparse.Namespace) -> int:
    import devices

    reader: Any  # an ID card or a permit card reader (the core names no device interface)
    if args.port:
        reader = devices.open_device("idreader", {}, driver="serial", port=args.port)
    elif args.reader:
        reader = devices.open_device("permit", {}, driver="pcsc", reader=args.reader)
    else:
        settings = _settings(ctx)
        kind = (
            "idreader"
            if settings.get("idreader.port") or settings.get("idreader.driver") == "sim"
            else "permit"
        )
        reader = devices.open_device(kind, settings)
    try:
        doc = reader.read(wait=args.wait)
    finally:
        reader.close()
    card = dict(doc.get("card") or {})
    card.pop("wlt", None)  # the chip's photo stays out of the printed document
    if card:
        doc["card"] = card
    ctx.emit(doc, _summary(doc))
    return 0


def cmd_endorse(ctx: Context, args: argparse.Namespace) -> int:
    import devices
    from station.desk import endorse_outcome

    store = ctx.session()
    store.require("endorse")
    key = store.endorse_key()
    settings = store.settings_map()
    overrides: dict[str, Any] = {}
    if args.reader:
        overrides = {"driver": "pcsc", "reader": args.reader}
    reader = devices.open_device("permit", settings, **overrides)
    today = dt.date.today()
    try:
        checked = reader.read(wait=args.wait)
        store.settle_endorsements(checked)
        store.begin_endorsement(checked, args.year, today)
        try:
            card = reader.endorse(
                args.year,
                store.station_code,
                key,
                today,
                wait=args.wait,
                expect_permit=checked["permit"].get("number"),
            )
        except DeviceError as exc:
            store.finish_endorsement(checked, args.year, endorse_outcome(exc))
            raise
    finally:
        reader.close()
    store.finish_endorsement(card, args.year, "done")
    recorded = {"year": args.year, "station": store.station_code, "date": today.isoformat()}
    ctx.emit(
        {"endorsed": recorded, **card},
        _("Endorsed for {year}", year=args.year) + "\n" + _summary(card),
    )
    return 0
