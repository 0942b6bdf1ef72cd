"""The desktop layer's commands: ``station gui`` (also ``station`` alone), ``station demo``,
``station app receipt`` (the receipt is drawn with Qt) and the ``ui`` benchmark. Registered
through the ``station.commands`` entry-point group, so that the core never imports this layer.
Qt is imported inside the handlers."""

from __future__ import annotations

import argparse
from typing import Any

from station.cli.context import Context, output_path, writing
from station.cli.parser import group
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
    p.add_argument(
        "--keep",
        metavar="DIR",
        help=_("use this folder instead of a temporary one, and keep it after exit"),
    )
    p.add_argument(
        "--no-window",
        action="store_true",
        help=_("set up the demo station and exit (prints the folder)"),
    )
    p.add_argument(
        "--no-central", action="store_true", help=_("do not start the reference central service")
    )
    p.set_defaults(func=cmd_demo)
    p = group(sub, "app").add_parser(
        "receipt", help=_("write the intake receipt of an application again, as PDF")
    )
    p.add_argument("ref", metavar="REF", help=_("uuid or application number"))
    p.add_argument("--out", required=True, metavar="FILE.pdf", help=_("the PDF file to write"))
    p.set_defaults(func=cmd_receipt)
    from station.cli.bench import add_records_options, bench_folder, benchmarks, command, progress

    p = benchmarks(sub).add_parser(
        "ui", help=_("the desktop's response times in a large station (offscreen)")
    )
    add_records_options(p, _("key presses timed"))

    def bench(args: argparse.Namespace) -> dict[str, Any]:
        from ui.bench import bench_ui

        with bench_folder(args) as folder:
            result: dict[str, Any] = bench_ui(folder, args.records, args.samples, progress)
        return result

    p.set_defaults(func=command(bench))


def run_gui(ctx: Context, args: argparse.Namespace) -> int:
    from ui.app import run

    return run(ctx.station())


def cmd_receipt(ctx: Context, args: argparse.Namespace) -> int:
    from station.receipt import receipt_data
    from ui.receipt import save_pdf
    from ui.report_pdf import rendering_app

    out = output_path(args.out)
    store = ctx.session()
    store.require("app.view")
    data = receipt_data(store, args.ref)
    rendering_app()
    with writing(out):
        save_pdf(data, out)
    store.audit("app.receipt", data["uuid"])
    ctx.emit(
        {"out": str(out), "number": data["number"], "uuid": data["uuid"]},
        _("Receipt of application {number} written to {out}", number=data["number"], out=out),
    )
    return 0


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from station.demo import DemoStation

    with DemoStation(args.keep, records=args.records) as demo:
        ctx.message(demo.describe())
        central = None if args.no_central else start_central(ctx, demo)
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


def start_central(ctx: Context, demo: Any) -> dict[str, Any] | None:
    """The reference central service on loopback for the demo, with the station enrolled;
    None (and a message) when this installation lacks it (the ``central`` extra)."""
    import importlib.util
    import socket
    import subprocess
    import sys
    import time

    import requests

    from station.demo import PASSWORD
    from sync.client import enrol

    missing = [m for m in ("starlette", "uvicorn") if importlib.util.find_spec(m) is None]
    if missing or getattr(sys, "frozen", False):
        ctx.message(
            _(
                "The demo runs without the reference central service: it needs the 'central' "
                "extra (pip install 'intake-station[central]')"
            )
        )
        return None
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
    from station.profile.demo import demo_profile
    from sync.server.tables import publish

    publish(CentralStore(db), demo_profile("4501"))  # the service checks against the demo table
    with demo.station.login("tech", PASSWORD) as tech:
        from station import outbox

        if not outbox.get(tech.conn, "station_id"):
            enrol(tech, url, CentralStore(db).new_enrol_code())
        else:
            with tech.transaction():
                outbox.put(tech.conn, "server", url)
        tech.config_set("sync.interval_minutes", "1")
    return {"url": url, "db": db, "process": proc}


__all__ = ["register", "start_central"]
