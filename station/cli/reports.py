"""``station report daily|period|referrals``: the supervisor's exports."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from station.cli.context import Context
from station.errors import UsageError
from station.i18n import _


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError("bad_date", _("The date must be YYYY-MM-DD")) from exc


def register(sub: Any) -> None:
    rep = sub.add_parser("report", help=_("the supervisor's reports"))
    rsub = rep.add_subparsers(dest="report_command", required=True, metavar=_("ACTION"))
    p = rsub.add_parser("daily", help=_("the day's report (figures, charts; no ID numbers)"))
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--format", required=True, choices=("xlsx", "pdf", "csv"))
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_daily)
    p = rsub.add_parser("period", help=_("the same report for a week or a month"))
    p.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--format", required=True, choices=("xlsx", "pdf", "csv"))
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_period)
    p = rsub.add_parser(
        "referrals",
        help=_("one file per 7+1 service with the applicants who asked for it (audited)"),
    )
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--out", required=True, metavar="FOLDER")
    p.set_defaults(func=cmd_referrals)
    register_import(sub)


def register_import(sub: Any) -> None:
    p = sub.add_parser(
        "import",
        help=_(
            "bulk registration from an XLSX or CSV file; every row validated. Exit 0 when the "
            "file was processed (rejected rows are listed with row, field and reason), 4 when no "
            "row could be saved"
        ),
    )
    p.add_argument("file", nargs="?", metavar="FILE.xlsx|FILE.csv")
    p.add_argument("--dry-run", action="store_true", help=_("validate only, store nothing"))
    p.add_argument("--template", metavar="FILE.xlsx", help=_("write the import template"))
    p.add_argument(
        "--errors",
        metavar="FILE.xlsx",
        help=_("write the rejected rows with an error column, to fix and import again"),
    )
    p.set_defaults(func=cmd_import)


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    from station.importer import import_file, write_error_sheet, write_template

    if args.template:
        write_template(Path(args.template))
        ctx.emit({"template": args.template}, _("Template written: {out}", out=args.template))
        return 0
    if not args.file:
        raise UsageError("no_file", _("Give the file to import, or --template FILE.xlsx"))
    result = import_file(ctx.session(), Path(args.file), dry_run=args.dry_run)
    if args.errors and result.bad_rows:
        write_error_sheet(result, Path(args.errors))
    text = _(
        "{saved} saved, {skipped} already imported, {bad} row(s) rejected",
        saved=result.saved,
        skipped=result.skipped,
        bad=len(result.bad_rows),
    )
    if result.interrupted_at is not None:
        text += "\n" + _(
            "The file could not be read after row {row}; the rows before it are "
            "kept. Import the file again when it is back: rows already imported "
            "are skipped.",
            row=result.interrupted_at,
        )
    ctx.emit(result.to_json(), text)
    if result.interrupted_at is not None:
        return 2
    return 4 if result.bad_rows and not result.saved and not result.skipped else 0


def _write(ctx: Context, start: dt.date, end: dt.date, fmt: str, out: str, what: str) -> int:
    from station.reports import audit_export, report_data, title
    from station.reports.writers import write_csv, write_pdf, write_xlsx

    path = Path(out)
    if not path.parent.exists():
        raise UsageError("no_folder", _("The folder of the output file does not exist"))
    store = ctx.session()
    data = report_data(store, start, end)
    {"csv": write_csv, "xlsx": write_xlsx, "pdf": write_pdf}[fmt](data, path)
    audit_export(store, what, start, end, fmt, data["total"])
    ctx.emit(
        {"out": str(path), "total": data["total"], "format": fmt},
        _("{title}: {out}", title=title(data), out=path),
    )
    return 0


def cmd_daily(ctx: Context, args: argparse.Namespace) -> int:
    day = _date(args.date)
    return _write(ctx, day, day, args.format, args.out, "daily")


def cmd_period(ctx: Context, args: argparse.Namespace) -> int:
    start, end = _date(args.start), _date(args.end)
    if end < start or (end - start).days > 366:
        raise UsageError("bad_period", _("The period must run forward and span at most a year"))
    return _write(ctx, start, end, args.format, args.out, "period")


def cmd_referrals(ctx: Context, args: argparse.Namespace) -> int:
    from station.reports import audit_export, referral_lists
    from station.reports.writers import write_referrals

    day = _date(args.date)
    store = ctx.session()
    lists = referral_lists(store, day)
    files = write_referrals(lists, Path(args.out))
    rows = sum(len(v) for v in lists.values())
    audit_export(store, "referrals", day, day, "xlsx", rows)
    ctx.emit(
        {"out": args.out, "files": files, "rows": rows},
        _("{n} referral list(s) written to {out}", n=len(files), out=args.out),
    )
    return 0
