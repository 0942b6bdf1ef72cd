"""Applications: add, show, search, list; change, replace, move-out (new versions of a record,
as the desktop makes them). ``app receipt`` is the desktop layer's (ui/cli.py)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from station.cli.context import Context, read_json_input
from station.cli.parser import group
from station.errors import UsageError
from station.i18n import _

# ``station app ACTION``: the kind each new version is recorded as.
NEW_VERSIONS = (
    ("change", "change"),
    ("replace", "replacement"),
    ("move-out", "deregistration"),
)


def register(sub: Any) -> None:
    asub = group(sub, "app", _("applications"))
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
    p.add_argument(
        "--photo-needed",
        action="store_true",
        help=_(
            "only the applications waiting for a photo: they print a card and go to the "
            "central service once 'station photo add NUMBER FILE' has added it"
        ),
    )
    p.set_defaults(func=cmd_list)
    helps = {
        "change": _(
            "record a change of address, employer or other details: the changed record as JSON "
            "(as 'app show' prints it; its kind is set by the command), saved as a new version of "
            "kind change"
        ),
        "replace": _(
            "record a replacement card (lost or damaged): the record as JSON, saved as a new "
            "version of kind replacement"
        ),
        "move-out": _(
            "record that the holder moved away: the record as JSON, saved as a new version of "
            "kind deregistration"
        ),
    }
    for action, kind in NEW_VERSIONS:
        p = asub.add_parser(action, help=helps[action])
        p.add_argument("ref", metavar="NUMBER", help=_("application number or uuid"))
        p.add_argument(
            "file", metavar="FILE|-", help=_("the application record (JSON), - for stdin")
        )
        p.add_argument("--photo", metavar="JPEG", help=_("a new photo of the applicant"))
        p.set_defaults(func=cmd_new_version, new_kind=kind)


def _summary_lines(rows: list[dict[str, Any]]) -> str:
    from station import codes
    from station.cli.context import pad

    if not rows:
        return _("No applications found")
    return "\n".join(
        f"{r['number']}  {pad(r['name'] or '', 8)} {r['id_masked']}  "
        f"{pad(codes.label('kinds', r['kind']), 16)} {r['captured_at']}"
        for r in rows
    )


def _photo(path: str | None) -> bytes | None:
    if not path:
        return None
    from station.photo_input import read_photo_file

    try:
        return read_photo_file(path)  # at most the size limit is read
    except OSError as exc:
        raise UsageError("unreadable_photo", _("Cannot read the photo file")) from exc


def cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    record = read_json_input(args.file)
    photo = _photo(args.photo)
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
    if store.apps.state_of(result["uuid"]) == "photo_needed":  # said on stderr: cli.md fixes
        ctx.message(  # the JSON document of app add
            _(
                "It prints a card and has no photo: it waits until 'station photo add {number} "
                "FILE' adds one, then goes to the central service",
                number=result["number"],
            )
        )
    ctx.emit(result, _("Saved: application number {number}", number=result["number"]))
    return 0


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.session()
    rec = store.get_application(args.ref)
    if args.history:
        rec["history"] = store.history(args.ref)
    from station.cli.context import dumps

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
    store = ctx.session()
    if args.photo_needed:
        rows = store.apps.browse(day, args.limit, photo_needed=True)
        human = _summary_lines(rows) if rows else _("No application is waiting for a photo")
        ctx.emit({"results": rows}, human)
        return 0
    rows = store.list_applications(day, args.limit)
    ctx.emit({"results": rows}, _summary_lines(rows))
    return 0


def cmd_new_version(ctx: Context, args: argparse.Namespace) -> int:
    """A change, replacement or move-out: the record, validated for that kind, stored as a new
    version of the application (``Store.correct_application``, as the desktop does)."""
    from station import codes

    kind = args.new_kind
    record = read_json_input(args.file)
    if isinstance(record, dict):
        # The command says what this version is: ``app show`` prints the version before it.
        record = dict(record, kind=kind)
    photo = _photo(args.photo)
    store = ctx.session()
    result = store.correct_application(args.ref, record, photo)
    if result.get("changed", True):
        human = _(
            "{kind} of application {number} saved (version {version})",
            kind=codes.label("kinds", kind),
            number=result["number"],
            version=result["version"],
        )
    else:
        human = _("Nothing changed in application {number}", number=result["number"])
    ctx.emit(result, human)
    return 0
