"""``station bench NAME``: the benchmarks, printed as figures.

The core's benchmarks are here (``store``, ``search``, ``report``, ``startup``); the other
layers add theirs to the same group from their own ``register`` (``card`` and ``camera`` from
devices, ``sync`` from sync, ``ui`` from ui) with the helpers below.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from station.cli.context import Context
from station.cli.parser import group
from station.i18n import _


def benchmarks(sub: Any) -> Any:
    """The ``station bench`` group, for any layer to add its benchmark to."""
    return group(sub, "bench", _("run a benchmark and print its figures"))


def add_records_options(p: argparse.ArgumentParser, samples: str | None = None) -> None:
    """``--records``, ``--folder`` (and ``--samples``) of the benchmarks that fill a station."""
    p.add_argument(
        "--records", type=int, default=10_000, help=_("applications in the benchmark database")
    )
    p.add_argument(
        "--folder",
        metavar="DIR",
        help=_(
            "keep the benchmark station in this folder and reuse it (a large one takes long to "
            "fill)"
        ),
    )
    if samples is not None:
        p.add_argument("--samples", type=int, default=200, help=samples)


def progress(done: int, total: int) -> None:
    print(_("filling: {done}/{total}", done=done, total=total), file=sys.stderr, flush=True)


@contextlib.contextmanager
def bench_folder(args: argparse.Namespace) -> Iterator[Path]:
    """``--folder``, or a temporary folder removed afterwards."""
    import tempfile

    if getattr(args, "folder", None):
        yield Path(args.folder)
        return
    with tempfile.TemporaryDirectory(prefix="station-bench-") as tmp:
        yield Path(tmp)


def report(ctx: Context, result: dict[str, Any]) -> int:
    from station.cli.context import dumps

    ctx.emit(result, dumps(result))
    return 0


def command(run: Callable[[argparse.Namespace], dict[str, Any]]) -> Any:
    """A handler that runs ``run(args)`` and prints its figures."""

    def handler(ctx: Context, args: argparse.Namespace) -> int:
        return report(ctx, run(args))

    return handler


def register(sub: Any) -> None:
    bench = benchmarks(sub)
    p = bench.add_parser("store", help=_("saving applications into a large station"))
    add_records_options(p, _("timed operations"))
    p.set_defaults(func=command(_store))
    p = bench.add_parser("search", help=_("searching a large station"))
    add_records_options(p, _("timed operations"))
    p.set_defaults(func=command(_search))
    p = bench.add_parser(
        "report", help=_("the daily report in a large station, and the import of a large sheet")
    )
    add_records_options(p)
    p.add_argument("--rows", type=int, default=10_000, help=_("rows of the imported sheet"))
    p.set_defaults(func=command(_report))
    p = bench.add_parser("startup", help=_("cold start of the command line"))
    p.set_defaults(func=command(_startup))


def _store(args: argparse.Namespace) -> dict[str, Any]:
    from station.bench import bench_store

    with bench_folder(args) as folder:
        return bench_store(folder, args.records, args.samples, progress)


def _search(args: argparse.Namespace) -> dict[str, Any]:
    from station.bench import bench_search

    with bench_folder(args) as folder:
        return bench_search(folder, args.records, args.samples, progress)


def _report(args: argparse.Namespace) -> dict[str, Any]:
    from station.reports.bench import bench_report

    return bench_report(
        Path(args.folder) if args.folder else None, records=args.records, import_rows=args.rows
    )


def _startup(args: argparse.Namespace) -> dict[str, Any]:
    from station.bench import bench_startup

    return bench_startup()


__all__ = [
    "add_records_options",
    "bench_folder",
    "benchmarks",
    "command",
    "progress",
    "register",
    "report",
]
