"""Provisioning and administration: init, user, passwd, config, audit."""

from __future__ import annotations

import argparse
from typing import Any

from station.cli.context import Context
from station.cli.parser import group
from station.errors import StationError
from station.i18n import N_, _
from station.roles import COORDINATOR, SUPERVISOR, TECHNICIAN


def _role(role: str) -> str:
    from station.roles import role_label

    return role_label(role)


def settings_help() -> str:
    """Every setting with what it is for (``station config … --help``)."""
    from station.settings import SETTINGS

    width = max(len(k) for k in SETTINGS)
    return (
        _("Settings:")
        + "\n"
        + "\n".join(f"  {key:<{width}}  {_(s.help)}" for key, s in SETTINGS.items())
    )


def register(sub: Any) -> None:
    p = sub.add_parser(
        "init", help=_("create the station: database, first technician, recovery code")
    )
    p.add_argument(
        "--station-code", required=True, metavar="CODE", help=_("the intake point's 12-digit code")
    )
    p.add_argument("--admin", required=True, metavar="NAME", help=_("the first technician"))
    p.add_argument("--city", default="4501", help=_("4-digit city code (default 4501)"))
    p.set_defaults(func=cmd_init)

    usub = group(sub, "user", _("manage operators (technician)"))
    p = usub.add_parser(
        "add",
        help=_(
            "add an operator; your password from $STATION_PASSWORD, the new operator's from "
            "$STATION_NEW_PASSWORD (or prompts)"
        ),
    )
    p.add_argument("name")
    p.add_argument(
        "--role",
        required=True,
        choices=(COORDINATOR, SUPERVISOR, TECHNICIAN),
        help=_(
            "coordinator ({c}), supervisor ({s}) or technician ({t})",
            c=_role(COORDINATOR),
            s=_role(SUPERVISOR),
            t=_role(TECHNICIAN),
        ),
    )
    p.set_defaults(func=cmd_user_add)
    p = usub.add_parser("list", help=_("list operators"))
    p.set_defaults(func=cmd_user_list)
    p = usub.add_parser("disable", help=_("disable an operator and remove their key slot"))
    p.add_argument("name")
    p.set_defaults(func=cmd_user_disable)
    p = usub.add_parser(
        "reset-password", help=_("set a new password for an operator; from $STATION_NEW_PASSWORD")
    )
    p.add_argument("name")
    p.set_defaults(func=cmd_user_reset)

    p = sub.add_parser("passwd", help=_("change your own password"))
    p.set_defaults(func=cmd_passwd)

    cfg = sub.add_parser("config", help=_("station settings (technician)"), epilog_fn=settings_help)
    csub = cfg.add_subparsers(dest="config_command", required=True, metavar=_("ACTION"))
    p = csub.add_parser("set", help=_("set a setting"), epilog_fn=settings_help)
    p.add_argument("key", help=_("one of the settings below"))
    p.add_argument("value")
    p.set_defaults(func=cmd_config_set)
    p = csub.add_parser("get", help=_("show a setting"), epilog_fn=settings_help)
    p.add_argument("key")
    p.set_defaults(func=cmd_config_get)
    p = csub.add_parser("list", help=_("show every setting with what it is for"))
    p.set_defaults(func=cmd_config_list)

    asub = group(sub, "audit", _("the audit log"))
    p = asub.add_parser(
        "verify",
        help=_(
            "check the audit log: its hash chain, each entry's signature, the central "
            "service's receipts, and (when enrolled and reachable) every head the service kept"
        ),
    )
    p.add_argument(
        "--online",
        action="store_true",
        help=_("require the comparison with the central service (exit 6 when it cannot be asked)"),
    )
    p.set_defaults(func=cmd_audit_verify)


def cmd_init(ctx: Context, args: argparse.Namespace) -> int:
    station = ctx.station()
    password = ctx.new_password("STATION_PASSWORD")
    code = station.init(args.station_code, args.admin, password, args.city)
    ctx.emit(
        {"station_code": args.station_code, "recovery_code": code},
        _(
            "Station {code} created in {folder}.\n\nRECOVERY CODE (shown only once; print it "
            "and keep it locked away):\n\n    {recovery}\n",
            code=args.station_code,
            folder=ctx.data_dir,
            recovery=code,
        ),
    )
    return 0


def cmd_user_add(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.session()
    store.require("user.manage")
    store.add_operator(args.name, args.role, ctx.new_password())
    ctx.emit(
        {"name": args.name, "role": args.role},
        _("Operator {name} added as {role}", name=args.name, role=_role(args.role)),
    )
    return 0


def cmd_user_list(ctx: Context, args: argparse.Namespace) -> int:
    from station.cli.context import pad

    ops = ctx.session().list_operators()
    lines = [
        f"{pad(o['name'], 20)} {pad(_role(o['role']), 12)} {'' if o['active'] else _('disabled')}"
        + (f" {_('locked until')} {o['locked_until']}" if o["locked_until"] else "")
        for o in ops
    ]
    ctx.emit({"operators": ops}, "\n".join(lines))
    return 0


def cmd_user_disable(ctx: Context, args: argparse.Namespace) -> int:
    ctx.session().disable_operator(args.name)
    ctx.emit({"name": args.name, "active": False}, _("Operator {name} disabled", name=args.name))
    return 0


def cmd_user_reset(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.session()
    store.require("user.manage")
    store.reset_password(args.name, ctx.new_password())
    ctx.emit({"name": args.name}, _("Password of {name} changed", name=args.name))
    return 0


def cmd_passwd(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.session()
    store.change_password(ctx.password(), ctx.new_password())
    ctx.emit({"name": store.operator}, _("Password changed"))
    return 0


def cmd_config_set(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.session()
    store.config_set(args.key, args.value)
    ctx.emit({"key": args.key, "value": store.config_show(args.key)}, _("{key} set", key=args.key))
    return 0


def cmd_config_get(ctx: Context, args: argparse.Namespace) -> int:
    value = ctx.session().config_show(args.key)
    ctx.emit({"key": args.key, "value": value}, "" if value is None else value)
    return 0


def cmd_config_list(ctx: Context, args: argparse.Namespace) -> int:
    from station.settings import SETTINGS

    values = ctx.session().config_all()
    lines = []
    for key, value in values.items():
        setting = SETTINGS.get(key)
        lines.append(f"{key} = {'' if value is None else value}")
        if setting is not None:
            lines.append(f"    {_(setting.help)}")
    ctx.emit(values, "\n".join(lines))
    return 0


# What a broken entry means, for the technician who reads it.
BROKEN_REASONS = {
    "missing": N_("an entry is missing"),
    "chain": N_("an entry was inserted or removed"),
    "edited": N_("an entry was edited"),
    "truncated": N_("the newest entries were removed"),
    "unsigned": N_("an unsigned entry after signing began (not written by the station)"),
    "signer": N_("signed by a key that is not its operator's certified key"),
    "role": N_("a technician's act signed by an operator who is not a technician"),
    "signature": N_("its signature does not verify"),
    "station_key": N_("the station keys were changed outside the station"),
    "receipt": N_("a receipt of the central service does not verify"),
    "rewritten": N_("the entry differs from the head the central service receipted"),
    "went_backwards": N_("the central service saw a longer audit log than this one"),
}


def _online(store: Any, required: bool) -> dict[str, Any] | None:
    """The comparison with the heads the central service kept; None when it was not asked."""
    from station import audit, plugins
    from station.errors import CentralError, UsageError

    entry = next(iter(plugins.entries(plugins.AUDIT_ANCHORS)), None)
    if entry is None:
        if required:
            raise StationError("no_sync", _("This station has no central-service layer"))
        return None
    try:
        found = entry.load()(store)
    except CentralError as exc:
        if required:
            raise
        return {"checked": False, "why": exc.message}
    if found is None:
        if required:
            raise UsageError(
                "not_enrolled",
                _(
                    "This station is not enrolled with the central service: a technician runs "
                    "'station enrol --server URL --code CODE'"
                ),
            )
        return None
    matched, problem = audit.check_heads(store.conn, found["heads"])
    return {
        "checked": True,
        "heads": len(found["heads"]),
        "matched": matched,
        "state": found["state"],
        "problem": problem,
    }


def cmd_audit_verify(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.session()
    result = store.verify_audit()
    online = _online(store, args.online)
    out = result.to_json()
    if online is not None:
        out["online"] = online
    if not result.ok:
        ctx.emit(out, None)
        raise StationError(
            "audit_broken",
            _(
                "The audit log is broken at entry {seq}: {reason}; {n} entries before it verify",
                seq=result.broken_seq,
                reason=_(BROKEN_REASONS.get(result.reason or "", result.reason or "?")),
                n=result.count,
            ),
        )
    if (
        online is not None
        and online.get("checked")
        and (online["problem"] or online["state"] != "ok")
    ):
        out["ok"] = False
        ctx.emit(out, None)
        kind, _sep, seq = (online["problem"] or f"{online['state']}:?").partition(":")
        raise StationError(
            "audit_broken",
            _(
                "The audit log contradicts the central service at entry {seq}: {reason}",
                seq=seq,
                reason=_(BROKEN_REASONS.get(kind, kind)),
            ),
        )
    lines = [
        _(
            "Audit log intact: {n} entries ({signed} signed, {unsigned} from before signing); "
            "{anchors} receipt(s) of the central service match",
            n=result.count,
            signed=result.signed,
            unsigned=result.unsigned,
            anchors=result.anchors,
        )
    ]
    if online is None:
        lines.append(_("Not compared with the central service (not enrolled)"))
    elif not online["checked"]:
        lines.append(_("Not compared with the central service: {why}", why=online["why"]))
    else:
        lines.append(
            _(
                "All {n} head(s) the central service kept match this audit log",
                n=online["heads"],
            )
        )
    ctx.emit(out, "\n".join(lines))
    return 0
