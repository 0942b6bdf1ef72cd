"""Translation of the core's user-visible messages.

The core cannot use Qt's translator (it never imports Qt), so its messages are marked with
``_()`` in English and looked up in JSON catalogs under ``resources/i18n/core/``: one file per
area and language (``validation.zh_CN.json``), merged at first use. Chinese is the default; the
language comes from ``set_language`` or the ``STATION_LANG`` environment variable (``zh_CN`` or
``en``). A missing translation falls back to the English text, and a test fails on any ``_()``
literal that has no Chinese entry.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from station.resources import resource_path

DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")

_language: str | None = None


def language() -> str:
    if _language is not None:
        return _language
    env = os.environ.get("STATION_LANG", "").strip()
    if env.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    _language = lang


@lru_cache(maxsize=4)
def catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder: Path = resource_path("i18n", "core")
    for path in sorted(folder.glob(f"*.{lang}.json")):
        with path.open(encoding="utf-8") as fh:
            merged.update(json.load(fh))
    return merged


def _(text: str, /, **params: object) -> str:
    """Translate ``text`` (English source) into the current language and format ``params``."""
    lang = language()
    out = text if lang == "en" else catalog(lang).get(text, text)
    return out.format(**params) if params else out


def N_(text: str, /) -> str:
    """Mark ``text`` for translation without translating it now (tables of messages)."""
    return text
