"""Central-service checks for ``station doctor``: reachable, this station's key accepted, clock."""

from __future__ import annotations

import datetime as dt

from station.doctor import FAIL, OK, WARN, Check, CheckFn, DoctorContext
from station.errors import StationError
from station.i18n import _


def check_central(ctx: DoctorContext) -> Check:
    if ctx.store is None:
        return Check(
            "central",
            WARN,
            _("not checked (no operator given)"),
            _("Run doctor with --user and a password to check the central service"),
        )
    from station import outbox

    if not outbox.get(ctx.store.conn, "station_id"):
        return Check(
            "central",
            WARN,
            _("this station is not enrolled"),
            _("Enrol it: station enrol --server URL --code CODE"),
        )
    from station import trust

    if trust.needs_reenrolment(ctx.store.conn):
        return Check(
            "central",
            FAIL,
            _("restored from a backup: this station sends nothing until it is enrolled again"),
            _("station enrol --server URL --code CODE, with a new code from the bureau"),
        )
    flag = trust.chain_flag(ctx.store.conn)
    if flag is not None:
        from sync.anchors import chain_broken_error

        return Check(
            "central",
            FAIL,
            chain_broken_error(flag).message,
            _(
                "Run 'station audit verify --online'; the bureau looks at 'station central "
                "chains' and gives a new enrolment code for 'station enrol'"
            ),
        )
    import requests

    from sync.client import RetryLater, SyncClient

    client = SyncClient(ctx.store, timeout=2)
    try:
        config = requests.get(client.server + "/v1/config", timeout=2).json()
        resp = client.request(
            "GET", f"/v1/stations/{client.station_id}/changes", params={"since": 10**12, "limit": 1}
        )
    except (requests.RequestException, ValueError, RetryLater):
        return Check(
            "central",
            FAIL,
            _("{server} does not answer", server=client.server),
            _("Check the network; applications stay queued meanwhile"),
        )
    except StationError as exc:
        return Check(
            "central", FAIL, exc.message, _("The station's enrolment was refused: enrol it again")
        )
    if resp.status_code != 200:
        return Check(
            "central",
            FAIL,
            _("HTTP {status}", status=resp.status_code),
            _("Send the diagnostics bundle to support"),
        )
    detail = _("{server} reachable, this station's key accepted", server=client.server)
    try:
        server_time = dt.datetime.fromisoformat(config["time"]).timestamp()
        offset = server_time - dt.datetime.now(dt.UTC).timestamp()
    except (KeyError, TypeError, ValueError):
        offset = 0.0
    if abs(offset) > 120:
        return Check(
            "central",
            WARN,
            detail + _("; clock {s:.0f} s off", s=offset),
            _("Set the PC clock; sync corrects small offsets by itself"),
        )
    return Check("central", OK, detail)


def doctor_checks() -> list[CheckFn]:
    return [check_central]


__all__ = ["doctor_checks", "check_central"]
