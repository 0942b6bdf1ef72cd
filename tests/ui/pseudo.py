"""A pseudo-locale for the Qt widgets: every translation is the English source in ⟦…⟧ brackets,
about a third longer (trailing "·"), so a test can tell translated text from text that never
went through ``tr()`` and can see where a longer language would be cut off.

``build_pseudo_qm(folder)`` turns ``resources/i18n/station_zh_CN.ts`` (brought up to date with the
``ui`` sources by ``pyside6-lupdate``) into ``station_pseudo.ts`` and compiles it with the
virtualenv's ``pyside6-lrelease``; ``pseudo_locale(app, qm)`` installs
that translator alone for the duration of a ``with`` block and puts the app's own translators
back afterwards.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SOURCE_TS = ROOT / "resources" / "i18n" / "station_zh_CN.ts"
UI = ROOT / "ui"
OPEN, CLOSE, PAD = "⟦", "⟧", "·"
_PLACEHOLDER = re.compile(r"%L?\d+|%n")


def pseudo_text(source: str) -> str:
    """``"Log in"`` → ``"⟦Log in··⟧"``: the source untouched (placeholders, ``&`` accelerators and
    line breaks stay where they are) plus one "·" for every three characters of visible text."""
    visible = _PLACEHOLDER.sub("", source).replace("&&", "&").replace("&", "")
    return OPEN + source + PAD * (len(visible) // 3) + CLOSE


def write_pseudo_ts(target: Path, source: Path = SOURCE_TS) -> int:
    """Write the pseudo ``.ts`` for every message of ``source``; returns the number of messages."""
    tree = ET.parse(source)
    root = tree.getroot()
    root.set("language", "en_XA")  # a pseudo-locale code; lrelease does not care
    count = 0
    for message in root.iter("message"):
        src = message.findtext("source") or ""
        translation = message.find("translation")
        if translation is None:
            translation = ET.SubElement(message, "translation")
        if message.get("numerus") == "yes":
            for form in list(translation):
                translation.remove(form)
            translation.text = None
            for _ in range(2):
                ET.SubElement(translation, "numerusform").text = pseudo_text(src)
        else:
            translation.text = pseudo_text(src)
        translation.attrib.pop("type", None)  # unfinished/obsolete would be left out by lrelease
        count += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    tree.write(target, encoding="utf-8", xml_declaration=True)
    return count


def lrelease() -> Path:
    return Path(sys.executable).parent / "pyside6-lrelease"


def lupdate() -> Path:
    return Path(sys.executable).parent / "pyside6-lupdate"


def build_pseudo_qm(folder: Path, source: Path = SOURCE_TS, update_from: Path | None = UI) -> Path:
    """``folder/station_pseudo.qm`` compiled from the pseudo translation of ``source``.

    With ``update_from`` (the ``ui`` package by default) a copy of ``source`` is first brought up
    to date with ``pyside6-lupdate``, so a ``tr()`` string that is not in the ``.ts`` yet is
    marked too: this pseudo-locale tells text that goes through ``tr()`` from text that does
    not; whether the ``.ts`` has every string is ``tests/test_translations.py``'s question."""
    folder.mkdir(parents=True, exist_ok=True)
    ts = folder / "station_pseudo.ts"
    qm = folder / "station_pseudo.qm"
    if update_from is not None:
        ts.write_bytes(source.read_bytes())
        sources = sorted(str(p) for p in update_from.rglob("*.py"))
        subprocess.run(
            [str(lupdate()), "-silent", *sources, "-ts", str(ts)],
            check=True,
            capture_output=True,
            timeout=60,
        )
        source = ts
    write_pseudo_ts(ts, source)
    subprocess.run(
        [str(lrelease()), "-silent", str(ts), "-qm", str(qm)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return qm


def _installed_translators(app: Any) -> list[Any]:
    """The translators ``ui.app.install_language`` installed, then any other QTranslator child
    of the app (Qt has no list of installed translators; removing one that is not installed is
    harmless and reports False)."""
    from ui import app as ui_app
    from ui.qt import QTranslator

    candidates = list(getattr(ui_app, "_translators", []))
    candidates += [t for t in app.findChildren(QTranslator) if t not in candidates]
    return candidates


@contextmanager
def pseudo_locale(app: Any, qm: Path) -> Iterator[Any]:
    """Install the pseudo translator as the only one; restore the app's translators after.

    Widgets translate when they are built, so build them inside the block."""
    from ui.qt import QTranslator

    removed = [t for t in _installed_translators(app) if app.removeTranslator(t)]
    translator = QTranslator()
    if not translator.load(str(qm)):
        for t in removed:
            app.installTranslator(t)
        raise RuntimeError(f"cannot load the pseudo translation {qm}")
    app.installTranslator(translator)
    try:
        yield translator
    finally:
        app.removeTranslator(translator)
        for t in removed:  # same order as before, so the same one wins a lookup
            app.installTranslator(t)
