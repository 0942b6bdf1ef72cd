"""What a command handler gets: output helpers, the data folder, and a logged-in session."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from station.errors import FieldError, StationError, UsageError, ValidationError
from station.i18n import _


def default_data_dir() -> Path:
    env = os.environ.get("STATION_DATA_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("intake-station", appauthor=False))


class Context:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.json: bool = bool(getattr(args, "json", False))
        self.data_dir = (
            Path(args.data_dir) if getattr(args, "data_dir", None) else (default_data_dir())
        )
        self._store: Any = None
        self.emitted = False  # the one JSON document of --json is out

    # -- output ------------------------------------------------------------------------------
    def emit(self, obj: Any, human: str | None = None) -> None:
        """The command's result: JSON on stdout with --json, else the human text."""
        if self.json:
            sys.stdout.write(dumps(obj) + "\n")
            self.emitted = True
        elif human is not None:
            sys.stdout.write(human + ("" if human.endswith("\n") else "\n"))
        sys.stdout.flush()

    def message(self, text: str) -> None:
        print(text, file=sys.stderr)

    def fail(self, exc: StationError) -> None:
        """Report ``exc``: the message on stderr; with --json also the error on stdout (unless
        the command already printed its document): ``{"errors": [{field, code, message}]}``
        for input refused (exit 4), ``{"error": {code, message}}`` for anything else."""
        from station.errors import INVALID

        if self.json and not self.emitted:
            if isinstance(exc, ValidationError):
                self.emit(exc.to_json())
            elif exc.exit_code == INVALID:
                self.emit({"errors": [{"field": "", "code": exc.code, "message": exc.message}]})
            else:
                self.emit(exc.to_json())
        if isinstance(exc, ValidationError):
            print(exc.message, file=sys.stderr)
            for e in exc.errors:
                where = f"{e.field}: " if e.field else ""
                print(f"  {where}{e.message} ({e.code})", file=sys.stderr)
            return
        print(_("Error: {message}", message=exc.message), file=sys.stderr)

    # -- sessions ----------------------------------------------------------------------------
    def station(self) -> Any:
        from station.store import Station

        return Station(self.data_dir)

    def password(self, env: str = "STATION_PASSWORD", prompt: str | None = None) -> str:
        value = os.environ.get(env)
        if value is not None:
            return _utf8(value, env)
        if not sys.stdin.isatty():
            raise UsageError(
                "no_password", _("No password: set {env} or run in a terminal", env=env)
            )
        return getpass.getpass(prompt or _("Password: "))

    def new_password(self, env: str = "STATION_NEW_PASSWORD") -> str:
        value = os.environ.get(env)
        if value is not None:
            return _utf8(value, env)
        if not sys.stdin.isatty():
            raise UsageError(
                "no_password", _("No new password: set {env} or run in a terminal", env=env)
            )
        first = getpass.getpass(_("New password: "))
        if getpass.getpass(_("Repeat the new password: ")) != first:
            raise UsageError("password_mismatch", _("The two passwords differ"))
        return first

    def has_operator(self) -> bool:
        """Was an operator named (``--user`` or ``$STATION_USER``)?"""
        return bool(getattr(self.args, "user", None) or os.environ.get("STATION_USER"))

    def operator_name(self) -> str:
        name = getattr(self.args, "user", None) or _utf8(
            os.environ.get("STATION_USER", ""), "STATION_USER"
        )
        if name:
            return str(name)
        if not sys.stdin.isatty():
            raise UsageError("no_user", _("No operator: use --user NAME or set STATION_USER"))
        return input(_("Operator: ")).strip()

    def session(self) -> Any:
        """Log in (once per command) and return the operator's store."""
        if self._store is None:
            station = self.station()
            if not station.exists():
                raise StationError(
                    "no_station",
                    _(
                        "No station is set up in {folder}; run 'station init' first",
                        folder=self.data_dir,
                    ),
                )
            name = self.operator_name()
            self._store = station.login(name, self.password())
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (CJK-aware ``ljust``)."""
    return text + " " * max(0, width - display_width(text))


def _utf8(value: str, env: str) -> str:
    """An environment variable's text, refused when it is not UTF-8 (exit 4)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            [FieldError("", "not_utf8", _("{env} is not UTF-8 text", env=env))]
        ) from None
    return value


MAX_JSON_INPUT = 1024 * 1024  # an application record is a few kilobytes
MAX_JSON_DEPTH = 32  # the record nests four levels deep (members.0.name)
MAX_JSON_DIGITS = 20  # no number in a record needs more


def read_json_input(source: str) -> Any:
    """Parse a JSON document (UTF-8, a leading BOM allowed) from a file path or ``-`` (stdin);
    a typed error (exit 4) when it is not one, or is larger, deeper or holds longer numbers
    than any application record."""
    try:
        if source == "-":
            raw = sys.stdin.buffer.read(MAX_JSON_INPUT + 1)
        else:
            with Path(source).open("rb") as fh:
                raw = fh.read(MAX_JSON_INPUT + 1)
    except OSError as exc:
        raise UsageError(
            "unreadable_input", _("Cannot read the input file: {why}", why=type(exc).__name__)
        ) from exc

    def refused(code: str, message: str) -> ValidationError:
        return ValidationError([FieldError("", code, message)])

    if len(raw) > MAX_JSON_INPUT:
        raise refused(
            "input_too_large",
            _(
                "The input is larger than {kb} KB; an application is a few KB",
                kb=MAX_JSON_INPUT // 1024,
            ),
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refused(
            "not_utf8", _("The input is not UTF-8 text (byte {pos})", pos=exc.start + 1)
        ) from exc
    try:
        doc = json.loads(
            text, parse_int=_json_int, parse_constant=_json_constant, parse_float=_json_float
        )
    except json.JSONDecodeError as exc:
        raise refused(
            "invalid_json",
            _(
                "The input is not valid JSON (line {line}, column {col})",
                line=exc.lineno,
                col=exc.colno,
            ),
        ) from exc
    except RecursionError as exc:
        raise refused(
            "too_deep", _("The input is nested more deeply than an application record")
        ) from exc
    except ValueError as exc:  # a number too long, NaN or Infinity
        raise refused(
            "bad_number",
            _("The input holds a number that no application field takes (too long, NaN, Infinity)"),
        ) from exc
    _check_depth(doc)
    return doc


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_DIGITS:
        raise ValueError("number too long")
    return int(text)


def _json_float(text: str) -> float:
    if len(text) > 2 * MAX_JSON_DIGITS:
        raise ValueError("number too long")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_depth(doc: Any) -> None:
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise ValidationError(
                    [
                        FieldError(
                            "",
                            "too_deep",
                            _("The input is nested more deeply than an application record"),
                        )
                    ]
                )
            stack.extend(
                (v, depth + 1) for v in (node.values() if isinstance(node, dict) else node)
            )


def output_path(out: str | Path) -> Path:
    """The file or folder an ``--out`` names. The rule of every command: the command creates
    what ``--out`` names, never the folders above it — a missing one is refused (a USB stick
    not plugged in must not turn into a folder on the local disk)."""
    path = Path(out)
    parent = path.parent
    if not parent.is_dir():
        raise StationError(
            "no_folder",
            _(
                "The folder {folder} does not exist (a USB stick not plugged in?); create it or "
                "choose another",
                folder=parent,
            ),
        )
    return path


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """An output file that cannot be written (disk full, no permission) as a typed error; the
    writers leave no half file (station/fsutil.py)."""
    try:
        yield
    except OSError as exc:
        raise StationError(
            "cannot_write",
            _("Cannot write {file}: {why}", file=path.name, why=exc.strerror or type(exc).__name__),
        ) from exc


def _json_default(obj: Any) -> Any:
    if isinstance(obj, bytes):
        import base64

        return base64.b64encode(obj).decode()
    return str(obj)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=_json_default)
