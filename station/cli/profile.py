"""``station profile import|show``: the station profile — the city's streets and communities
and the station's own details (station/profile/)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from station.cli.context import Context, display_width, output_path, pad, writing
from station.cli.parser import group
from station.errors import UsageError
from station.i18n import _


def register(sub: Any) -> None:
    psub = group(
        sub,
        "profile",
        _("the station profile: the city's streets and communities, the station's details"),
    )
    p = psub.add_parser(
        "import",
        help=_(
            "load the station profile from FILE.json or FILE.xlsx (technician); "
            "--template writes the XLSX to fill in"
        ),
    )
    p.add_argument("file", nargs="?", metavar="FILE", help=_("the profile: .json or .xlsx"))
    p.add_argument(
        "--template",
        metavar="FILE.xlsx",
        help=_("write the XLSX template instead (with the loaded profile, when there is one)"),
    )
    p.add_argument(
        "--force",
        action="store_true",
        help=_("load it even when its version is not newer than the loaded one"),
    )
    p.add_argument(
        "--check",
        action="store_true",
        help=_("only check the file and show what it holds; nothing is stored"),
    )
    p.set_defaults(func=cmd_import)
    p = psub.add_parser(
        "show", help=_("what is loaded: version, source, city, counts per district")
    )
    p.set_defaults(func=cmd_show)


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    from station.profile.files import read_profile, write_template

    if args.template:
        if args.file:
            raise UsageError(
                "bad_usage", _("Give either a profile FILE to import or --template, not both")
            )
        out = output_path(args.template)
        loaded = None
        if ctx.has_operator():
            store = ctx.session()
            if store.can("profile.import"):  # the loaded profile, to edit into the next version
                loaded = store.station_profile()
        with writing(out):
            write_template(out, loaded)
        ctx.emit({"template": str(out)}, _("Template written to {file}", file=out))
        return 0
    if not args.file:
        raise UsageError("no_file", _("Name the profile file to import (or use --template)"))
    profile = read_profile(Path(args.file))  # checked completely before anything is touched
    if args.check:
        doc = profile.summary()
        ctx.emit(doc, describe(doc))
        return 0
    store = ctx.session()
    detail = store.profiles.install(profile, source=args.file, force=args.force)
    info = store.profiles.info()
    ctx.emit(
        {"imported": detail, "profile": info},
        _(
            "Profile version {version} loaded ({streets} streets, {communities} communities)",
            version=detail["version"],
            streets=detail["streets"],
            communities=detail["communities"],
        )
        + "\n\n"
        + describe(info or {}),
    )
    return 0


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.session()
    info = store.profiles.info()
    if info is None:
        ctx.emit(
            {"profile": None},
            _(
                "No station profile is loaded: intake refuses every community until a technician "
                "runs 'station profile import FILE'"
            ),
        )
        return 0
    ctx.emit({"profile": info}, describe(info))
    return 0


def describe(info: dict[str, Any]) -> str:
    """``show`` for people: the facts, then one line per district."""
    station = info.get("station") or {}
    facts = [
        (_("Version"), info.get("version")),
        (_("Source"), _origin(info)),
        (_("Loaded"), f"{info.get('imported_at', '')} {info.get('imported_by') or ''}".strip()),
        (_("City"), f"{info.get('city_name', '')} ({info.get('city', '')})"),
        (_("Station name"), station.get("name")),
        (_("Station address"), station.get("address")),
        (_("Station phone"), station.get("phone")),
        (
            _("Streets and communities"),
            _(
                "{streets} streets, {communities} communities",
                streets=info.get("streets", 0),
                communities=info.get("communities", 0),
            ),
        ),
    ]
    rows = [(label, str(value)) for label, value in facts if value not in (None, "", " ()")]
    width = max(display_width(label) for label, _v in rows)
    lines = [f"{pad(label, width)}  {value}" for label, value in rows]
    for d in info.get("districts") or []:
        lines.append(
            "  "
            + _(
                "{name} ({code}): {streets} streets, {communities} communities",
                name=d["name"],
                code=d["district"],
                streets=d["streets"],
                communities=d["communities"],
            )
        )
    return "\n".join(lines)


def _origin(info: dict[str, Any]) -> str | None:
    origin = info.get("origin")
    if origin is None:
        return None
    label = {
        "file": _("file"),
        "central": _("central service"),
        "demo": _("demo table"),
    }.get(origin, origin)
    return f"{label}: {info.get('source', '')}"


__all__ = ["register", "describe"]
