"""``station report daily|period|referrals``: the supervisor's exports."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from station import plugins
from station.cli.context import Context, output_path, writing
from station.cli.parser import group
from station.errors import StationError, UsageError
from station.i18n import _


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError("bad_date", _("The date must be YYYY-MM-DD")) from exc


def _format_and_out(p: Any) -> None:
    # The formats of this installation: csv and xlsx from the core, pdf from the desktop layer
    # (station.report_writers entry points, read without importing their modules).
    p.add_argument("--format", required=True, choices=plugins.names(plugins.REPORT_WRITERS))
    p.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help=_("the file to write; its folder must exist"),
    )


def register(sub: Any) -> None:
    rsub = group(sub, "report", _("the supervisor's reports"))
    p = rsub.add_parser("daily", help=_("the day's report (figures, charts; no ID numbers)"))
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    _format_and_out(p)
    p.set_defaults(func=cmd_daily)
    p = rsub.add_parser("period", help=_("the same report for a week or a month"))
    p.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    _format_and_out(p)
    p.set_defaults(func=cmd_period)
    p = rsub.add_parser(
        "referrals",
        help=_("one file per 7+1 service with the applicants who asked for it (audited)"),
    )
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    p.add_argument(
        "--out",
        required=True,
        metavar="FOLDER",
        help=_("the folder to write the lists into (created; the folder above it must exist)"),
    )
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
        "--referrals",
        action="store_true",
        help=_(
            "with --template: the template of a referral-outcome list (the departments' "
            "answers: application number, service, delivered or declined, date)"
        ),
    )
    p.add_argument(
        "--photos",
        metavar="DIR",
        help=_(
            "a folder of photos named by ID number (<18-digit ID number>.jpg): each row gets "
            "its applicant's photo (checked as a still picture; one that fails is the row's "
            "error); rows without one are saved and wait for their photo"
        ),
    )
    p.add_argument(
        "--errors",
        metavar="FILE.xlsx",
        help=_("write the rejected rows with an error column, to fix and import again"),
    )
    p.set_defaults(func=cmd_import)


def import_text(result: Any, dry_run: bool, limit: int = 50) -> str:
    """What an import did, for people: the counts, then each rejected row's problems."""
    from station.importer import column_label

    if result.referrals is not None:
        text = _(
            "Referral outcomes: {ok} recorded, {skipped} recorded before, {bad} row(s) rejected",
            ok=result.saved,
            skipped=result.skipped,
            bad=len(result.bad_rows),
        )
        if dry_run:
            text = _("Dry run, nothing stored.") + " " + text
    elif dry_run:
        text = _(
            "Dry run, nothing stored: {ok} row(s) would be saved, {skipped} already imported, "
            "{bad} row(s) rejected",
            ok=result.saved,
            skipped=result.skipped,
            bad=len(result.bad_rows),
        )
    else:
        text = _(
            "{saved} saved, {skipped} already imported, {bad} row(s) rejected",
            saved=result.saved,
            skipped=result.skipped,
            bad=len(result.bad_rows),
        )
    lines = [text]
    if result.referrals is None and not dry_run and result.waiting_photo:
        lines.append(
            _(
                "{n} saved without a photo wait for one ('station app list --photo-needed'; "
                "'station photo add NUMBER FILE', or import again with --photos DIR)",
                n=result.waiting_photo,
            )
        )
    if result.photos_added:
        lines.append(_("Photos added to rows imported before: {n}", n=result.photos_added))
    if result.errors:
        lines.append(_("Rejected rows (row, column, problem):"))
        for e in result.errors[:limit]:
            lines.append(
                "  "
                + _(
                    "row {row}  {column}: {message}",
                    row=e["row"],
                    column=column_label(e["field"]),
                    message=e["message"],
                )
            )
        if len(result.errors) > limit:
            lines.append("  " + _("… and {n} more", n=len(result.errors) - limit))
    if result.interrupted_at is not None:
        lines.append(
            _(
                "The file could not be read after row {row}; the rows before it are "
                "kept. Import the file again when it is back: rows already imported "
                "are skipped.",
                row=result.interrupted_at,
            )
        )
    return "\n".join(lines)


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    from station.import_outcomes import import_any, write_outcome_template
    from station.import_read import FileLost
    from station.import_sheets import write_error_sheet, write_template

    if args.template:
        template = output_path(args.template)
        # with an operator named, the example row and the list of communities are the station's
        profile = ctx.session().station_profile() if ctx.has_operator() else None
        with writing(template):
            if args.referrals:
                write_outcome_template(template)
            else:
                write_template(template, profile)
        ctx.emit({"template": args.template}, _("Template written: {out}", out=args.template))
        return 0
    if not args.file:
        raise UsageError("no_file", _("Give the file to import, or --template FILE.xlsx"))
    errors_out = output_path(args.errors) if args.errors else None
    photos = Path(args.photos) if args.photos else None
    result = import_any(ctx.session(), Path(args.file), dry_run=args.dry_run, photos=photos)
    if errors_out is not None and result.bad_rows:
        try:
            with writing(errors_out):
                write_error_sheet(result, errors_out)
        except StationError as exc:  # the rows are stored: say so, and how to get the sheet
            ctx.message(import_text(result, args.dry_run))
            raise StationError(
                "cannot_write",
                _(
                    "{problem}. The file was imported as listed above; import it again with "
                    "--errors to write the rejected rows (rows already imported are skipped)",
                    problem=exc.message,
                ),
            ) from exc
    ctx.emit(result.to_json(), import_text(result, args.dry_run))
    if result.interrupted_at is not None:
        return FileLost().exit_code
    return 4 if result.bad_rows and not result.saved and not result.skipped else 0


def _write(ctx: Context, start: dt.date, end: dt.date, fmt: str, out: str, what: str) -> int:
    from station.reports import audit_export, report_data, title
    from station.reports.writers import writer

    path = output_path(out)
    write = writer(fmt)
    store = ctx.session()
    data = report_data(store, start, end)
    with writing(path):
        write(data, path)
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
    folder = output_path(args.out)
    store = ctx.session()
    lists = referral_lists(store, day)
    with writing(folder):
        files = write_referrals(lists, folder)
    rows = sum(len(v) for v in lists.values())
    audit_export(store, "referrals", day, day, "xlsx", rows)
    ctx.emit(
        {"out": args.out, "files": files, "rows": rows},
        _("{n} referral list(s) written to {out}", n=len(files), out=args.out),
    )
    return 0
