"""Applications: add, show, search, list."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from station.cli.context import Context, read_json_input
from station.errors import UsageError
from station.i18n import _


def register(sub: Any) -> None:
    app = sub.add_parser("app", help=_("applications"))
    asub = app.add_subparsers(dest="app_command", required=True, metavar=_("ACTION"))
    p = asub.add_parser("add", help=_("validate and save an application given as JSON"))
    p.add_argument("file", metavar="FILE|-", help=_("the application record (JSON), - for stdin"))
    p.add_argument("--photo", metavar="JPEG", help=_("the applicant's photo"))
    p.set_defaults(func=cmd_add)
    p = asub.add_parser("show", help=_("show one application (audited)"))
    p.add_argument("ref", metavar="REF", help=_("uuid or application number"))
    p.add_argument("--history", action="store_true", help=_("include its history"))
    p.set_defaults(func=cmd_show)
    p = asub.add_parser("search", help=_("find by ID number, name, phone or application number"))
    p.add_argument("text")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=cmd_search)
    p = asub.add_parser("list", help=_("list applications, newest first"))
    p.add_argument("--date", metavar="YYYY-MM-DD", help=_("only this day"))
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(func=cmd_list)


def _summary_lines(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return _("No applications found")
    return "\n".join(
        f"{r['number']}  {r['name'] or '':<8} {r['id_masked']}  {r['kind']:<12} {r['captured_at']}"
        for r in rows
    )


def cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    from station.photo_input import read_photo_file

    record = read_json_input(args.file)
    photo = None
    if args.photo:
        try:
            photo = read_photo_file(args.photo)  # at most the limit is read
        except OSError as exc:
            raise UsageError("unreadable_photo", _("Cannot read the photo file")) from exc
    store = ctx.session()
    if isinstance(record, dict) and isinstance(record.get("person"), dict):
        for dup in store.possible_duplicates(record):
            ctx.message(
                _(
                    "Warning: this person may already be registered here: application "
                    "{number} ({match})",
                    number=dup["number"],
                    match=dup["match"],
                )
            )
    result = store.save_application(record, photo)
    ctx.emit(result, _("Saved: application number {number}", number=result["number"]))
    return 0


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.session()
    rec = store.get_application(args.ref)
    if args.history:
        rec["history"] = store.history(args.ref)
    from station.cli import dumps

    ctx.emit(rec, dumps(rec))
    return 0


def cmd_search(ctx: Context, args: argparse.Namespace) -> int:
    rows = ctx.session().search(args.text, args.limit)
    ctx.emit({"results": rows}, _summary_lines(rows))
    return 0


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    day = None
    if args.date:
        try:
            day = dt.date.fromisoformat(args.date)
        except ValueError as exc:
            raise UsageError("bad_date", _("The date must be YYYY-MM-DD")) from exc
    rows = ctx.session().list_applications(day, args.limit)
    ctx.emit({"results": rows}, _summary_lines(rows))
    return 0
