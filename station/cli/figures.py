"""The photo a card needs, the 7+1 referral outcomes and the endorsements falling due:
``station photo add``, ``station referral list|set``, ``station report endorsements-due``."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from station.cli.context import Context, output_path, writing
from station.cli.parser import group
from station.errors import UsageError
from station.i18n import _


def register(sub: Any) -> None:
    psub = group(sub, "photo", _("the applicant's photo"))
    p = psub.add_parser(
        "add",
        help=_(
            "add the photo of an application that waits for one (a new registration or "
            "replacement saved without it, an imported row): from a picture file, checked as a "
            "still picture (one face, lit, sharp, the ID-photo crop inside the picture) and "
            "cropped to the ID photo; the application then goes to the central service"
        ),
    )
    p.add_argument("ref", metavar="NUMBER", help=_("application number or uuid"))
    p.add_argument("file", metavar="FILE", help=_("a picture file (JPEG, PNG…)"))
    p.add_argument(
        "--force",
        action="store_true",
        help=_("keep a picture that fails a check (flagged for the supervisor's review)"),
    )
    p.set_defaults(func=cmd_photo_add)

    rsub = group(sub, "referral", _("the 7+1 referrals of an application and their outcomes"))
    p = rsub.add_parser("list", help=_("the referrals of one application and their outcomes"))
    p.add_argument("ref", metavar="NUMBER", help=_("application number or uuid"))
    p.set_defaults(func=cmd_referral_list)
    p = rsub.add_parser(
        "set",
        help=_(
            "record a department's answer to a referral: delivered, or declined by the "
            "applicant (audited)"
        ),
    )
    p.add_argument("ref", metavar="NUMBER", help=_("application number or uuid"))
    p.add_argument("service", help=_("the service: employment, education, health…"))
    p.add_argument("outcome", choices=("delivered", "declined"))
    p.add_argument(
        "--date", metavar="YYYY-MM-DD", help=_("the day of the outcome (default: today)")
    )
    p.set_defaults(func=cmd_referral_set)

    rep = group(sub, "report", _("the supervisor's reports"))
    p = rep.add_parser(
        "endorsements-due",
        help=_(
            "the permits whose yearly endorsement falls due in the next 30 days (from the "
            "card's issue date), to call the holders in (audited)"
        ),
    )
    p.add_argument(
        "--out", required=True, metavar="FILE.xlsx|FILE.csv", help=_("the file to write")
    )
    p.add_argument("--date", metavar="YYYY-MM-DD", help=_("count from this day (default: today)"))
    p.set_defaults(func=cmd_endorsements_due)


def state_label(state: str) -> str:
    return {
        "referred": _("referred"),
        "delivered": _("delivered"),
        "declined": _("declined"),
    }.get(state, state)


def _day(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError("bad_date", _("The date must be YYYY-MM-DD")) from exc


def cmd_photo_add(ctx: Context, args: argparse.Namespace) -> int:
    from station.photo_files import photo_from_file

    store = ctx.session()
    store.require("app.create")
    shot = photo_from_file(args.file, force=args.force)
    result = store.apps.add_photo(args.ref, shot.jpeg, photo_override=shot.override)
    human = _(
        "Photo added to application {number} (version {version}); it goes to the central "
        "service with the next sync",
        number=result["number"],
        version=result["version"],
    )
    if shot.override:
        human += "\n" + _("Kept although checks failed:") + "\n  " + "\n  ".join(shot.override)
    ctx.emit(dict(result, override=shot.override), human)
    return 0


def cmd_referral_list(ctx: Context, args: argparse.Namespace) -> int:
    from station import codes
    from station.cli.context import pad

    rows = ctx.session().referrals.of(args.ref)
    lines = [
        f"{pad(codes.label('services', r['service']), 30)} {pad(state_label(r['state']), 8)} "
        f"{r['referred_on']}  {r['outcome_on'] or ''} {r['outcome_by'] or ''}".rstrip()
        for r in rows
    ]
    ctx.emit({"referrals": rows}, "\n".join(lines) or _("No referrals"))
    return 0


def cmd_referral_set(ctx: Context, args: argparse.Namespace) -> int:
    from station import codes

    store = ctx.session()
    day = _day(args.date)
    done = store.referrals.record(args.ref, args.service, args.outcome, day)
    ctx.emit(
        done,
        _(
            "{service}: {outcome} on {day}",
            service=codes.label("services", done["service"]),
            outcome=state_label(done["state"]),
            day=done["outcome_on"],
        ),
    )
    return 0


def cmd_endorsements_due(ctx: Context, args: argparse.Namespace) -> int:
    from station.reports.endorsements_due import endorsements_due, write_due

    path = output_path(args.out)
    if path.suffix.lower() not in (".xlsx", ".csv"):
        raise UsageError("bad_format", _("Write the list as .xlsx or .csv"))
    store = ctx.session()
    store.require("report.export")
    day = _day(args.date)
    items = endorsements_due(store, day)
    with writing(path):
        write_due(items, path)
    store.audit(
        "report.export",
        detail={"report": "endorsements_due", "date": day.isoformat(), "rows": len(items)},
    )
    ctx.emit(
        {"out": str(path), "rows": len(items)},
        _("{n} endorsement(s) due in the next 30 days: {out}", n=len(items), out=path),
    )
    return 0
