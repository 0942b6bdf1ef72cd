"""Entry-point registries: how the outer layers add to the core without the core importing them.

The core names no outer module (tests/test_layers.py). ``devices``, ``sync`` and ``ui`` — and
any package a province installs — declare entry points in their distribution's metadata, and
the core loads them by group:

- ``station.commands``: ``register(subparsers)`` functions that add command-line commands
  (``station card …`` from devices, ``station sync`` from sync, ``station gui`` from ui);
- ``station.report_writers``: ``write(data, path)`` functions per report format (``pdf`` from
  ui, csv and xlsx from the core);
- ``station.doctor_checks``: functions returning the extra ``station doctor`` checks;
- ``station.audit_anchors``: ``service_heads(store, timeout)``, the audit-chain heads the
  central service kept for this station (``station audit verify`` online, from sync);
- ``station.devices``: device drivers (read by ``devices.base``, not here).

Where the entries come from: the installed distributions' metadata (an installed station, the
PyInstaller bundle, which carries the metadata, and other packages' plugins). When the station
runs from a source checkout (``pyproject.toml`` beside the packages), the checkout's own
declarations are read from that file instead of from its installed metadata, which may be older
than the checkout (an entry point added since the last ``pip install -e``).

The metadata is read directly (``*.dist-info``/``*.egg-info`` folders on ``sys.path``, their
``entry_points.txt``), the way ``importlib.metadata`` finds it — first distribution of a name
wins — without importing ``importlib.metadata`` and its e-mail parser: every command builds the
parser, so this is on the start-up path of ``station app search``.
"""

from __future__ import annotations

import configparser
import logging
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DIST = "intake-station"
COMMANDS = "station.commands"
REPORT_WRITERS = "station.report_writers"
DOCTOR_CHECKS = "station.doctor_checks"
AUDIT_ANCHORS = "station.audit_anchors"


@dataclass(frozen=True)
class Entry:
    """One declared entry point: ``name = module:attribute`` of ``group``."""

    group: str
    name: str
    value: str
    dist: str

    def load(self) -> Any:
        module, _sep, attr = self.value.partition(":")
        obj: Any = import_module(module.strip())
        for part in attr.strip().split(".") if attr.strip() else []:
            obj = getattr(obj, part)
        return obj


def _pyproject() -> Path | None:
    """This checkout's pyproject.toml, when the station runs from a source tree."""
    if getattr(sys, "frozen", False):
        return None
    path = Path(__file__).resolve().parent.parent / "pyproject.toml"
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def _declared_here() -> dict[str, dict[str, str]] | None:
    """The checkout's own entry points from its pyproject.toml — None when the station is
    installed, or when its installed metadata is at least as new as the file (then it says the
    same, and reading the metadata is faster than parsing TOML)."""
    path = _pyproject()
    if path is None:
        return None
    own = next((ep for dist, _groups, ep in _installed() if dist == DIST), None)
    try:
        if own is not None and os.path.getmtime(own) >= path.stat().st_mtime:
            return None
    except OSError:
        pass
    import tomllib

    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("cannot read %s: %s", path.name, exc)
        return None
    project = doc.get("project") or {}
    if project.get("name") != DIST:
        return None
    groups = project.get("entry-points") or {}
    return {g: dict(v) for g, v in groups.items() if isinstance(v, dict)}


def _dist_name(folder: str) -> str:
    """``intake_station-0.1.0.dist-info`` → ``intake-station`` (normalized as in PEP 503)."""
    stem = folder.rsplit(".", 1)[0].split("-", 1)[0]
    return re.sub(r"[-_.]+", "-", stem).lower()


@lru_cache(maxsize=1)
def _installed() -> tuple[tuple[str, dict[str, dict[str, str]], str], ...]:
    """(distribution, {group: {name: value}}, its entry_points.txt) of every distribution on
    ``sys.path`` with entry points; the first of a name wins, as for imports."""
    seen: set[str] = set()
    found = []
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for folder in names:
            if not folder.endswith((".dist-info", ".egg-info")):
                continue
            dist = _dist_name(folder)
            if dist in seen:
                continue
            seen.add(dist)
            path = os.path.join(entry or ".", folder, "entry_points.txt")
            if not os.path.isfile(path):
                continue
            parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
            parser.optionxform = str  # type: ignore[assignment,method-assign]
            try:
                parser.read(path, encoding="utf-8")
            except (configparser.Error, UnicodeDecodeError) as exc:
                log.warning("entry points of %s unreadable: %s", folder, exc)
                continue
            groups = {g: dict(parser.items(g)) for g in parser.sections()}
            found.append((dist, groups, path))
    return tuple(found)


@lru_cache(maxsize=8)
def entries(group: str) -> tuple[Entry, ...]:
    """The declared entries of ``group``, sorted by name (a name declared twice: the first wins,
    this checkout's own declarations first)."""
    found: dict[str, Entry] = {}
    here = _declared_here()
    if here is not None:
        for name, value in here.get(group, {}).items():
            found[name] = Entry(group, name, value, DIST)
    for dist, groups, _path in _installed():
        if here is not None and dist == DIST:
            continue  # the checkout's pyproject.toml is newer than its installed metadata
        for name, value in groups.get(group, {}).items():
            found.setdefault(name, Entry(group, name, value.split("[")[0].strip(), dist))
    return tuple(found[name] for name in sorted(found))


def names(group: str) -> list[str]:
    return [e.name for e in entries(group)]


def find(group: str, name: str) -> Entry | None:
    return next((e for e in entries(group) if e.name == name), None)


__all__ = [
    "AUDIT_ANCHORS",
    "COMMANDS",
    "DOCTOR_CHECKS",
    "REPORT_WRITERS",
    "Entry",
    "entries",
    "find",
    "names",
]
