"""``station central …``: the reference central service (a development tool)."""

from __future__ import annotations

import argparse
from typing import Any

from station.cli.context import Context
from station.i18n import _


def register(sub: Any) -> None:
    central = sub.add_parser(
        "central", help=_("the reference central card-production service (development and demo)")
    )
    csub = central.add_subparsers(dest="central_command", required=True, metavar=_("ACTION"))
    p = csub.add_parser("serve", help=_("run the service"))
    p.add_argument("--db", required=True, help=_("SQLite file or postgresql:// URL"))
    p.add_argument("--port", type=int, default=8750)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=cmd_serve)
    p = csub.add_parser("enrol-code", help=_("make a one-time enrolment code"))
    p.add_argument("--db", required=True)
    p.set_defaults(func=cmd_enrol_code)
    p = csub.add_parser(
        "produce", help=_("move received applications through production, or reject them")
    )
    p.add_argument("--db", required=True)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true")
    which.add_argument("--uuid")
    p.add_argument("--reject", metavar="CODE", help=_("reject with this code instead"))
    p.add_argument("--field", default="", help=_("the record field the rejection names"))
    p.add_argument(
        "--steps",
        type=int,
        default=3,
        help=_("production steps to advance (1: in production, 2: produced, 3: ready for pickup)"),
    )
    p.set_defaults(func=cmd_produce)
    p = csub.add_parser("status", help=_("counts of stations, applications, photos, events"))
    p.add_argument("--db", required=True)
    p.set_defaults(func=cmd_status)
    p = csub.add_parser("revoke", help=_("revoke a station's enrolment"))
    p.add_argument("--db", required=True)
    p.add_argument("station_id")
    p.set_defaults(func=cmd_revoke)


def _store(db: str) -> Any:
    from sync.server.store import CentralStore

    return CentralStore(db)


def cmd_serve(ctx: Context, args: argparse.Namespace) -> int:
    from sync.server import serve

    ctx.message(
        _(
            "Central service on http://{host}:{port}/v1 (database {db})",
            host=args.host,
            port=args.port,
            db=args.db,
        )
    )
    serve(args.db, args.port, args.host, args.workers)
    return 0


def cmd_enrol_code(ctx: Context, args: argparse.Namespace) -> int:
    code = _store(args.db).new_enrol_code()
    ctx.emit({"code": code}, code)
    return 0


def cmd_produce(ctx: Context, args: argparse.Namespace) -> int:
    n = _store(args.db).produce(args.uuid, args.reject, args.field, args.steps)
    ctx.emit({"moved": n}, _("{n} application(s) moved", n=n))
    return 0


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    status = _store(args.db).status()
    ctx.emit(status, "\n".join(f"{k}: {v}" for k, v in status.items()))
    return 0


def cmd_revoke(ctx: Context, args: argparse.Namespace) -> int:
    _store(args.db).revoke(args.station_id)
    ctx.emit({"revoked": args.station_id}, _("Station {id} revoked", id=args.station_id))
    return 0
