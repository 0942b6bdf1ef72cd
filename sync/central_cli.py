"""``station central …``: the reference central service (a development tool). Its server
(``sync.server.app``: starlette, uvicorn, psycopg) is the ``central`` extra; without it the
commands say which extra to install."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import Any

from station.cli.context import Context
from station.cli.parser import group
from station.errors import StationError
from station.i18n import N_, _

EXTRA_MODULES = ("starlette", "uvicorn", "psycopg", "sync.server")


def register(sub: Any) -> None:
    csub = group(
        sub, "central", _("the reference central card-production service (development and demo)")
    )
    p = csub.add_parser(
        "serve", help=_("run the service (needs the extra: pip install 'intake-station[central]')")
    )
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
    p = csub.add_parser(
        "import",
        help=_(
            "take in the batches and handovers a station without network exported "
            "('station sync --export DIR')"
        ),
    )
    p.add_argument("--db", required=True)
    p.add_argument("folder", metavar="DIR", help=_("the folder of the export (a USB stick)"))
    p.set_defaults(func=cmd_import)
    tsub = group(csub, "profile", _("the code tables the service publishes to the stations"))
    p = tsub.add_parser(
        "import",
        help=_(
            "publish a city's streets and communities from a station profile file "
            "(.json or .xlsx), checked like at the station"
        ),
    )
    p.add_argument("--db", required=True)
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--force", action="store_true", help=_("publish it even when its version is not newer")
    )
    p.set_defaults(func=cmd_profile_import)


@contextlib.contextmanager
def central_extra() -> Iterator[None]:
    """Turn the import error of a module of the ``central`` extra into a typed error that says
    which extra to install (any other import error stays what it is)."""
    try:
        yield
    except ModuleNotFoundError as exc:
        name = exc.name or ""
        if not any(name == m or name.startswith(m + ".") for m in EXTRA_MODULES):
            raise
        raise StationError(
            "extra_missing",
            _(
                "The reference central service needs the 'central' extra ({module} is missing): "
                "pip install 'intake-station[central]'",
                module=name,
            ),
        ) from exc


def _store(db: str) -> Any:
    with central_extra():
        from sync.server.store import CentralStore

        return CentralStore(db)


def cmd_serve(ctx: Context, args: argparse.Namespace) -> int:
    with central_extra():
        from sync.server import serve
        from sync.server.app import create_app  # noqa: F401 - the extra's modules, checked now
    ctx.message(
        _(
            "Central service on http://{host}:{port}/v1 (database {db})",
            host=args.host,
            port=args.port,
            db=args.db,
        )
    )
    with central_extra():  # uvicorn, or psycopg for a postgresql:// database
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


STATUS_LABELS = {
    "stations": N_("Stations"),
    "applications": N_("Applications"),
    "photos": N_("Photos"),
    "events": N_("Status events"),
    "conflicts": N_("Conflicts"),
}
STATE_LABELS = {
    "received": N_("received"),
    "rejected": N_("rejected"),
    "in_production": N_("in production"),
    "card_produced": N_("card produced"),
    "ready_for_pickup": N_("ready for pickup"),
    "collected": N_("collected"),
}


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    status = _store(args.db).status()
    lines = [f"{_(STATUS_LABELS.get(k, k))}: {v}" for k, v in status.items() if k != "by_state"]
    lines += [
        f"  {_(STATE_LABELS.get(k, k))}: {v}" for k, v in (status.get("by_state") or {}).items()
    ]
    ctx.emit(status, "\n".join(lines))
    return 0


def cmd_profile_import(ctx: Context, args: argparse.Namespace) -> int:
    from pathlib import Path

    from station.errors import UsageError
    from station.profile.files import read_profile

    profile = read_profile(Path(args.file))  # the station's own checks, every problem at once
    store = _store(args.db)
    with central_extra():
        from sync.server.tables import publish

        current = publish(store, profile, force=args.force)
    if current is not None:
        raise UsageError(
            "profile_not_newer",
            _(
                "Version {version} is not newer than the loaded version {current}; "
                "nothing changed (--force loads it anyway)",
                version=profile.version,
                current=current,
            ),
        )
    ctx.emit(
        {
            "city": profile.city,
            "version": profile.version,
            "streets": len(profile.streets),
            "communities": len(profile.communities),
        },
        _(
            "Code tables of {city} version {version} published ({communities} communities); "
            "stations fetch them at their next sync",
            city=profile.city_name,
            version=profile.version,
            communities=len(profile.communities),
        ),
    )
    return 0


IMPORT_REFUSALS = {
    "not_export": N_("not an export file of the station"),
    "foreign": N_("sealed for another central service: take it to the service it was made for"),
    "damaged": N_("damaged: changed or cut short since it was written; export again"),
    "missing": N_("listed in the export's manifest but not in the folder: copy it again"),
    "bad_manifest": N_("not a readable export manifest"),
    "bad_export": N_("not an export of a version this service reads"),
    "unknown_station": N_("from a station not enrolled with this service"),
    "revoked": N_("from a station whose enrolment was revoked"),
    "bad_signature": N_("its signature does not verify: not what the station wrote"),
    "other_station": N_("signed by one station for another's resources"),
}


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    from pathlib import Path

    folder = Path(args.folder)
    if not folder.is_dir():
        raise StationError(
            "no_folder",
            _(
                "The folder {folder} does not exist (a USB stick not plugged in?); create it or "
                "choose another",
                folder=folder,
            ),
        )
    store = _store(args.db)
    with central_extra():
        from sync.server.imports import import_folder

        result = import_folder(store, folder)
    lines = []
    for f in result["files"]:
        if f["status"] == "refused":
            why = _(IMPORT_REFUSALS[f["code"]]) if f["code"] in IMPORT_REFUSALS else f["why"]
            f["message"] = why
            lines.append(
                _("{file}: refused, {why} ({code})", file=f["file"], why=why, code=f["code"])
            )
        else:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(f["counts"].items()))
            lines.append(_("{file}: imported ({counts})", file=f["file"], counts=counts or "0"))
    lines.append(
        _(
            "{imported} file(s) imported, {refused} refused",
            imported=result["imported"],
            refused=result["refused"],
        )
    )
    ctx.emit(result, "\n".join(lines))
    if result["refused"]:
        ctx.message(_("Some files were refused: nothing of a refused file was taken in"))
        return 1
    return 0


def cmd_revoke(ctx: Context, args: argparse.Namespace) -> int:
    _store(args.db).revoke(args.station_id)
    ctx.emit({"revoked": args.station_id}, _("Station {id} revoked", id=args.station_id))
    return 0


__all__ = ["central_extra", "register"]
