"""``station doctor``: one line per check, ok/warn/fail, with the fix in plain words.

Core checks live here; device and central-service checks are contributed by ``devices`` and
``sync`` through the ``station.doctor_checks`` entry-point group (``registered_checks``) or
``register_check``, so the core imports neither.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station import __version__
from station.i18n import _
from station.resources import resource_path

if TYPE_CHECKING:
    from station.store import Store

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""
    ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


CheckFn = Callable[["DoctorContext"], Check]
_EXTRA: list[CheckFn] = []


def register_check(fn: CheckFn) -> CheckFn:
    """Add a check (devices, sync); returns ``fn`` so it can be used as a decorator."""
    if fn not in _EXTRA:
        _EXTRA.append(fn)
    return fn


def registered_checks() -> list[CheckFn]:
    """The checks the other layers declare (``station.doctor_checks`` entry points: functions
    that return their checks); a layer that cannot load here becomes a failed check."""
    from station import plugins

    found: list[CheckFn] = []
    for entry in plugins.entries(plugins.DOCTOR_CHECKS):
        try:
            found += list(entry.load()())
        except ImportError as exc:
            found.append(_unavailable(entry.name, exc))
    return found


def _unavailable(name: str, exc: ImportError) -> CheckFn:
    def check(ctx: DoctorContext) -> Check:
        return Check(
            name,
            FAIL,
            _("these checks cannot run: {why}", why=exc.name or type(exc).__name__),
            _("Reinstall the station"),
        )

    return check


@dataclass
class DoctorContext:
    data_dir: Path
    store: Store | None = None  # a logged-in Store when credentials were given
    settings: dict[str, str] | None = None


def check_version(ctx: DoctorContext) -> Check:
    import sqlcipher3

    return Check(
        "version", OK, _("station {v}, SQLite {s}", v=__version__, s=sqlcipher3.sqlite_version)
    )


def check_data_dir(ctx: DoctorContext) -> Check:
    if not ctx.data_dir.exists():
        return Check(
            "data_folder",
            FAIL,
            _("{folder} does not exist", folder=ctx.data_dir),
            _("Run 'station init' (new station) or 'station restore' (replacement PC)"),
        )
    if not os.access(ctx.data_dir, os.W_OK):
        return Check(
            "data_folder",
            FAIL,
            _("{folder} is not writable", folder=ctx.data_dir),
            _("Give the station's user write access to the data folder"),
        )
    return Check("data_folder", OK, str(ctx.data_dir))


def check_keyslots(ctx: DoctorContext) -> Check:
    from station.errors import StorageError
    from station.keys import KeySlots

    slots = KeySlots(ctx.data_dir / "keyslots.json")
    if not slots.exists():
        return Check(
            "key_slots",
            FAIL,
            _("no key-slot file"),
            _("Run 'station init', or restore the station from a backup"),
        )
    try:
        doc = slots.load()
    except StorageError as exc:
        return Check(
            "key_slots", FAIL, exc.message, _("Restore keyslots.json from the latest backup")
        )
    kinds = [s["kind"] for s in doc["slots"]]
    if "recovery" not in kinds:
        return Check(
            "key_slots", WARN, _("no recovery slot"), _("Create a new recovery code and print it")
        )
    technicians = sum(1 for s in doc["slots"] if s.get("role") == "technician")
    if not technicians:
        return Check(
            "key_slots",
            WARN,
            _("no technician slot"),
            _("Open with the recovery code and add a technician"),
        )
    return Check(
        "key_slots", OK, _("{n} operator slot(s) and a recovery slot", n=kinds.count("operator"))
    )


def check_database(ctx: DoctorContext) -> Check:
    if ctx.store is None:
        path = ctx.data_dir / "station.db"
        if not path.exists():
            return Check(
                "database",
                FAIL,
                _("the database file is missing"),
                _("Restore the station from the latest backup"),
            )
        return Check(
            "database",
            WARN,
            _("not opened (no operator given)"),
            _("Run doctor with --user and a password to check the database itself"),
        )
    result = ctx.store.conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        return Check(
            "database",
            FAIL,
            _("integrity check failed"),
            _("Stop using this PC; restore the latest backup on a healthy one"),
        )
    n = ctx.store.conn.execute("SELECT count(*) FROM applications").fetchone()[0]
    return Check("database", OK, _("integrity ok, {n} applications", n=n))


def check_disk(ctx: DoctorContext) -> Check:
    folder = ctx.data_dir if ctx.data_dir.exists() else ctx.data_dir.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return Check("disk", WARN, _("free space unknown"), "")
    gb = free / 1e9
    if gb < 1:
        return Check(
            "disk",
            FAIL,
            _("{gb:.1f} GB free", gb=gb),
            _("Free disk space: the station needs at least 1 GB"),
        )
    if gb < 5:
        return Check("disk", WARN, _("{gb:.1f} GB free", gb=gb), _("Free some disk space soon"))
    return Check("disk", OK, _("{gb:.1f} GB free", gb=gb))


def check_clock(ctx: DoctorContext) -> Check:
    now = dt.datetime.now()
    if now.year < 2024:
        return Check(
            "clock",
            FAIL,
            _("the clock says {t}", t=now.isoformat(timespec="minutes")),
            _("Set the date and time of the PC (or enable time synchronisation)"),
        )
    offset = None
    if ctx.store is not None:
        row = ctx.store.conn.execute(
            "SELECT value FROM meta WHERE key = 'clock_offset_seconds'"
        ).fetchone()
        offset = float(row[0]) if row else None
    if offset is not None and abs(offset) > 120:
        return Check(
            "clock",
            WARN,
            _("{s:.0f} s away from the central service", s=offset),
            _("Set the PC clock; sync corrects small offsets by itself"),
        )
    return Check("clock", OK, now.isoformat(timespec="seconds"))


def check_translations(ctx: DoctorContext) -> Check:
    qm = resource_path("i18n", "station_zh_CN.qm")
    core = list(resource_path("i18n", "core").glob("*.zh_CN.json"))
    if not qm.exists() or not core:
        return Check(
            "translations",
            FAIL,
            _("Chinese translation files missing"),
            _("Reinstall the station (the translations were not built)"),
        )
    for path in core:
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return Check(
                "translations",
                FAIL,
                _("{name} is damaged", name=path.name),
                _("Reinstall the station"),
            )
    return Check("translations", OK, _("Chinese and English"))


def check_profile(ctx: DoctorContext) -> Check:
    """The station profile: loaded (which version), and whether the central service's last
    published table was refused."""
    if ctx.store is None:
        return Check(
            "profile",
            WARN,
            _("not checked (no operator given)"),
            _("Run doctor with --user and a password to check the station profile"),
        )
    from station import outbox

    profile = ctx.store.station_profile()
    if profile is None:
        return Check(
            "profile",
            FAIL,
            _("no station profile: intake refuses every community"),
            _("A technician imports the city's profile: station profile import FILE"),
        )
    detail = _(
        "version {version}, {city}: {communities} communities",
        version=profile.version,
        city=profile.city_name,
        communities=len(profile.communities),
    )
    refused = outbox.code_tables_problem(ctx.store.conn)
    if refused is not None:
        return Check(
            "profile",
            WARN,
            detail
            + "; "
            + _(
                "the central service's version {version} was refused ({code})",
                version=refused.get("version", "?"),
                code=refused.get("code", "?"),
            ),
            _("The loaded version stays in use; tell the central service's operator"),
        )
    return Check("profile", OK, detail)


CORE_CHECKS: list[CheckFn] = [
    check_version,
    check_data_dir,
    check_keyslots,
    check_database,
    check_profile,
    check_disk,
    check_clock,
    check_translations,
]


def run_checks(ctx: DoctorContext, extra: list[CheckFn] | None = None) -> list[Check]:
    results = []
    for fn in [*CORE_CHECKS, *_EXTRA, *(extra or [])]:
        t0 = time.perf_counter()
        try:
            check = fn(ctx)
        except Exception as exc:  # noqa: BLE001 - a broken check is itself a finding
            check = Check(
                getattr(fn, "__name__", "check").removeprefix("check_"),
                FAIL,
                _("the check itself failed: {why}", why=type(exc).__name__),
                _("Send the diagnostics bundle to support"),
            )
        check.ms = round((time.perf_counter() - t0) * 1000, 1)
        results.append(check)
    return results
