"""Provisioning and administration: init, user, passwd, config, audit."""

from __future__ import annotations

import argparse
from typing import Any

from station.cli.context import Context
from station.cli.parser import group
from station.errors import StationError
from station.i18n import _
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
    p = asub.add_parser("verify", help=_("check the hash chain of the audit log"))
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


def cmd_audit_verify(ctx: Context, args: argparse.Namespace) -> int:
    result = ctx.session().verify_audit()
    if result.ok:
        ctx.emit(result.to_json(), _("Audit log intact: {n} entries", n=result.count))
        return 0
    ctx.emit(result.to_json(), None)
    raise StationError(
        "audit_broken",
        _(
            "The audit log is broken at entry {seq} ({reason}); {n} entries before it verify",
            seq=result.broken_seq,
            reason=result.reason,
            n=result.count,
        ),
    )
