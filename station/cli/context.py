"""What a command handler gets: output helpers, the data folder, and a logged-in session."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from station.errors import StationError, UsageError, ValidationError
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

    # -- output ------------------------------------------------------------------------------
    def emit(self, obj: Any, human: str | None = None) -> None:
        """The command's result: JSON on stdout with --json, else the human text."""
        if self.json:
            from station.cli import dumps

            sys.stdout.write(dumps(obj) + "\n")
        elif human is not None:
            sys.stdout.write(human + ("" if human.endswith("\n") else "\n"))
        sys.stdout.flush()

    def message(self, text: str) -> None:
        print(text, file=sys.stderr)

    def fail(self, exc: StationError) -> None:
        if isinstance(exc, ValidationError):
            if self.json:
                self.emit(exc.to_json())
            print(exc.message, file=sys.stderr)
            for e in exc.errors:
                print(f"  {e.field}: {e.message} ({e.code})", file=sys.stderr)
            return
        print(_("Error: {message}", message=exc.message), file=sys.stderr)

    # -- sessions ----------------------------------------------------------------------------
    def station(self) -> Any:
        from station.store import Station

        return Station(self.data_dir)

    def password(self, env: str = "STATION_PASSWORD", prompt: str | None = None) -> str:
        value = os.environ.get(env)
        if value is not None:
            return value
        if not sys.stdin.isatty():
            raise UsageError(
                "no_password", _("No password: set {env} or run in a terminal", env=env)
            )
        return getpass.getpass(prompt or _("Password: "))

    def new_password(self, env: str = "STATION_NEW_PASSWORD") -> str:
        value = os.environ.get(env)
        if value is not None:
            return value
        if not sys.stdin.isatty():
            raise UsageError(
                "no_password", _("No new password: set {env} or run in a terminal", env=env)
            )
        first = getpass.getpass(_("New password: "))
        if getpass.getpass(_("Repeat the new password: ")) != first:
            raise UsageError("password_mismatch", _("The two passwords differ"))
        return first

    def operator_name(self) -> str:
        name = getattr(self.args, "user", None) or os.environ.get("STATION_USER")
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


def read_json_input(source: str) -> Any:
    """Parse a JSON document from a file path or ``-`` (stdin); a typed error when it is not."""
    from station.errors import FieldError

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            "unreadable_input", _("Cannot read the input file: {why}", why=type(exc).__name__)
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [
                FieldError(
                    "",
                    "invalid_json",
                    _(
                        "The input is not valid JSON (line {line}, column {col})",
                        line=exc.lineno,
                        col=exc.colno,
                    ),
                )
            ]
        ) from exc
