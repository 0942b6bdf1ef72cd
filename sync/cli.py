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
        "sync",
        help=_(
            "send pending applications and pull status changes; prints counts. One sync per "
            "station at a time: a second one waits for the running one (exit 6 if it is still "
            "running after 15 minutes)"
        ),
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
    lines = [_("Enrolled as {id}", id=result["station_id"])]
    if result["superseded"]:
        lines.append(
            _(
                "The central service retired {n} earlier enrolment(s) of this station code: "
                "the PC(s) they belonged to can no longer send anything",
                n=len(result["superseded"]),
            )
        )
    if result.get("recovery_code"):
        lines.append(
            _(
                "The station's signing key is now in the technicians' vault. NEW RECOVERY CODE "
                "(the old one no longer opens the vault; print it and keep it locked away):"
                "\n\n    {recovery}\n",
                recovery=result["recovery_code"],
            )
        )
    if result.get("to_reset"):
        lines.append(
            _(
                "These operators cannot log in until a technician resets their password "
                "('station user reset-password NAME'): {names}",
                names=", ".join(result["to_reset"]),
            )
        )
    ctx.emit(result, "\n".join(lines))
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
    ("to_reprint", N_("Renumbered: receipts to print again")),
    ("exported", N_("Exported, waiting for the service's answer")),
    ("last_success", N_("Last successful sync")),
    ("last_error", N_("Last error")),
    ("code_tables_refused", N_("Code tables of the central service refused")),
)


BLOCKED = {
    "reenrol_required": N_(
        "stopped: restored from a backup, a technician enrols this station again"
    ),
    "chain_broken": N_(
        "stopped: the central service found the audit log gone backwards or rewritten; a "
        "technician checks it and the bureau enrols the station again"
    ),
}


# What the service's refusal codes mean, for the records listed by ``station sync --status``
# (the desktop's sync view has the same words in ui/models.py).
REASONS = {
    "record_too_large": N_(
        "set aside: the record is larger than the service accepts (its photo?); take the photo "
        "again and save"
    ),
    "photo_too_large": N_("the photo is larger than the service accepts: take the photo again"),
    "photo_not_jpeg": N_("the photo is not a JPEG picture: take the photo again"),
    "photo_missing": N_("the photo did not arrive with the record"),
    "photo_quality": N_("the photo does not meet the card standard"),
    "address_unknown": N_("the address could not be verified"),
    "conflict": N_("the service holds another version of this record"),
}


def reason_text(item: dict[str, Any]) -> str:
    """One listed record's refusal in words (the code itself when it has none)."""
    code = item["code"] or item["state"]
    words = _(REASONS[code]) if code in REASONS else code
    return f"{words} ({item['field']})" if item["field"] and code not in REASONS else words


def status_text(summary: dict[str, Any]) -> str:
    """``station sync --status`` for people: translated labels; empty values left out; then
    each record needing a correction with the reason."""
    rows = [
        (_(label), summary[key])
        for key, label in STATUS_LABELS
        if summary.get(key) not in (None, "") and not (key == "exported" and not summary[key])
    ]
    if summary.get("blocked"):
        rows.insert(0, (_("Sync"), _(BLOCKED.get(summary["blocked"], summary["blocked"]))))
    from station.cli.context import display_width, pad

    width = max(display_width(label) for label, _v in rows)
    lines = [f"{pad(label, width)}  {value}" for label, value in rows]
    lines += [f"  {item['number']}  {reason_text(item)}" for item in summary.get("records", [])]
    return "\n".join(lines)


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
    if counts.get("renumbered"):
        lines.append(
            _(
                "Renumbered because the central service held their number: {n}; print their "
                "receipts again (see 'station sync --status')",
                n=counts["renumbered"],
            )
        )
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
    from sync.lock import one_sync_at_a_time

    store = ctx.session()
    store.require("sync.run")
    if args.export:
        from pathlib import Path

        from sync.export import export

        with one_sync_at_a_time(store):  # not while a sync sends the same batches
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
        summary["records"] = outbox.needing_action(store.conn)
        ctx.emit(summary, status_text(summary))
        return 0
    client = SyncClient(store)
    try:
        with one_sync_at_a_time(store):  # a second sync waits: nothing is sent twice
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
    for extra in ("handovers", "renumbered"):  # cli.md fixes the shape of this output
        counts.pop(extra, None)
    ctx.emit(counts, human)
    return 0


def cmd_handover(ctx: Context, args: argparse.Namespace) -> int:
    from station import desk, outbox
    from sync.client import RetryLater, SyncClient
    from sync.lock import SyncBusy, one_sync_at_a_time

    store = ctx.session()
    done = desk.record_handover(store, args.ref, id_checked=False)
    sent = False
    if outbox.get(store.conn, "station_id"):
        try:
            with one_sync_at_a_time(store, wait=0):
                sent = SyncClient(store).send_handovers() > 0
        except (RetryLater, SyncBusy):  # the running or the next sync reports it
            sent = False
    ctx.emit(
        dict(done, sent=sent),
        _("Handover recorded")
        if sent
        else _("Handover recorded; it goes to the central service with the next sync"),
    )
    return 0


__all__ = ["register", "status_text", "sync_text"]
