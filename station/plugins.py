"""Entry-point registries: how the outer layers add to the core without the core importing them.

The core names no outer module (tests/test_layers.py). ``devices``, ``sync`` and ``ui`` — and
any package a province installs — declare entry points in their distribution's metadata, and
the core loads them by group:

- ``station.commands``: ``register(subparsers)`` functions that add command-line commands
  (``station card …`` from devices, ``station sync`` from sync, ``station gui`` from ui);
- ``station.report_writers``: ``write(data, path)`` functions per report format (``pdf`` from
  ui, csv and xlsx from the core);
- ``station.doctor_checks``: functions returning the extra ``station doctor`` checks;
- ``station.devices``: device drivers (read by ``devices.base``, not here).

Where the entries come from: the installed distributions' metadata (an installed station, the
PyInstaller bundle, which carries the metadata, and other packages' plugins). When the station
runs from a source checkout (``pyproject.toml`` beside the packages), the checkout's own
declarations are read from that file instead of from its installed metadata, which may be older
than the checkout (an entry point added since the last ``pip install -e``).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DIST = "intake-station"
COMMANDS = "station.commands"
REPORT_WRITERS = "station.report_writers"
DOCTOR_CHECKS = "station.doctor_checks"


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
    path = _pyproject()
    if path is None:
        return None
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


@lru_cache(maxsize=8)
def entries(group: str) -> tuple[Entry, ...]:
    """The declared entries of ``group``, sorted by name (a name declared twice: the first wins,
    this checkout's own declarations first)."""
    found: dict[str, Entry] = {}
    here = _declared_here()
    if here is not None:
        for name, value in here.get(group, {}).items():
            found[name] = Entry(group, name, value, DIST)
    for ep in entry_points(group=group):
        dist = ep.dist.name if ep.dist is not None else ""
        if here is not None and dist.replace("_", "-").lower() == DIST:
            continue  # the checkout's pyproject.toml is newer than its installed metadata
        found.setdefault(ep.name, Entry(group, ep.name, ep.value, dist))
    return tuple(found[name] for name in sorted(found))


def names(group: str) -> list[str]:
    return [e.name for e in entries(group)]


def find(group: str, name: str) -> Entry | None:
    return next((e for e in entries(group) if e.name == name), None)


__all__ = ["COMMANDS", "DOCTOR_CHECKS", "REPORT_WRITERS", "Entry", "entries", "find", "names"]
