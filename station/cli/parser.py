"""The argument parser: global options at any depth, argparse's own words in the operator's
language, and the helper through which every layer adds commands to a shared group.

argparse marks its messages with ``gettext``; ``translate_argparse`` points that at the core's
catalog (``resources/i18n/core/cli.zh_CN.json``), so "usage:", "positional arguments",
"invalid choice" and "the following arguments are required" read in Chinese in the Chinese CLI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from station import i18n
from station.i18n import N_, _

# argparse's messages that a person can see (Python 3.11-3.13), marked so that the translation
# test requires their Chinese.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("expected %s argument"),
    N_("expected %s arguments"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("ignored explicit argument %r"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
)
_CATALOG = frozenset(ARGPARSE_MESSAGES)


def _gettext(text: str) -> str:
    # Only argparse's own messages: argparse also passes our (already translated) help texts
    # and titles through gettext.
    return _(text) if text in _CATALOG else text


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


def translate_argparse() -> None:
    """Make argparse speak the current language (call before building the parser)."""
    argparse._ = _gettext  # type: ignore[attr-defined]
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]


def add_global_options(parser: argparse.ArgumentParser, top: bool) -> None:
    """``--data-dir``, ``--user``, ``--json``, ``--lang``, ``-v``: on the top parser with their
    defaults, on every command again without one (``argparse.SUPPRESS``), so that they are
    accepted before or after the command at any depth and the later one wins."""
    default: Any = None if top else argparse.SUPPRESS
    flag: Any = False if top else argparse.SUPPRESS
    group = parser.add_argument_group(_("global options (before or after the command)"))
    group.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default,
        help=_("the station's data folder (default: $STATION_DATA_DIR or the user data folder)"),
    )
    group.add_argument(
        "--user", metavar="NAME", default=default, help=_("operator name (default: $STATION_USER)")
    )
    group.add_argument(
        "--json", action="store_true", default=flag, help=_("print one JSON document on stdout")
    )
    group.add_argument(
        "--lang", choices=i18n.LANGUAGES, default=default, help=_("language of messages")
    )
    group.add_argument(
        "-v", "--verbose", action="store_true", default=flag, help=_("log to stderr")
    )


class Parser(argparse.ArgumentParser):
    """Every command's parser: the global options, a translated error line, exit 2."""

    def __init__(
        self,
        *args: Any,
        top: bool = False,
        epilog_fn: Callable[[], str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        self.epilog_fn = epilog_fn  # an epilog made only when the help is shown
        self.commands: Any = None  # the subparsers action, when this parser has commands
        add_global_options(self, top)

    def add_subparsers(self, **kwargs: Any) -> Any:
        kwargs.setdefault("parser_class", Parser)
        self.commands = super().add_subparsers(**kwargs)
        return self.commands

    def format_help(self) -> str:
        if self.epilog_fn is not None:
            self.epilog = self.epilog_fn()
        return super().format_help()

    def error(self, message: str) -> NoReturn:  # exit 2 with a translated prefix
        self.print_usage(sys.stderr)
        self.exit(2, _("{prog}: error: {message}", prog=self.prog, message=message) + "\n")


def group(sub: Any, name: str, help: str | None = None) -> Any:
    """The commands of ``station NAME …`` (``app``, ``bench``…), created on first use: any
    layer adds its actions to a group another layer opened (``ui`` adds ``app receipt``)."""
    parser = sub.choices.get(name)
    if parser is None:
        parser = sub.add_parser(name, help=help)
    if parser.commands is None:
        parser.add_subparsers(dest=f"{name}_command", required=True, metavar=_("ACTION"))
    return parser.commands


__all__ = ["ARGPARSE_MESSAGES", "Parser", "add_global_options", "group", "translate_argparse"]
