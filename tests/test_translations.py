"""Every user-visible core message (`_()`, in any layer: the command-line parts of ui/ use it
too) has a Chinese translation; the Qt files are complete."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def marked_literals() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in ("station", "devices", "sync", "ui"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in ("_", "N_")
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found[node.args[0].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_core_message_has_chinese():
    from station.i18n import catalog

    catalog.cache_clear()
    zh = catalog("zh_CN")
    missing = {text: where for text, where in marked_literals().items() if text not in zh}
    assert missing == {}, f"{len(missing)} messages without Chinese: {list(missing.items())[:20]}"


def test_catalog_placeholders_match():
    import re

    from station.i18n import catalog

    zh = catalog("zh_CN")
    bad = [
        k for k, v in zh.items() if set(re.findall(r"\{(\w+)", k)) != set(re.findall(r"\{(\w+)", v))
    ]
    assert bad == []


def test_catalog_files_are_valid_json():
    for path in (ROOT / "resources" / "i18n" / "core").glob("*.json"):
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), path


def test_qt_translation_complete(tmp_path):
    """lupdate over ui/ finds no string without a finished Chinese translation."""
    ts = ROOT / "resources" / "i18n" / "station_zh_CN.ts"
    work = tmp_path / "station_zh_CN.ts"
    work.write_bytes(ts.read_bytes())
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    sources = sorted(str(p) for p in (ROOT / "ui").rglob("*.py"))
    subprocess.run([str(lupdate), "-silent", *sources, "-ts", str(work)], check=True)
    unfinished = []
    for ctx in ET.parse(work).getroot().iter("context"):
        name = ctx.findtext("name")
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            if tr is None or tr.get("type") in ("unfinished",) or not (tr.text or "").strip():
                unfinished.append(f"{name}: {msg.findtext('source')}")
    assert unfinished == [], unfinished[:30]
