"""The desktop application and the demo."""

from __future__ import annotations

import argparse
from typing import Any

from station.cli.context import Context
from station.i18n import _


def register(sub: Any) -> None:
    p = sub.add_parser("gui", help=_("open the desktop application (the default)"))
    p.set_defaults(func=run_gui)
    p = sub.add_parser(
        "demo",
        help=_(
            "throwaway station with demo operators, synthetic applications and simulated devices"
        ),
    )
    p.add_argument("--records", type=int, default=300, help=_("synthetic applications to create"))
    p.add_argument("--keep", metavar="DIR", help=_("use this folder instead of a temporary one"))
    p.add_argument(
        "--no-window",
        action="store_true",
        help=_("set up the demo station and exit (prints the folder)"),
    )
    p.add_argument(
        "--no-central", action="store_true", help=_("do not start the reference central service")
    )
    p.set_defaults(func=cmd_demo)


def run_gui(ctx: Context, args: argparse.Namespace) -> int:
    from ui.app import run

    return run(ctx.station())


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from station.demo import DemoStation

    with DemoStation(args.keep, records=args.records) as demo:
        ctx.message(demo.describe())
        central = None if args.no_central else start_central(demo)
        try:
            if central is not None:
                ctx.message(
                    _(
                        "Reference central service: {url} (database {db}); move "
                        "applications through production with: station central produce "
                        "--db {db} --all",
                        url=central["url"],
                        db=central["db"],
                    )
                )
            if args.no_window:
                ctx.emit(
                    {
                        "data_dir": str(demo.data_dir),
                        "operators": demo.operators,
                        "central": {k: v for k, v in (central or {}).items() if k != "process"},
                    },
                    str(demo.data_dir),
                )
                return 0
            from ui.app import run

            return run(demo.station, demo.hint())
        finally:
            if central is not None:
                central["process"].terminate()
                central["process"].wait(10)


def start_central(demo: Any) -> dict[str, Any]:
    """The reference central service on loopback for the demo, with the station enrolled."""
    import socket
    import subprocess
    import sys
    import time

    import requests

    from station.demo import PASSWORD
    from sync.client import enrol
    from sync.server.store import CentralStore

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = str(demo.data_dir / "central-demo.db")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync.server", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(url + "/v1/config", timeout=1)
            break
        except requests.RequestException:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.terminate()
                raise
            time.sleep(0.2)
    with demo.station.login("tech", PASSWORD) as tech:
        from station import outbox

        if not outbox.get(tech.conn, "station_id"):
            enrol(tech, url, CentralStore(db).new_enrol_code())
        else:
            with tech.transaction():
                outbox.put(tech.conn, "server", url)
        tech.config_set("sync.interval_minutes", "1")
    return {"url": url, "db": db, "process": proc}
