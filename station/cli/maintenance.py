"""The technician's maintenance commands: backup and restore."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from station.cli.context import Context, output_path, writing
from station.errors import UsageError
from station.i18n import N_, _


def register(sub: Any) -> None:
    p = sub.add_parser("backup", help=_("encrypted backup of the whole station (technician)"))
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="FILE", help=_("write the backup to this file"))
    where.add_argument(
        "--folder",
        metavar="DIR",
        help=_("write a dated backup into this folder (USB stick) and rotate old ones"),
    )
    p.add_argument("--keep", type=int, default=7, help=_("backups to keep with --folder"))
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser(
        "restore",
        help=_(
            "restore a backup into an empty data folder; recovery code from "
            "$STATION_RECOVERY_CODE or a prompt"
        ),
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser(
        "doctor",
        help=_(
            "check devices, database, keys, clock and central service; one line per check with "
            "its fix (with --user and a password it also opens the database)"
        ),
    )
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser(
        "purge",
        help=_(
            "remove personal data and photos of applications whose card was collected more than "
            "retention.days ago (a tombstone is kept for reports)"
        ),
    )
    p.add_argument("--vacuum", action="store_true", help=_("compact the database afterwards"))
    p.set_defaults(func=cmd_purge)
    p = sub.add_parser(
        "diagnostics",
        help=_(
            "write a support bundle: logs, doctor output, versions (no database, no personal data)"
        ),
    )
    p.add_argument("--out", required=True, metavar="FILE.zip")
    p.set_defaults(func=cmd_diagnostics)


def cmd_backup(ctx: Context, args: argparse.Namespace) -> int:
    from station.backup import backup_to_folder, create_backup

    # The rule of every --out: the folder above must exist (a USB stick that is not mounted
    # must not become a folder on the local disk); --folder names that folder itself.
    target = output_path(args.out) if args.out else output_path(Path(args.folder) / "backup")
    store = ctx.session()
    store.require("backup")
    with writing(target):
        if args.out:
            result = create_backup(store, target)
        else:
            result = backup_to_folder(store, target.parent, args.keep)
    ctx.emit(
        result,
        _(
            "Backup written: {out} ({n} applications)",
            out=result["out"],
            n=result["counts"]["applications"],
        ),
    )
    return 0


def cmd_restore(ctx: Context, args: argparse.Namespace) -> int:
    from station.backup import restore_backup

    code = os.environ.get("STATION_RECOVERY_CODE")
    if code is None:
        if not sys.stdin.isatty():
            raise UsageError(
                "no_recovery_code",
                _("No recovery code: set STATION_RECOVERY_CODE or run in a terminal"),
            )
        import getpass

        code = getpass.getpass(_("Recovery code: "))
    result = restore_backup(Path(args.file), ctx.data_dir, code)
    ctx.emit(
        result,
        _(
            "Restored station {code} into {folder}; operators log in with their "
            "usual passwords. Nothing is sent to the central service until a technician "
            "enrols this PC again ('station enrol --server URL --code CODE', a new code "
            "from the bureau); the PC the backup came from is then refused. The first sync "
            "asks the service for the state of every application.",
            code=result["station_code"],
            folder=result["data_dir"],
        ),
    )
    return 0


def _doctor(ctx: Context, args: argparse.Namespace) -> list[Any]:
    from station.doctor import FAIL, Check, DoctorContext, registered_checks, run_checks
    from station.errors import StationError

    dctx = DoctorContext(ctx.data_dir)
    login_problem = None
    if ctx.has_operator() and (
        os.environ.get("STATION_PASSWORD") is not None or sys.stdin.isatty()
    ):
        try:
            dctx.store = ctx.session()
            dctx.settings = dctx.store.settings_map()
        except StationError as exc:
            login_problem = exc.message
        except Exception as exc:  # noqa: BLE001 - a damaged database is the doctor's finding
            from station.db import storage_error

            error = storage_error(exc)
            if error is None:
                raise
            login_problem = error.message
    checks = run_checks(dctx, registered_checks())
    if login_problem:
        checks.insert(
            0, Check("login", FAIL, login_problem, _("Check the operator name and password"))
        )
    return checks


def cmd_diagnostics(ctx: Context, args: argparse.Namespace) -> int:
    from station.diagnostics import write_bundle

    out = output_path(args.out)
    checks = _doctor(ctx, args)
    with writing(out):
        result = write_bundle(ctx.data_dir, out, [c.to_json() for c in checks])
    ctx.emit(result, _("Diagnostics written to {out}", out=result["out"]))
    return 0


# The checks' names for people (the JSON keeps the names); a plugin's own check shows its name.
CHECK_LABELS = {
    "login": N_("login"),
    "version": N_("version"),
    "data_folder": N_("data folder"),
    "key_slots": N_("key slots"),
    "database": N_("database"),
    "disk": N_("disk"),
    "clock": N_("clock"),
    "translations": N_("translations"),
    "permit_reader": N_("permit reader"),
    "id_reader": N_("ID card reader"),
    "camera": N_("camera"),
    "central": N_("central service"),
}


def cmd_doctor(ctx: Context, args: argparse.Namespace) -> int:
    from station.cli.context import display_width, pad
    from station.doctor import FAIL

    checks = _doctor(ctx, args)
    marks = {"ok": "✔", "warn": "!", "fail": "✘"}
    labels = [_(CHECK_LABELS[c.name]) if c.name in CHECK_LABELS else c.name for c in checks]
    width = max([display_width(label) for label in labels] + [14])
    lines = [
        f"{marks[c.status]} {pad(label, width)} {c.detail}"
        + (f"\n    → {c.fix}" if c.fix and c.status != "ok" else "")
        for c, label in zip(checks, labels, strict=True)
    ]
    failed = any(c.status == FAIL for c in checks)
    ctx.emit({"ok": not failed, "checks": [c.to_json() for c in checks]}, "\n".join(lines))
    return 1 if failed else 0


def cmd_purge(ctx: Context, args: argparse.Namespace) -> int:
    from station.retention import purge

    result = purge(ctx.session(), vacuum=True if args.vacuum else None)
    ctx.emit(
        result,
        _(
            "{n} application(s) purged, {p} photo(s) removed",
            n=result["purged"],
            p=result["photos_removed"],
        ),
    )
    return 0
