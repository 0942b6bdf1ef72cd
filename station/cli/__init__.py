"""The ``station`` command line (specs/cli.md): stable names, ``--json``, one meaning per exit code.

The core owns the parser, the global options, the ``Context`` and the exit codes; commands come
from ``register(subparsers)`` functions — the core's own (``BUILTIN``) and those the other
layers declare in the ``station.commands`` entry-point group (``devices``: ``card``, ``photo``;
``sync``: ``enrol``, ``sync``, ``handover``, ``central``; ``ui``: ``gui``, ``demo``,
``app receipt``), so that the core imports none of them (station/plugins.py). A register
function adds parsers with ``set_defaults(func=handler)``; a handler is
``handler(ctx, args) -> int``. Heavy libraries (Qt, OpenCV, pyscard, requests) are imported
inside the handlers that need them, so a plain ``station app search`` starts fast.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import sys
from collections.abc import Sequence

from station import i18n, plugins
from station.cli.context import Context, dumps
from station.cli.parser import Parser, group, translate_argparse
from station.errors import StationError, UsageError
from station.i18n import _

log = logging.getLogger("station.cli")

# The core's own command modules, in the order their commands appear in --help; the other
# layers' commands follow in the order of their entry-point names.
BUILTIN = (
    "station.cli.core",
    "station.cli.profile",
    "station.cli.apps",
    "station.cli.reports",
    "station.cli.figures",
    "station.cli.maintenance",
    "station.cli.bench",
)
DEFAULT_COMMAND = "gui"  # what ``station`` alone runs, when a layer registers it


def _epilog() -> str:
    return _(
        "Exit codes: 0 done, 1 failed, 2 wrong usage, 3 not authenticated or not allowed, "
        "4 input rejected by validation, 5 device error, 6 central service unreachable or "
        "refusing."
    )


def build_parser() -> argparse.ArgumentParser:
    translate_argparse()
    parser = Parser(
        prog="station",
        description=_(
            "Residence-permit intake station. Without a command, opens the desktop application."
        ),
        epilog=_epilog(),
        top=True,
    )
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"))
    for name in BUILTIN:
        importlib.import_module(name).register(sub)
    for entry in plugins.entries(plugins.COMMANDS):
        try:
            register = entry.load()
        except ImportError as exc:  # a layer left out of this build
            log.info("commands %s not available: %s", entry.name, exc)
            continue
        register(sub)
    return parser


def _language_first(argv: list[str]) -> None:
    """Set the language before the parser is built, so that --help is already translated;
    ``--lang`` may stand anywhere."""
    for i, arg in enumerate(argv):
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        if value in i18n.LANGUAGES:
            i18n.set_language(value)


def _not_utf8(argv: list[str]) -> StationError | None:
    """Arguments that are not UTF-8 text (undecodable bytes arrive as lone surrogates)."""
    from station.errors import FieldError, ValidationError

    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return ValidationError(
                [FieldError("", "not_utf8", _("The command line holds text that is not UTF-8"))]
            )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    _language_first(args_list)
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
    try:
        bad_text = _not_utf8(args_list)
        if bad_text is not None:
            raise bad_text
        if (ctx.data_dir / "keyslots.json").exists():
            setup_file_logging(ctx.data_dir)
        log.info("command %s", args.command or DEFAULT_COMMAND)
        func = getattr(args, "func", None)
        if func is None:
            commands = getattr(parser, "commands", None)
            default = commands.choices.get(DEFAULT_COMMAND) if commands is not None else None
            if args.command is None and default is not None:
                func = default.get_default("func")
            else:
                parser.print_help(sys.stderr)
                return 2
        return int(func(ctx, args) or 0)
    except StationError as exc:
        ctx.fail(exc)
        return exc.exit_code
    except OSError as exc:  # a full disk where no writer expected one: still no traceback
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        full = StationError(
            "disk_full", _("The disk is full: {why}. Free some space and try again", why=exc)
        )
        ctx.fail(full)
        return full.exit_code
    except Exception as exc:  # a damaged database or a full disk, as the doctor names it
        from station.db import storage_error

        error = storage_error(exc)
        if error is None:
            raise
        log.warning("database error: %s", type(exc).__name__)
        ctx.fail(error)
        return error.exit_code
    except KeyboardInterrupt:
        print(_("Interrupted"), file=sys.stderr)
        return 1
    finally:
        ctx.close()


__all__ = ["main", "build_parser", "group", "Context", "UsageError", "dumps"]
