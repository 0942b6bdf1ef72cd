"""The reference code tables (resources/codes/*.json), loaded once and cached.

The city's streets and communities are not here: they come from the station profile
(``station.profile``; the demo table reaches the product only as a profile)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from station.i18n import language
from station.resources import resource_path

TABLES = (
    "ethnic",
    "sex",
    "education",
    "occupation",
    "reason",
    "services",
    "dwelling",
    "relations",
    "kinds",
    "marital",
)


@cache
def _load(name: str) -> Any:
    with resource_path("codes", f"{name}.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def table(name: str) -> dict[str, dict[str, str]]:
    """code → {"zh": …, "en": …} for one of ``TABLES``."""
    if name not in TABLES:
        raise KeyError(name)
    data: dict[str, dict[str, str]] = _load(name)
    return data


def label(table_name: str, code: str, lang: str | None = None) -> str:
    entry = table(table_name).get(code)
    if entry is None:
        return code
    lang = lang or language()
    return entry["en"] if lang == "en" else entry["zh"]


def cities() -> dict[str, str]:
    """4-digit city code → Chinese name of the cities that have division tables."""
    return {code: c["name"]["zh"] for code, c in _load("divisions").items()}


def divisions(city: str) -> dict[str, str]:
    """Current districts (6-digit code → name) of a 4-digit city; empty when unknown."""
    entry = _load("divisions").get(city)
    return dict(entry["districts"]) if entry else {}


def all_districts() -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in _load("divisions").values():
        out.update(entry["districts"])
    return out


def retired_divisions() -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in _load("divisions").values():
        out.update(entry.get("retired", {}))
    return out
