"""``station bench NAME``: the benchmarks of every part, printed as figures."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from station.cli.context import Context
from station.errors import UsageError
from station.i18n import _

NAMES = ("store", "search", "card", "camera", "sync", "report", "startup", "ui")


def register(sub: Any) -> None:
    p = sub.add_parser("bench", help=_("run a benchmark and print its figures"))
    p.add_argument("name", choices=NAMES)
    p.add_argument(
        "--records",
        type=int,
        default=10_000,
        help=_("applications in the benchmark database (store, search, report, ui)"),
    )
    p.add_argument(
        "--folder",
        metavar="DIR",
        help=_(
            "keep the benchmark station in this folder and reuse it (a large one takes long to "
            "fill)"
        ),
    )
    p.add_argument("--samples", type=int, default=200, help=_("timed operations (ui: key presses)"))
    p.add_argument("--reader", help=_("PC/SC reader for the card benchmark"))
    p.add_argument("--port", help=_("serial port for the card benchmark"))
    p.add_argument("--source", help=_("camera source for the camera benchmark"))
    p.add_argument("--seconds", type=float, default=10.0, help=_("duration (camera)"))
    p.set_defaults(func=cmd_bench)


def _progress(done: int, total: int) -> None:
    print(_("filling: {done}/{total}", done=done, total=total), file=sys.stderr, flush=True)


def cmd_bench(ctx: Context, args: argparse.Namespace) -> int:
    from station.cli import dumps

    name = args.name
    folder_ctx = None
    if name in ("store", "search", "report", "ui"):
        if args.folder:
            folder = Path(args.folder)
        else:
            folder_ctx = tempfile.TemporaryDirectory(prefix="station-bench-")
            folder = Path(folder_ctx.name)
    try:
        if name == "store":
            from station.bench import bench_store

            result = bench_store(folder, args.records, args.samples, _progress)
        elif name == "search":
            from station.bench import bench_search

            result = bench_search(folder, args.records, args.samples, _progress)
        elif name == "startup":
            from station.bench import bench_startup

            result = bench_startup()
        else:
            result = _delegate(name, args, folder if name in ("report", "ui") else None)
    finally:
        if folder_ctx is not None:
            folder_ctx.cleanup()
    ctx.emit(result, dumps(result))
    return 0


def _delegate(name: str, args: argparse.Namespace, folder: Path | None) -> dict[str, Any]:
    """Benchmarks that live with their parts (devices, sync, reports, the desktop: imported by
    name, the core imports no ui module)."""
    import importlib

    targets = {
        "card": ("devices", "bench_card"),
        "camera": ("station.cli.photo", "bench_camera"),
        "sync": ("sync.bench", "bench_sync"),
        "report": ("station.reports.bench", "bench_report"),
        "ui": ("ui.bench", "bench_ui"),
    }
    module_name, attr = targets[name]
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ModuleNotFoundError, AttributeError) as exc:
        raise UsageError(
            "bench_unavailable", _("The {name} benchmark is not part of this build", name=name)
        ) from exc
    kwargs = {
        "card": {"reader": args.reader, "port": args.port},
        "camera": {"seconds": args.seconds, "source": args.source},
        "sync": {"n": args.records},
        "report": {
            "folder": folder,
            "records": args.records,
            "import_rows": args.samples if args.samples != 200 else 10_000,
        },
        "ui": {
            "folder": folder,
            "records": args.records,
            "samples": args.samples,
            "progress": _progress,
        },
    }[name]
    result: dict[str, Any] = fn(**kwargs)
    return result
