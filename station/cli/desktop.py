"""The desktop application and the demo."""

from __future__ import annotations

import argparse
from typing import Any

from station.cli.context import Context
from station.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("gui", help=_("open the desktop application (the default)"))
    p.set_defaults(func=run_gui)
    p = sub.add_parser("demo", help=_(
        "throwaway station with demo operators, synthetic applications and simulated devices"))
    p.add_argument("--records", type=int, default=300, help=_("synthetic applications to create"))
    p.add_argument("--keep", metavar="DIR", help=_("use this folder instead of a temporary one"))
    p.add_argument("--no-window", action="store_true",
                   help=_("set up the demo station and exit (prints the folder)"))
    p.set_defaults(func=cmd_demo)


def run_gui(ctx: Context, args: argparse.Namespace) -> int:
    from ui.app import run

    return run(ctx.station())


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from station.demo import DemoStation

    with DemoStation(args.keep, records=args.records) as demo:
        ctx.message(demo.describe())
        if args.no_window:
            ctx.emit({"data_dir": str(demo.data_dir), "operators": demo.operators},
                     str(demo.data_dir))
            return 0
        from ui.app import run

        return run(demo.station, demo.hint())
