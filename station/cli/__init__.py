"""The ``station`` command line (specs/cli.md): stable names, ``--json``, one meaning per exit code.

Commands live in modules of this package; each has ``register(sub)`` that adds its parsers with
``set_defaults(func=handler)``; a handler is ``handler(ctx, args) -> int``. Heavy libraries (Qt,
OpenCV, pyscard, requests) are imported inside the handlers that need them, so a plain
``station app search`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from station import i18n
from station.cli.context import Context
from station.errors import StationError, UsageError
from station.i18n import _

log = logging.getLogger("station.cli")

# Command modules, in the order their commands appear in --help. A module that is not part of
# this build (a later issue's) is skipped.
COMMAND_MODULES = (
    "station.cli.core",
    "station.cli.apps",
    "station.cli.card",
    "station.cli.photo",
    "station.cli.sync",
    "station.cli.central",
    "station.cli.reports",
    "station.cli.maintenance",
    "station.cli.bench",
    "station.cli.desktop",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # exit 2 with a translated prefix
        self.print_usage(sys.stderr)
        self.exit(2, _("{prog}: error: {message}", prog=self.prog, message=message) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="station",
        description=_(
            "Residence-permit intake station. Without a command, opens the desktop application."
        ),
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=_("the station's data folder (default: $STATION_DATA_DIR or the user data folder)"),
    )
    parser.add_argument("--user", metavar="NAME", help=_("operator name (default: $STATION_USER)"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON document on stdout"))
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help=_("language of messages"))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("log to stderr"))
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"), parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Language first, so that --help is already translated.
    if "--lang" in args_list:
        i = args_list.index("--lang")
        if i + 1 < len(args_list) and args_list[i + 1] in i18n.LANGUAGES:
            i18n.set_language(args_list[i + 1])
    parser = build_parser()
    args = parser.parse_args(args_list)
    ctx = Context(args)
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.INFO if args.verbose else logging.WARNING)
    stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    from station.logs import RedactingFilter, setup_file_logging

    stderr.addFilter(RedactingFilter())
    logging.getLogger().addHandler(stderr)
    logging.getLogger().setLevel(logging.INFO)
    if (ctx.data_dir / "keyslots.json").exists():
        setup_file_logging(ctx.data_dir)
    log.info("command %s", args.command or "gui")
    func = getattr(args, "func", None)
    if func is None:
        if args.command is None:
            from station.cli.desktop import run_gui

            func = run_gui
        else:
            parser.parse_args([args.command, "--help"])
            return 2
    try:
        return int(func(ctx, args) or 0)
    except StationError as exc:
        ctx.fail(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        print(_("Interrupted"), file=sys.stderr)
        return 1
    finally:
        ctx.close()


def _json_default(obj: Any) -> Any:
    if isinstance(obj, bytes):
        import base64

        return base64.b64encode(obj).decode()
    return str(obj)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=_json_default)


__all__ = ["main", "build_parser", "Context", "UsageError", "dumps"]
