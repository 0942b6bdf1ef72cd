"""``station enrol`` and ``station sync``: the station's side of the central service."""

from __future__ import annotations

import argparse
import json
from typing import Any

from station.cli.context import Context
from station.errors import CentralError
from station.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("enrol", help=_("enrol this station with the central service (technician)"))
    p.add_argument("--server", required=True, metavar="URL")
    p.add_argument("--code", required=True, metavar="CODE", help=_("the one-time enrolment code"))
    p.set_defaults(func=cmd_enrol)
    p = sub.add_parser(
        "sync", help=_("send pending applications and pull status changes; prints counts")
    )
    p.add_argument("--once", action="store_true", help=_("one round, no retries"))
    p.add_argument("--status", action="store_true", help=_("only show the sync state"))
    p.set_defaults(func=cmd_sync)
    p = sub.add_parser("handover", help=_("record that a produced card was handed over"))
    p.add_argument("ref", metavar="REF", help=_("uuid or application number"))
    p.set_defaults(func=cmd_handover)


def cmd_enrol(ctx: Context, args: argparse.Namespace) -> int:
    from sync.client import enrol

    result = enrol(ctx.session(), args.server, args.code)
    ctx.emit(result, _("Enrolled as {id}", id=result["station_id"]))
    return 0


def cmd_sync(ctx: Context, args: argparse.Namespace) -> int:
    from station import outbox
    from sync.client import RetryLater, SyncClient

    store = ctx.session()
    store.require("sync.run")
    if args.status:
        summary = outbox.summary(store.conn)
        ctx.emit(summary, "\n".join(f"{k}: {v}" for k, v in summary.items()))
        return 0
    client = SyncClient(store)
    try:
        counts = client.sync_once() if args.once else client.run(max_attempts=4)
    except RetryLater as exc:
        raise CentralError(
            "unreachable",
            _(
                "The central service is unreachable or failing ({why}); the applications stay "
                "queued and go out with the next sync",
                why=exc.why,
            ),
        ) from exc
    counts.pop("handovers", None)  # cli.md fixes the shape of this output
    ctx.emit(counts, json.dumps(counts))
    return 0


def cmd_handover(ctx: Context, args: argparse.Namespace) -> int:
    from station import desk, outbox
    from sync.client import RetryLater, SyncClient

    store = ctx.session()
    done = desk.record_handover(store, args.ref, id_checked=False)
    sent = False
    if outbox.get(store.conn, "station_id"):
        try:
            sent = SyncClient(store).send_handovers() > 0
        except RetryLater:
            sent = False
    ctx.emit(
        dict(done, sent=sent),
        _("Handover recorded")
        if sent
        else _("Handover recorded; it goes to the central service with the next sync"),
    )
    return 0
