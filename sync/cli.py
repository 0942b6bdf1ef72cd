"""The sync layer's commands: ``station enrol``, ``station sync``, ``station handover`` (the
station's side of the central service) and ``station central …`` (the reference service, a
development tool), with the ``sync`` benchmark. Registered through the ``station.commands``
entry-point group, so that the core never imports this layer.
"""

from __future__ import annotations

import argparse
from typing import Any

from station.cli.context import Context
from station.errors import CentralError
from station.i18n import N_, _


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
    p.add_argument(
        "--export",
        metavar="DIR",
        help=_(
            "no network: write the pending batches and handovers to DIR (a USB stick), sealed "
            "for the central service, which takes them in with 'station central import'"
        ),
    )
    p.set_defaults(func=cmd_sync)
    p = sub.add_parser("handover", help=_("record that a produced card was handed over"))
    p.add_argument("ref", metavar="REF", help=_("uuid or application number"))
    p.set_defaults(func=cmd_handover)
    from sync.central_cli import register as register_central

    register_central(sub)
    from station.cli.bench import benchmarks, command

    p = benchmarks(sub).add_parser(
        "sync",
        help=_(
            "applications with photos from a fresh outbox to accepted, against the reference "
            "service on loopback"
        ),
    )
    p.add_argument("--records", type=int, default=10_000, help=_("applications to send"))
    p.set_defaults(func=command(_bench_sync))


def _bench_sync(args: argparse.Namespace) -> dict[str, Any]:
    from sync.bench import bench_sync

    return bench_sync(n=args.records)


def cmd_enrol(ctx: Context, args: argparse.Namespace) -> int:
    from sync.client import enrol

    result = enrol(ctx.session(), args.server, args.code)
    ctx.emit(result, _("Enrolled as {id}", id=result["station_id"]))
    return 0


# The sync state for people: label of each count of ``outbox.summary``, in display order.
STATUS_LABELS = (
    ("photo_needed", N_("Waiting for a photo (not sent until one is added)")),
    ("pending", N_("Waiting to be sent")),
    ("in_flight", N_("Being sent")),
    ("accepted", N_("Accepted centrally")),
    ("duplicate", N_("Already at the central service (duplicate)")),
    ("conflict", N_("Conflicts")),
    ("rejected", N_("Rejected")),
    ("rejected_in_production", N_("Rejected in production (after acceptance)")),
    ("needs_action", N_("Needing a correction")),
    ("ready_for_pickup", N_("Cards ready for pickup")),
    ("exported", N_("Exported, waiting for the service's answer")),
    ("last_success", N_("Last successful sync")),
    ("last_error", N_("Last error")),
    ("code_tables_refused", N_("Code tables of the central service refused")),
)


def status_text(summary: dict[str, Any]) -> str:
    """``station sync --status`` for people: translated labels; empty values left out."""
    rows = [
        (_(label), summary[key])
        for key, label in STATUS_LABELS
        if summary.get(key) not in (None, "") and not (key == "exported" and not summary[key])
    ]
    from station.cli.context import display_width, pad

    width = max(display_width(label) for label, _v in rows)
    return "\n".join(f"{pad(label, width)}  {value}" for label, value in rows)


def sync_text(counts: dict[str, int]) -> str:
    """What one ``station sync`` did, in sentences."""
    lines = [
        _(
            "Sent {sent} application(s): {accepted} accepted, {duplicate} already there, "
            "{conflict} in conflict, {rejected} rejected",
            **{k: counts.get(k, 0) for k in ("sent", "accepted", "duplicate", "conflict")},
            rejected=counts.get("rejected", 0),
        ),
        _("Still waiting to be sent: {n}", n=counts.get("pending", 0)),
        _("Status changes received: {n}", n=counts.get("events", 0)),
    ]
    if counts.get("handovers"):
        lines.append(_("Handovers reported: {n}", n=counts["handovers"]))
    if counts.get("rejected") or counts.get("conflict"):
        lines.append(
            _(
                "Rejected applications need a correction: see 'station sync --status' and the "
                "desktop's sync page"
            )
        )
    return "\n".join(lines)


def cmd_sync(ctx: Context, args: argparse.Namespace) -> int:
    from station import outbox
    from sync.client import RetryLater, SyncClient

    store = ctx.session()
    store.require("sync.run")
    if args.export:
        from pathlib import Path

        from sync.export import export

        done = export(store, Path(args.export))
        if done["manifest"] is None:
            ctx.emit(done, _("Nothing to export: no application or handover is waiting"))
            return 0
        ctx.emit(
            done,
            _(
                "{batches} batch(es) with {records} application(s) and {handovers} handover(s) "
                "written to {folder} ({manifest}); the central service takes them in with "
                "'station central import'",
                **{k: done[k] for k in ("batches", "records", "handovers", "folder", "manifest")},
            ),
        )
        return 0
    if args.status:
        summary = outbox.summary(store.conn)
        ctx.emit(summary, status_text(summary))
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
    human = sync_text(counts)
    counts.pop("handovers", None)  # cli.md fixes the shape of this output
    ctx.emit(counts, human)
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


__all__ = ["register", "status_text", "sync_text"]
