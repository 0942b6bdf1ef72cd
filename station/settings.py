"""The station's settings (``station config``): known keys, their checks and defaults.

Settings live in the encrypted database (``config`` table) because some are secrets (the
endorsement key, the sync private key lives elsewhere). Unknown keys are refused so that a typo
does not silently configure nothing.

Each setting names the permission that may change it (enforced by ``store.config``, for the
command line and the desktop alike): the machine's settings are the technician's
(``config.write``); the figures the reports measure against — the population estimates, the
targets, the coordinators per community — are the supervisor's (``config.report``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from station.errors import FieldError, ValidationError
from station.i18n import N_, _


@dataclass(frozen=True)
class Setting:
    key: str
    help: str
    default: str | None = None
    check: Callable[[str], bool] = lambda v: True
    problem: str = N_("invalid value")
    secret: bool = False
    read_only: bool = False
    permission: str = "config.write"


def _int_range(lo: int, hi: int) -> Callable[[str], bool]:
    return lambda v: v.isdigit() and lo <= int(v) <= hi


def _choice(*options: str) -> Callable[[str], bool]:
    return lambda v: v in options


REPORT = "config.report"  # the supervisor's settings: what the reports measure against
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_URL = re.compile(r"^https?://[^\s/]+(:\d+)?(/\S*)?$")

SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in [
        Setting("station.code", N_("the intake point's 12-digit code"), read_only=True),
        Setting(
            "station.city",
            N_("4-digit city code of the station"),
            "4501",
            lambda v: bool(re.fullmatch(r"\d{4}", v)),
            N_("4 digits"),
        ),
        Setting("station.name", N_("station name printed on receipts"), ""),
        Setting("station.address", N_("station address printed on receipts"), ""),
        Setting("station.phone", N_("station phone printed on receipts"), ""),
        Setting(
            "permit.endorse_key",
            N_("endorsement key K_endorse, 32 hex digits"),
            None,
            lambda v: bool(_HEX32.match(v)),
            N_("32 hexadecimal digits"),
            secret=True,
        ),
        Setting("permit.driver", N_("permit card reader driver (pcsc, sim)"), "pcsc"),
        Setting("permit.reader", N_("PC/SC reader name (empty: the first one)"), ""),
        Setting("idreader.driver", N_("ID card reader driver (serial, sim)"), "serial"),
        Setting("idreader.port", N_("serial port of the ID card reader"), ""),
        Setting(
            "idreader.baud",
            N_("serial speed of the ID card reader"),
            "115200",
            _choice("9600", "19200", "38400", "57600", "115200"),
            N_("one of 9600, 19200, 38400, 57600, 115200"),
        ),
        Setting("camera.driver", N_("camera driver (opencv, sim)"), "opencv"),
        Setting("camera.device", N_("camera index, device path or video file"), "0"),
        Setting(
            "sync.server",
            N_("URL of the central card-production service"),
            None,
            lambda v: bool(_URL.match(v)),
            N_("an http(s) URL"),
        ),
        Setting(
            "sync.interval_minutes",
            N_("minutes between automatic syncs"),
            "10",
            _int_range(1, 1440),
            N_("a whole number from 1 to 1440"),
        ),
        Setting(
            "retention.days",
            N_("days to keep personal data after the card is collected"),
            "90",
            _int_range(0, 3650),
            N_("a whole number from 0 to 3650"),
        ),
        Setting(
            "receipt.pickup_days",
            N_("days until the promised pickup date"),
            "15",
            _int_range(1, 90),
            N_("a whole number from 1 to 90"),
        ),
        Setting(
            "ui.idle_lock_minutes",
            N_("minutes of inactivity before the screen locks"),
            "5",
            _int_range(1, 240),
            N_("a whole number from 1 to 240"),
        ),
        Setting(
            "ui.language",
            N_("interface language (zh_CN, en)"),
            "zh_CN",
            _choice("zh_CN", "en"),
            N_("zh_CN or en"),
        ),
        Setting(
            "report.coverage_target",
            N_("registration coverage target in percent"),
            "90",
            _int_range(1, 100),
            N_("a whole number from 1 to 100"),
            permission=REPORT,
        ),
        Setting(
            "report.target_accuracy",
            N_("target in percent: applications accepted centrally at the first attempt"),
            "95",
            _int_range(1, 100),
            N_("a whole number from 1 to 100"),
            permission=REPORT,
        ),
        Setting(
            "report.target_referral_delivery",
            N_("target in percent: 7+1 referrals delivered"),
            "80",
            _int_range(1, 100),
            N_("a whole number from 1 to 100"),
            permission=REPORT,
        ),
        Setting(
            "report.estimated_population",
            N_("estimated floating population of the station's area (for coverage)"),
            "",
            lambda v: v == "" or (v.isdigit() and int(v) > 0),
            N_("a positive whole number"),
            permission=REPORT,
        ),
        Setting(
            "report.community_population",
            N_("estimated floating population per community, as name=number;name=number"),
            "",
            lambda v: v == "" or community_population(v) is not None,
            N_("name=number pairs separated by ';', numbers positive"),
            permission=REPORT,
        ),
        Setting(
            "report.community_coordinators",
            N_("coordinators serving each community, as name=number;name=number"),
            "",
            lambda v: v == "" or community_population(v) is not None,
            N_("name=number pairs separated by ';', numbers positive"),
            permission=REPORT,
        ),
        Setting(
            "report.staff_ratio",
            N_("registered floating population one coordinator serves at most (1:500)"),
            "500",
            _int_range(1, 100000),
            N_("a whole number from 1 to 100000"),
            permission=REPORT,
        ),
        Setting("backup.folder", N_("folder for the daily backup"), ""),
    ]
}


def community_population(value: str) -> dict[str, int] | None:
    """Parse ``幸福社区=1200;光明社区=800``; None when malformed."""
    out: dict[str, int] = {}
    for part in value.replace("；", ";").split(";"):
        if not part.strip():
            continue
        name, sep, number = part.replace("＝", "=").partition("=")
        name, number = name.strip(), number.strip()
        if not sep or not name or not number.isdigit() or int(number) <= 0 or name in out:
            return None
        out[name] = int(number)
    return out


def check_setting(key: str, value: str, *, internal: bool = False) -> None:
    setting = SETTINGS.get(key)
    field = "config." + key
    if setting is None:
        import difflib

        close = difflib.get_close_matches(key, list(SETTINGS), n=1)
        message = _("Unknown setting; 'station config set --help' lists the known ones")
        if close:
            message += " " + _("(did you mean {key}?)", key=close[0])
        raise ValidationError([FieldError(field, "unknown_setting", message)])
    if setting.read_only and not internal:
        raise ValidationError(
            [FieldError(field, "read_only", _("This setting is fixed at provisioning"))]
        )
    if not setting.check(value):
        raise ValidationError([FieldError(field, "invalid_value", _(setting.problem))])
